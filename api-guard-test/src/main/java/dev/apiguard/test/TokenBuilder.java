package dev.apiguard.test;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.apiguard.test.internal.Encoding;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mints one JWT access token (RFC 9068) of a {@link LocalIssuer}, well-formed by default and
 * broken on request.
 *
 * <p>Defaults: header {@code alg} (the issuer's), {@code typ} {@value #DEFAULT_TYPE}, {@code kid}
 * (the issuer's); claims {@code iss} (the issuer), {@code sub} (the client id unless
 * {@link #subject} is given), {@code aud} (the issuer's default audience), {@code client_id}
 * {@value #DEFAULT_CLIENT_ID}, {@code iat} now (the issuer's clock), {@code exp} {@code iat} + 5
 * minutes, {@code jti} a random UUID; no {@code scope}. Times are written as JSON numbers of epoch
 * seconds.
 *
 * <p>The setters write claims and header members verbatim and do not validate them, on purpose:
 * {@link #claim(String, Object)} accepts any JSON value (a string {@code exp}, an object
 * {@code aud}) so that tests can make every broken token an attacker could send. The finishing
 * methods ({@link #sign()} and the broken variants) may be called several times; each call signs
 * anew.
 *
 * <p>Not thread-safe: a builder belongs to one test.
 */
public final class TokenBuilder {

    /** The default {@code typ} header of RFC 9068 access tokens. */
    public static final String DEFAULT_TYPE = "at+jwt";
    /** The default {@code client_id} claim. */
    public static final String DEFAULT_CLIENT_ID = "test-client";
    /** The default lifetime, {@code exp} − {@code iat}. */
    public static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(5);
    /** The scopes {@link #alteredPayload()} grants itself. */
    public static final String ESCALATED_SCOPE = "customers:read payments:write guard:admin";

    private final LocalIssuer issuer;
    private final Map<String, Object> header = new LinkedHashMap<>();
    private final Map<String, Object> claims = new LinkedHashMap<>();
    private JWSAlgorithm algorithm;
    private Instant issuedAt;
    private Duration lifetime = DEFAULT_LIFETIME;
    private boolean expiryExplicit;
    private boolean subjectExplicit;

    TokenBuilder(LocalIssuer issuer) {
        this.issuer = issuer;
        this.algorithm = issuer.algorithm();
        this.issuedAt = Instant.ofEpochSecond(issuer.clock().instant().getEpochSecond());
        header.put("alg", algorithm.getName());
        header.put("typ", DEFAULT_TYPE);
        header.put("kid", issuer.keyId());
        claims.put("iss", issuer.issuer());
        claims.put("sub", DEFAULT_CLIENT_ID);
        claims.put("aud", issuer.defaultAudience());
        claims.put("client_id", DEFAULT_CLIENT_ID);
        claims.put("iat", issuedAt.getEpochSecond());
        claims.put("exp", issuedAt.plus(lifetime).getEpochSecond());
        claims.put("jti", UUID.randomUUID().toString());
    }

    // ---- claims -------------------------------------------------------------------------------

    /** Sets {@code client_id}; {@code sub} follows it unless {@link #subject} was called. */
    public TokenBuilder clientId(String clientId) {
        claims.put("client_id", clientId);
        if (!subjectExplicit) {
            claims.put("sub", clientId);
        }
        return this;
    }

    /** Sets {@code sub}. */
    public TokenBuilder subject(String subject) {
        subjectExplicit = true;
        claims.put("sub", subject);
        return this;
    }

    /** Sets {@code iss} (default: the issuer's URI), for example to a foreign issuer. */
    public TokenBuilder issuer(String iss) {
        claims.put("iss", iss);
        return this;
    }

    /** Sets the space-delimited {@code scope} claim, written as given (default: absent). */
    public TokenBuilder scope(String spaceDelimited) {
        claims.put("scope", spaceDelimited);
        return this;
    }

    /** Sets {@code aud}: a string for one audience, an array for several. */
    public TokenBuilder audience(String... audiences) {
        if (audiences.length == 1) {
            claims.put("aud", audiences[0]);
        } else {
            claims.put("aud", List.of(audiences));
        }
        return this;
    }

    /** Sets {@code iat}; {@code exp} moves with it unless {@link #expiresAt} was called. */
    public TokenBuilder issuedAt(Instant at) {
        issuedAt = Objects.requireNonNull(at, "issuedAt cannot be null");
        claims.put("iat", at.getEpochSecond());
        if (!expiryExplicit) {
            claims.put("exp", at.plus(lifetime).getEpochSecond());
        }
        return this;
    }

    /** Sets {@code exp} to an instant, independent of {@code iat} from then on. */
    public TokenBuilder expiresAt(Instant at) {
        Objects.requireNonNull(at, "expiresAt cannot be null");
        expiryExplicit = true;
        claims.put("exp", at.getEpochSecond());
        return this;
    }

    /** Sets {@code exp} to {@code iat} + the lifetime (default 5 minutes); may be negative. */
    public TokenBuilder lifetime(Duration newLifetime) {
        lifetime = Objects.requireNonNull(newLifetime, "lifetime cannot be null");
        expiryExplicit = false;
        claims.put("exp", issuedAt.plus(lifetime).getEpochSecond());
        return this;
    }

    /** Sets {@code nbf}. */
    public TokenBuilder notBefore(Instant at) {
        claims.put("nbf", Objects.requireNonNull(at, "notBefore cannot be null").getEpochSecond());
        return this;
    }

    /**
     * Sets a claim to any JSON value: {@code null}, a string, number, boolean, list, array or map
     * (an {@link Instant} is written as epoch seconds). Nothing is checked: {@code claim("exp",
     * "tomorrow")} makes a token whose {@code exp} has the wrong type.
     */
    public TokenBuilder claim(String name, Object value) {
        claims.put(Objects.requireNonNull(name, "claim name cannot be null"), json(value));
        return this;
    }

    /** Removes a claim, including a default one ({@code without("exp")}). */
    public TokenBuilder without(String claim) {
        claims.remove(claim);
        return this;
    }

    /**
     * Binds the token to a client certificate (RFC 8705 §3.1): {@code cnf} becomes
     * {@code {"x5t#S256": <thumbprint>}}.
     */
    public TokenBuilder boundToCertificate(X509Certificate certificate) {
        claims.put("cnf", new LinkedHashMap<>(Map.of("x5t#S256", Thumbprints.x5tS256(certificate))));
        return this;
    }

    /**
     * Binds the token to a DPoP key (RFC 9449 §6.1): {@code cnf} becomes {@code {"jkt": <RFC 7638
     * thumbprint>}}.
     */
    public TokenBuilder boundToDpopKey(JWK key) {
        claims.put("cnf", new LinkedHashMap<>(Map.of("jkt", Thumbprints.jkt(key))));
        return this;
    }

    // ---- header -------------------------------------------------------------------------------

    /**
     * Sets a header member to any JSON value, verbatim. Setting {@code alg} changes only what the
     * header says; the signature is still made with {@link #algorithm(String)}'s algorithm.
     */
    public TokenBuilder header(String name, Object value) {
        header.put(Objects.requireNonNull(name, "header name cannot be null"), json(value));
        return this;
    }

    /** Removes a header member. */
    public TokenBuilder withoutHeader(String name) {
        header.remove(name);
        return this;
    }

    /** Sets {@code typ} (default {@value #DEFAULT_TYPE}), for example {@code JWT} for an ID token. */
    public TokenBuilder type(String typ) {
        header.put("typ", typ);
        return this;
    }

    /** Removes {@code typ}. */
    public TokenBuilder withoutType() {
        return withoutHeader("typ");
    }

    /** Sets {@code kid} (default: the issuer's key id), for example to an unknown one. */
    public TokenBuilder keyId(String kid) {
        header.put("kid", kid);
        return this;
    }

    /**
     * Signs with another algorithm that the issuer's key supports (PS256 with an RSA issuer) and
     * says so in {@code alg}.
     *
     * @throws IllegalArgumentException when the key cannot sign with it
     */
    public TokenBuilder algorithm(String alg) {
        JWSAlgorithm a = JWSAlgorithm.parse(Objects.requireNonNull(alg, "algorithm cannot be null"));
        if (!issuer.supports(a)) {
            throw new IllegalArgumentException("algorithm " + alg + " cannot be used with " + issuer);
        }
        algorithm = a;
        header.put("alg", a.getName());
        return this;
    }

    /** The header as it will be signed, compact JSON. */
    public String headerJson() {
        return JSONObjectUtils.toJSONString(header);
    }

    /** The claims as they will be signed, compact JSON. */
    public String payloadJson() {
        return JSONObjectUtils.toJSONString(claims);
    }

    // ---- finishing: good tokens ---------------------------------------------------------------

    /** The token as a compact JWS, signed with the issuer's key. */
    public String sign() {
        String input = signingInput(headerJson(), payloadJson());
        return input + "." + issuer.sign(algorithm, input);
    }

    // ---- finishing: broken tokens (RFC 8725 attacks) ------------------------------------------

    /** An unsecured token: {@code alg} {@code none} and an empty signature. */
    public String unsigned() {
        return unsigned("none");
    }

    /**
     * An unsecured token with {@code alg} spelled as given ({@code none}, {@code None},
     * {@code NONE}, {@code nOnE}, see {@link BrokenTokens#NONE_SPELLINGS}) and an empty signature.
     */
    public String unsigned(String algSpelling) {
        Map<String, Object> h = new LinkedHashMap<>(header);
        h.put("alg", algSpelling);
        return signingInput(JSONObjectUtils.toJSONString(h), payloadJson()) + ".";
    }

    /**
     * The algorithm-confusion attack: {@code alg} HS256, HMAC'd with the issuer's <em>public</em>
     * key bytes in the given form as the secret ({@link LocalIssuer#publicKeyBytes}). {@code kid}
     * and everything else stay as set.
     */
    public String signedWithHs256UsingPublicKey(PublicKeyForm form) {
        Map<String, Object> h = new LinkedHashMap<>(header);
        h.put("alg", "HS256");
        String input = signingInput(JSONObjectUtils.toJSONString(h), payloadJson());
        byte[] secret = issuer.publicKeyBytes(form);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return input + "." + Encoding.base64Url(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot compute HMAC-SHA256", e);
        }
    }

    /**
     * A token signed by another issuer's key with that issuer's algorithm, everything else as set
     * here: {@code kid} stays this issuer's (a forged token naming the trusted key) unless
     * {@link #keyId} says otherwise, and {@code iss} stays this issuer's.
     */
    public String signedWith(LocalIssuer other) {
        Map<String, Object> h = new LinkedHashMap<>(header);
        h.put("alg", other.algorithm().getName());
        String input = signingInput(JSONObjectUtils.toJSONString(h), payloadJson());
        return input + "." + other.sign(other.algorithm(), input);
    }

    /** A correctly signed token whose signature has lost its second half (still valid base64url). */
    public String truncatedSignature() {
        String[] parts = sign().split("\\.");
        byte[] sig = Encoding.fromBase64Url(parts[2]);
        return parts[0] + "." + parts[1] + "." + Encoding.base64Url(Arrays.copyOf(sig, sig.length / 2));
    }

    /** A token with the header and payload of a good one and an empty signature. */
    public String emptySignature() {
        String[] parts = sign().split("\\.");
        return parts[0] + "." + parts[1] + ".";
    }

    /** A correctly signed token with one bit of its signature flipped. */
    public String tamperedSignature() {
        String[] parts = sign().split("\\.");
        byte[] sig = Encoding.fromBase64Url(parts[2]);
        sig[sig.length / 2] ^= 0x01;
        return parts[0] + "." + parts[1] + "." + Encoding.base64Url(sig);
    }

    /** {@link #alteredPayload(String, Object)} granting itself {@value #ESCALATED_SCOPE}. */
    public String alteredPayload() {
        return alteredPayload("scope", ESCALATED_SCOPE);
    }

    /**
     * A token whose signature was made over the claims as set here, carrying a payload in which
     * the named claim was then changed to the value: the forgery of a token thief.
     */
    public String alteredPayload(String claim, Object value) {
        String[] parts = sign().split("\\.");
        Map<String, Object> altered = new LinkedHashMap<>(claims);
        altered.put(claim, json(value));
        return parts[0] + "." + Encoding.base64Url(JSONObjectUtils.toJSONString(altered)) + "." + parts[2];
    }

    private static String signingInput(String headerJson, String payloadJson) {
        return Encoding.base64Url(headerJson) + "." + Encoding.base64Url(payloadJson);
    }

    // Gson (inside Nimbus) cannot reflect on java.time, so JSON values are normalised first
    private static Object json(Object value) {
        if (value instanceof Instant i) {
            return i.getEpochSecond();
        }
        if (value instanceof Collection<?> c) {
            List<Object> list = new ArrayList<>(c.size());
            c.forEach(v -> list.add(json(v)));
            return list;
        }
        if (value instanceof Object[] array) {
            return json(Arrays.asList(array));
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> map = new LinkedHashMap<>();
            m.forEach((k, v) -> map.put(String.valueOf(k), json(v)));
            return map;
        }
        return value;
    }
}
