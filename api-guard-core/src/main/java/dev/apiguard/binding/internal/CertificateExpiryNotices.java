package dev.apiguard.binding.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

/**
 * Decides when to warn that a certificate in use expires soon: when fewer than {@code window}
 * remain, at most once per certificate per day. Remembers at most {@value #MAX_TRACKED}
 * certificates (evicting; an evicted one may be warned about again early). Time comes from the
 * caller. Thread-safe.
 */
public final class CertificateExpiryNotices {

    static final int MAX_TRACKED = 10_000;
    private static final Duration INTERVAL = Duration.ofDays(1);

    private final Duration window;
    private final Cache<String, Instant> lastNotice = Caffeine.newBuilder()
            .maximumSize(MAX_TRACKED)
            .executor(Runnable::run)
            .build(); // evictions on the calling thread, like every cache here

    /** Warns within {@code window} of a certificate's {@code notAfter}; {@link Duration#ZERO} never warns. */
    public CertificateExpiryNotices(Duration window) {
        this.window = window;
    }

    /** Whether to emit the warning now for this certificate; records it when so. */
    public boolean shouldWarn(X509Certificate certificate, String thumbprint, Instant now) {
        if (window.isZero()) {
            return false;
        }
        Instant notAfter = certificate.getNotAfter().toInstant();
        if (!now.plus(window).isAfter(notAfter)) {
            return false;
        }
        boolean[] warn = {false};
        lastNotice.asMap().compute(thumbprint, (k, last) -> {
            if (last == null || !now.isBefore(last.plus(INTERVAL))) {
                warn[0] = true;
                return now;
            }
            return last;
        });
        return warn[0];
    }
}
