package dev.apiguard;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The verified claims of a caller's credential that the {@link Caller}'s own accessors do not
 * carry, read-only: after a JWT access token's signature and claims were checked (and, for an
 * introspected token, from the introspection answer), every member but {@code iss}, {@code sub},
 * {@code client_id}, {@code scope}, {@code exp}, {@code iat}, {@code jti} and {@code cnf}, which are
 * {@link Caller#issuer()}, {@link Caller#subject()}, {@link Caller#id()}, {@link Caller#scopes()},
 * {@link Caller#expiresAt()}, {@link Caller#issuedAt()}, {@link Caller#tokenId()} and
 * {@link Caller#confirmation()}. The application reads here what the guard does not decide on
 * itself (a tenant, a partner id, an {@code act} chain, {@code aud}) for its own checks, such as
 * object-level authorization: a partner may read only its own records.
 *
 * <p>Values are JSON types: {@link String}, {@link Boolean}, a {@link Number} ({@link Long} or
 * {@link Double}), a {@link List} or a {@link Map} of these, or {@code null}; lists and maps are
 * unmodifiable views. {@link #toString()} names the claims, never their values (they may be
 * personal data). A caller authenticated otherwise (an API key, a client certificate alone) has
 * {@link #none()}.
 *
 * <p>Immutable and thread-safe; a cached token's claims are shared by the requests that present
 * it, which is why the claims the caller already carries are not kept twice.
 */
public final class Claims {

    private static final Claims NONE = new Claims(Map.of());

    private final Map<String, @Nullable Object> values;

    private Claims(Map<String, @Nullable Object> values) {
        this.values = values;
    }

    /** No claims. */
    public static Claims none() {
        return NONE;
    }

    /**
     * The claims of a parsed JSON object. The map is kept, not copied: hand over one that nobody
     * changes after (a freshly parsed payload).
     */
    public static Claims of(Map<String, ? extends @Nullable Object> parsed) {
        Objects.requireNonNull(parsed, "claims cannot be null");
        return parsed.isEmpty() ? NONE : new Claims(Collections.unmodifiableMap(parsed));
    }

    /** The names of the claims. */
    public Set<String> names() {
        return values.keySet();
    }

    /** Whether the claim is present (with any value, {@code null} included). */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** The claim's value, read-only, or empty when absent or {@code null}. */
    public Optional<Object> get(String name) {
        return Optional.ofNullable(readOnly(values.get(name)));
    }

    /** The claim as a string, or empty when absent or not a string. */
    public Optional<String> string(String name) {
        return values.get(name) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /**
     * The claim as strings: a string as one, an array of strings as they are; empty when absent,
     * and when it is of another type or an array holds anything but strings (never a partial list).
     */
    public List<String> strings(String name) {
        Object v = values.get(name);
        if (v instanceof String s) {
            return List.of(s);
        }
        if (!(v instanceof List<?> list)) {
            return List.of();
        }
        List<String> out = new ArrayList<>(list.size());
        for (Object item : list) {
            if (!(item instanceof String s)) {
                return List.of();
            }
            out.add(s);
        }
        return Collections.unmodifiableList(out);
    }

    /** The claim as a JSON boolean, or empty when absent or of another type. */
    public Optional<Boolean> bool(String name) {
        return values.get(name) instanceof Boolean b ? Optional.of(b) : Optional.empty();
    }

    /**
     * The claim as a NumericDate (RFC 7519 §2: whole seconds since the epoch), or empty when absent,
     * not a whole number, or beyond year 9999.
     */
    public Optional<Instant> instant(String name) {
        Object v = values.get(name);
        if (!(v instanceof Long) && !(v instanceof Integer)) {
            return Optional.empty();
        }
        long seconds = ((Number) v).longValue();
        return seconds < 0 || seconds > 253_402_300_799L
                ? Optional.empty()
                : Optional.of(Instant.ofEpochSecond(seconds));
    }

    /** The claim as a JSON object, read-only, or empty when absent or of another type. */
    @SuppressWarnings("unchecked")
    public Optional<Map<String, Object>> object(String name) {
        Object v = values.get(name);
        return v instanceof Map<?, ?> map
                ? Optional.of((Map<String, Object>) Objects.requireNonNull(readOnly(map)))
                : Optional.empty();
    }

    /** Every claim, read-only (nested objects and arrays too). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> asMap() {
        return (Map<String, Object>) Objects.requireNonNull(readOnly(values));
    }

    private static @Nullable Object readOnly(@Nullable Object v) {
        if (v instanceof Map<?, ?> map) {
            return new ReadOnlyMap(map);
        }
        if (v instanceof List<?> list) {
            return new ReadOnlyList(list);
        }
        return v;
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof Claims c && values.equals(c.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    /** The claims' names only: values may be personal data. */
    @Override
    public String toString() {
        return "Claims" + new java.util.TreeSet<>(values.keySet());
    }

    /** A view of a parsed JSON object that hands out read-only views of what it holds. */
    private static final class ReadOnlyMap extends java.util.AbstractMap<Object, @Nullable Object> {
        private final Map<?, ?> map;

        ReadOnlyMap(Map<?, ?> map) {
            this.map = map;
        }

        @Override
        public @Nullable Object get(@Nullable Object key) {
            return readOnly(map.get(key));
        }

        @Override
        public boolean containsKey(@Nullable Object key) {
            return map.containsKey(key);
        }

        @Override
        public int size() {
            return map.size();
        }

        @Override
        public Set<Entry<Object, @Nullable Object>> entrySet() {
            return new java.util.AbstractSet<>() {
                @Override
                public java.util.Iterator<Entry<Object, @Nullable Object>> iterator() {
                    java.util.Iterator<? extends Entry<?, ?>> entries =
                            map.entrySet().iterator();
                    return new java.util.Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            return entries.hasNext();
                        }

                        @Override
                        public Entry<Object, @Nullable Object> next() {
                            Entry<?, ?> e = entries.next();
                            return new java.util.AbstractMap.SimpleImmutableEntry<>(e.getKey(), readOnly(e.getValue()));
                        }
                    };
                }

                @Override
                public int size() {
                    return map.size();
                }
            };
        }
    }

    /** A view of a parsed JSON array that hands out read-only views of what it holds. */
    private static final class ReadOnlyList extends java.util.AbstractList<@Nullable Object>
            implements java.util.RandomAccess {
        private final List<?> list;

        ReadOnlyList(List<?> list) {
            this.list = list;
        }

        @Override
        public @Nullable Object get(int index) {
            return readOnly(list.get(index));
        }

        @Override
        public int size() {
            return list.size();
        }
    }
}
