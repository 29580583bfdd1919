package dev.apiguard.ratelimit;

import dev.apiguard.Caller;
import dev.apiguard.GuardExchange;
import dev.apiguard.internal.Check;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The built-in {@link RateLimitKey}s: per caller, per caller and route, per route for every caller
 * (a service-wide cap), a request header's value, a claim of the caller's verified token, and
 * compounds of these.
 *
 * <p>Routes are the route templates the route step matched ({@link GuardExchange#routeTemplate()}),
 * with the method, never the raw path: every path and every spelling of one that the route step
 * matches to one route ({@code /orders/1}, {@code /orders/%31}) counts in one bucket, and a request
 * that matched no route is not counted by a route key.
 */
public final class RateLimitKeys {

    /**
     * The longest part counted on its own, in characters: longer values (of a header, a claim)
     * all count as one part, so that an oversized value neither escapes a limit nor costs more to
     * digest than a short one.
     */
    public static final int MAX_PART_LENGTH = 256;

    /** The part of every value longer than {@link #MAX_PART_LENGTH}; no real value starts with a NUL. */
    static final String OVERSIZED = "\u0000oversized";

    private static final RateLimitKey CALLER = new Fixed(true) {
        @Override
        public String resolve(GuardExchange exchange, Caller caller) {
            return caller.key().hashTag();
        }

        @Override
        public String toString() {
            return "caller";
        }
    };

    private static final RateLimitKey ROUTE = new Fixed(false) {
        @Override
        public @Nullable String resolve(GuardExchange exchange, Caller caller) {
            String template = exchange.routeTemplate();
            return template == null ? null : exchange.request().method() + ' ' + template;
        }

        @Override
        public String toString() {
            return "route";
        }
    };

    private static final RateLimitKey CALLER_AND_ROUTE = new Fixed(true) {
        @Override
        public @Nullable String resolve(GuardExchange exchange, Caller caller) {
            String route = ROUTE.resolve(exchange, caller);
            return route == null ? null : caller.key().hashTag() + ' ' + route;
        }

        @Override
        public String toString() {
            return "caller-and-route";
        }
    };

    private RateLimitKeys() {}

    /** One bucket per verified caller (its {@link dev.apiguard.CallerKey}): an extra limit on top of its plan. */
    public static RateLimitKey caller() {
        return CALLER;
    }

    /**
     * One bucket per route shared by every caller: a service-wide cap on the route ({@code GET
     * /search} at 1,000 a second for everyone together). Requests that matched no route are not
     * counted.
     */
    public static RateLimitKey route() {
        return ROUTE;
    }

    /** One bucket per caller and route: a caller's budget on one route, apart from its others. */
    public static RateLimitKey callerAndRoute() {
        return CALLER_AND_ROUTE;
    }

    /**
     * One bucket per value of a request header (all its values, in order), shared by the callers
     * that send the same value; a request without the header is not counted. The value is the
     * client's choice: the caller's plan still applies, and a limit keyed by a header holds at most
     * {@link KeyedLimit.Builder#maxKeysPerCaller} values per caller. Prefer a {@linkplain
     * #claim claim}, which the issuer vouches for.
     *
     * @throws IllegalArgumentException when the name is not a header name (RFC 9110 token)
     */
    public static RateLimitKey header(String name) {
        Check.notNull("header", name);
        if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}")) {
            throw new IllegalArgumentException("header must be a header name of 1 to 64 token characters: " + name);
        }
        String lower = name.toLowerCase(Locale.ROOT);
        return new RateLimitKey() {
            @Override
            public @Nullable String resolve(GuardExchange exchange, Caller caller) {
                List<String> values = exchange.request().headers(name);
                if (values.isEmpty()) {
                    return null;
                }
                if (values.size() == 1) {
                    return bounded(values.get(0));
                }
                int length = values.size() - 1;
                for (String v : values) {
                    length += v.length();
                    if (length > MAX_PART_LENGTH) {
                        return OVERSIZED; // never joined: no copy of a flood of values
                    }
                }
                return String.join("\n", values);
            }

            @Override
            public String toString() {
                return "header(" + lower + ")";
            }
        };
    }

    /**
     * One bucket per value of a string claim of the caller's verified token ({@code tenant}), shared
     * by every caller whose token carries that value; a caller without the claim (or with a value
     * that is not a string) is not counted.
     *
     * @throws IllegalArgumentException when the name is empty or longer than 64 characters
     */
    public static RateLimitKey claim(String name) {
        Check.notNull("claim", name);
        if (name.isEmpty() || name.length() > 64) {
            throw new IllegalArgumentException("claim must be a name of 1 to 64 characters: " + name);
        }
        return new RateLimitKey() {
            @Override
            public @Nullable String resolve(GuardExchange exchange, Caller caller) {
                return caller.claims().string(name).map(RateLimitKeys::bounded).orElse(null);
            }

            @Override
            public String toString() {
                return "claim(" + name + ")";
            }
        };
    }

    /**
     * One bucket per combination of the parts' values (a tenant and a route); the limit does not
     * apply when any part is {@code null}. Shared unless a part is per caller; bounded per caller
     * when every part is.
     *
     * @throws IllegalArgumentException when fewer than two parts are given
     */
    public static RateLimitKey compound(RateLimitKey... parts) {
        Objects.requireNonNull(parts, "compound parts cannot be null");
        if (parts.length < 2) {
            throw new IllegalArgumentException("compound needs at least two parts: " + parts.length);
        }
        List<RateLimitKey> all = List.of(parts); // rejects null parts
        boolean shared = true;
        boolean bounded = true;
        for (RateLimitKey k : all) {
            shared &= k.shared();
            bounded &= k.boundedPerCaller();
        }
        boolean sharedByCallers = shared;
        boolean boundedPerCaller = bounded;
        return new RateLimitKey() {
            @Override
            public @Nullable String resolve(GuardExchange exchange, Caller caller) {
                StringBuilder sb = new StringBuilder();
                for (RateLimitKey k : all) {
                    String part = k.resolve(exchange, caller);
                    if (part == null) {
                        return null;
                    }
                    // length-prefixed: ("a b", "c") and ("a", "b c") are different keys
                    sb.append(part.length()).append(':').append(part);
                }
                return sb.toString();
            }

            @Override
            public boolean shared() {
                return sharedByCallers;
            }

            @Override
            public boolean boundedPerCaller() {
                return boundedPerCaller;
            }

            @Override
            public String toString() {
                return "compound" + all;
            }
        };
    }

    /** The value itself, or {@link #OVERSIZED} for one too long to count on its own. */
    static String bounded(String value) {
        return value.length() > MAX_PART_LENGTH ? OVERSIZED : value;
    }

    /** A built-in key over the caller's identity or the route: bounded by configuration. */
    private abstract static class Fixed implements RateLimitKey {
        private final boolean perCaller;

        Fixed(boolean perCaller) {
            this.perCaller = perCaller;
        }

        @Override
        public boolean shared() {
            return !perCaller;
        }

        @Override
        public boolean boundedPerCaller() {
            return true;
        }
    }
}
