package dev.apiguard.binding;

/** Where a client certificate came from. */
public enum CertificateSource {
    /** The TLS connection of this request: the handshake proved possession of the private key. */
    TLS,
    /**
     * A header written by a trusted TLS-terminating proxy, which did the handshake; believed only
     * because the TCP peer is in the configured {@link dev.apiguard.TrustedProxies}.
     */
    FORWARDED
}
