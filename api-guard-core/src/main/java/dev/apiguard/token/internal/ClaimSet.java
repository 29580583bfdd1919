package dev.apiguard.token.internal;

import dev.apiguard.Caller;
import dev.apiguard.token.TokenVerification.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The registered claims of a token payload, each checked for its JSON type on the raw parsed
 * values, never through a conversion that could overflow: NumericDates must be JSON integers
 * between 0 and {@value #MAX_NUMERIC_DATE} (the end of year 9999), strings non-empty strings.
 *
 * @param iss issuer, or null
 * @param aud audiences (a string becomes a one-element list), or null
 * @param exp expiry in epoch seconds, or null
 * @param iat issued-at in epoch seconds, or null
 * @param nbf not-before in epoch seconds, or null
 * @param sub subject, or null
 * @param clientId {@code client_id}, or null
 * @param azp authorized party, or null
 * @param jti token id, or null
 * @param scope the {@code scope} string, or null
 * @param scp the {@code scp} array, or null
 * @param cnf the confirmation, or null when absent
 */
public record ClaimSet(
        @Nullable String iss,
        @Nullable List<String> aud,
        @Nullable Long exp,
        @Nullable Long iat,
        @Nullable Long nbf,
        @Nullable String sub,
        @Nullable String clientId,
        @Nullable String azp,
        @Nullable String jti,
        @Nullable String scope,
        @Nullable List<String> scp,
        Caller.@Nullable Confirmation cnf) {

    /** 9999-12-31T23:59:59Z in epoch seconds: later NumericDates are refused as insane. */
    public static final long MAX_NUMERIC_DATE = 253_402_300_799L;

    /** The result of {@link #read}: claims, or the reason they were refused. */
    public record Read(@Nullable ClaimSet claims, @Nullable Reason reason) {}

    /** A signal that a claim has the wrong type; internal control flow only. */
    private static final class BadType extends Exception {
        private static final long serialVersionUID = 1L;

        BadType() {
            super(null, null, false, false);
        }
    }

    /** Reads and type-checks the registered claims. */
    public static Read read(Map<String, Object> raw) {
        try {
            ClaimSet c = new ClaimSet(
                    string(raw, "iss"),
                    audiences(raw.get("aud")),
                    numericDate(raw, "exp"),
                    numericDate(raw, "iat"),
                    numericDate(raw, "nbf"),
                    string(raw, "sub"),
                    string(raw, "client_id"),
                    string(raw, "azp"),
                    string(raw, "jti"),
                    scope(raw.get("scope")),
                    strings(raw.get("scp")),
                    confirmation(raw.get("cnf")));
            return new Read(c, null);
        } catch (BadType e) {
            return new Read(null, Reason.BAD_CLAIM_TYPE);
        }
    }

    /**
     * The claims a {@code Caller}'s own fields do not carry ({@code iss}, {@code sub},
     * {@code client_id}, {@code scope}, {@code exp}, {@code iat}, {@code jti}, {@code cnf} are
     * there), for {@code Caller.claims()}: kept with every cached verification, so only what the
     * application could not read otherwise. Usually a handful, or only {@code aud} (kept as the
     * configured {@code audience} instance when it is that one).
     */
    public static Map<String, @Nullable Object> unmapped(Map<String, Object> raw, String audience) {
        int extra = 0;
        boolean nulls = false;
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            if (!MAPPED.contains(e.getKey())) {
                extra++;
                nulls |= e.getValue() == null;
            }
        }
        if (extra == 0) {
            return Map.of();
        }
        Map<String, @Nullable Object> out = new java.util.LinkedHashMap<>(extra * 2);
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            if (e.getKey().equals("aud")) {
                // nearly every token's aud is the one configured: keep that instance, not a copy per token
                out.put("aud", audience.equals(e.getValue()) ? audience : e.getValue());
            } else if (!MAPPED.contains(e.getKey())) {
                out.put(e.getKey(), e.getValue());
            }
        }
        // the smallest immutable map when it can hold the values (not JSON nulls)
        return nulls ? out : Map.copyOf(out);
    }

    private static final java.util.Set<String> MAPPED =
            java.util.Set.of("iss", "sub", "client_id", "scope", "exp", "iat", "jti", "cnf");

    /** The caller's identity: {@code client_id}, else {@code azp}, else {@code sub}; null if none. */
    public @Nullable String identity() {
        if (clientId != null) {
            return clientId;
        }
        return azp != null ? azp : sub;
    }

    /** The granted scopes: {@code scope} split on spaces when present, else {@code scp}. */
    public List<String> scopes() {
        List<String> out = new ArrayList<>();
        if (scope != null) {
            for (String s : scope.split(" ")) {
                if (!s.isEmpty()) {
                    out.add(s);
                }
            }
        } else if (scp != null) {
            out.addAll(scp);
        }
        return out;
    }

    private static @Nullable String string(Map<String, Object> raw, String name) throws BadType {
        Object v = raw.get(name);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s) || s.isEmpty()) {
            throw new BadType();
        }
        return s;
    }

    private static @Nullable String scope(@Nullable Object v) throws BadType {
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new BadType();
        }
        return s;
    }

    private static @Nullable Long numericDate(Map<String, Object> raw, String name) throws BadType {
        Object v = raw.get(name);
        if (v == null) {
            return null;
        }
        // the JSON parser gives Long for integers that fit, Double for anything else (1e30, 2^63, 1.5)
        if (!(v instanceof Long n) || n < 0 || n > MAX_NUMERIC_DATE) {
            throw new BadType();
        }
        return n;
    }

    private static @Nullable List<String> audiences(@Nullable Object v) throws BadType {
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            return List.of(s);
        }
        return strings(v);
    }

    private static @Nullable List<String> strings(@Nullable Object v) throws BadType {
        if (v == null) {
            return null;
        }
        if (!(v instanceof List<?> list)) {
            throw new BadType();
        }
        List<String> out = new ArrayList<>(list.size());
        for (Object item : list) {
            if (!(item instanceof String s) || s.isEmpty()) {
                throw new BadType();
            }
            out.add(s);
        }
        return out;
    }

    private static Caller.@Nullable Confirmation confirmation(@Nullable Object v) throws BadType {
        if (v == null) {
            return null;
        }
        if (!(v instanceof Map<?, ?> map)) {
            throw new BadType();
        }
        String x5t = cnfMember(map.get("x5t#S256"));
        String jkt = cnfMember(map.get("jkt"));
        if (x5t == null && jkt == null) {
            // a cnf we cannot enforce must not quietly turn a bound token into a bearer token
            throw new BadType();
        }
        return new Caller.Confirmation(x5t, jkt);
    }

    private static @Nullable String cnfMember(@Nullable Object v) throws BadType {
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s) || s.isEmpty()) {
            throw new BadType();
        }
        return s;
    }
}
