package dev.apiguard.token;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How fresh a fetched key source is, as of one moment: the last successful fetch of its key set,
 * the last failed one and its fault's type (never a message, never a key). Read it with
 * {@link KeySource#status()}; only sources that fetch (a JWKS URL, keys found through issuer
 * metadata) have one. Immutable.
 *
 * @param lastRefresh when a key set was last fetched, or null when none ever was
 * @param lastFailure when a fetch last failed, or null when none did
 * @param lastFault the type of the last failure's fault (a class name such as
 *     {@code java.net.ConnectException}, or a metadata fault code such as {@code http_404}), or null
 * @param failuresSinceRefresh the failed fetches since the last successful one
 * @param servingCachedKeys whether the last fetch failed and keys fetched before still serve
 *     (outage tolerance)
 */
public record KeySourceStatus(
        @Nullable Instant lastRefresh,
        @Nullable Instant lastFailure,
        @Nullable String lastFault,
        int failuresSinceRefresh,
        boolean servingCachedKeys) {

    /** The status of a source that has not been asked for keys yet. */
    public static final KeySourceStatus NOT_FETCHED = new KeySourceStatus(null, null, null, 0, false);

    /** Whether the source has keys to verify with: fetched once, and not failing since without cached keys. */
    public boolean hasKeys() {
        return lastRefresh != null && (failuresSinceRefresh == 0 || servingCachedKeys);
    }

    /** How long ago the key set was last fetched, as of {@code now}; empty when it never was. */
    public Optional<Duration> refreshAge(Instant now) {
        return lastRefresh == null ? Optional.empty() : Optional.of(Duration.between(lastRefresh, now));
    }

    /** This status after a successful fetch at {@code at}. */
    public KeySourceStatus refreshed(Instant at) {
        return new KeySourceStatus(at, lastFailure, lastFault, 0, false);
    }

    /** This status after a fetch that failed at {@code at} with {@code fault}; {@code cached}: old keys still serve. */
    public KeySourceStatus failed(Instant at, String fault, boolean cached) {
        return new KeySourceStatus(
                lastRefresh,
                at,
                fault,
                failuresSinceRefresh == Integer.MAX_VALUE ? failuresSinceRefresh : failuresSinceRefresh + 1,
                cached);
    }
}
