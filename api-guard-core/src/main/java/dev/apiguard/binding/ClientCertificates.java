package dev.apiguard.binding;

import dev.apiguard.GuardExchange;
import dev.apiguard.GuardRequest;
import dev.apiguard.TrustedProxies;
import dev.apiguard.binding.CertificateResolution.Refused;
import dev.apiguard.binding.CertificateResolution.Resolved;
import dev.apiguard.binding.internal.CertificateThumbprints;
import dev.apiguard.binding.internal.CertificateTrust;
import dev.apiguard.binding.internal.ForwardedCertificateHeader;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.internal.CertificateDigests;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where a request's client certificate comes from: the TLS connection, or a header written by a
 * trusted TLS-terminating proxy (RFC 8705 §3 needs the certificate the client proved possession
 * of; behind a proxy only the proxy saw the handshake).
 *
 * <p>Per request ({@link #resolve}):
 * <ol>
 *   <li>the TLS leaf ({@code request.clientCertificates().get(0)}), when the connection carried one;</li>
 *   <li>the forwarded header, only when one is configured and the TCP peer is in
 *       {@link Builder#trustedProxies}. From any other peer the header is ignored (the TLS
 *       certificate, if any, still counts) and a {@code certificate.forwarded_untrusted} event
 *       records the spoof attempt. From a trusted proxy the value must be at most
 *       {@link Builder#maxHeaderLength} characters (checked before decoding), a single field
 *       line, and well formed, in any of the formats below; its certificate must chain to
 *       {@link Builder#forwardedTrustAnchors} (PKIX, revocation off, validity at the exchange's
 *       {@code now}, {@code clientAuth} EKU when the leaf has an EKU). Otherwise the resolution is
 *       {@link Refused}.</li>
 *   <li>a TLS and a forwarded certificate that differ: {@link Refused}. (A proxy that connects to
 *       the application with its own client certificate must not also forward one.)</li>
 * </ol>
 * Forwarded formats, recognised from the value: Envoy {@code x-forwarded-client-cert} (the last
 * element is the trusted hop's; it needs {@code Cert=}, URL-encoded PEM; {@code Hash=} alone binds
 * nothing; duplicate keys refused), RFC 9440 {@code Client-Cert} ({@code :base64-of-DER:}), and
 * nginx {@code $ssl_client_escaped_cert} (URL-encoded PEM, {@code +} stays {@code +}; empty,
 * {@code -} and {@code (null)} mean no certificate).
 *
 * <p>The thumbprint is computed once per resolution. Defaults: TLS only ({@link #tlsOnly()}), no
 * forwarded header, no trusted proxy, {@value #DEFAULT_MAX_HEADER_LENGTH} characters at most.
 * Immutable and thread-safe; it remembers at most 10,000 forwarded certificates whose signature
 * it verified.
 */
public final class ClientCertificates {

    /** The default largest forwarded header value: 16 KiB. */
    public static final int DEFAULT_MAX_HEADER_LENGTH = 16 * 1024;

    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
    private static final ClientCertificates TLS_ONLY = builder().build();

    private final TrustedProxies trustedProxies;
    private final @Nullable String header;
    private final @Nullable CertificateTrust trust;
    private final int maxHeaderLength;

    private ClientCertificates(Builder b) {
        this.trustedProxies = b.trustedProxies;
        this.header = b.header;
        this.trust = b.anchors.isEmpty() ? null : new CertificateTrust(b.anchors);
        this.maxHeaderLength = b.maxHeaderLength;
    }

    /** Only the TLS connection's certificate; every forwarded header is ignored. */
    public static ClientCertificates tlsOnly() {
        return TLS_ONLY;
    }

    /** A builder with the defaults: TLS only, no trusted proxy, 16 KiB header limit. */
    public static Builder builder() {
        return new Builder();
    }

    /** The forwarded header's name, or {@code null} when forwarded certificates are off. */
    public @Nullable String forwardedHeader() {
        return header;
    }

    /** Resolves the request's client certificate; emits events on the exchange as described above. */
    public CertificateResolution resolve(GuardExchange exchange) {
        GuardRequest request = exchange.request();
        Resolved tls = null;
        List<X509Certificate> chain = request.clientCertificates();
        if (!chain.isEmpty()) {
            try {
                X509Certificate leaf = chain.get(0);
                // memoized per certificate object: the container reuses it for every request of a TLS session
                tls = new Resolved(leaf, CertificateDigests.x5tS256(leaf), CertificateSource.TLS);
            } catch (CertificateEncodingException e) {
                return refuse(exchange, CertificateRejection.TLS_CERTIFICATE_UNENCODABLE);
            }
        }
        if (header == null) {
            return tls == null ? CertificateResolution.NONE : tls;
        }
        List<String> lines = request.headers(header);
        if (lines.isEmpty()) {
            return tls == null ? CertificateResolution.NONE : tls;
        }
        if (!trustedProxies.contains(request.remoteAddress())) {
            exchange.emit(SecurityEventType.CERTIFICATE_SPOOFED, "header", header);
            return tls == null ? CertificateResolution.NONE : tls;
        }
        CertificateResolution forwarded = forwarded(exchange, lines);
        if (forwarded instanceof Refused) {
            return forwarded;
        }
        if (!(forwarded instanceof Resolved f)) {
            return tls == null ? CertificateResolution.NONE : tls;
        }
        if (tls != null
                && !MessageDigest.isEqual(
                        tls.thumbprint().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                        f.thumbprint().getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
            return refuse(exchange, CertificateRejection.TLS_AND_FORWARDED_DIFFER);
        }
        return tls != null ? tls : f;
    }

    /**
     * Emits the spoof event when the request carries the forwarded header from an untrusted peer,
     * without resolving anything: for steps that need no certificate but should not let the
     * attempt pass unnoticed.
     */
    void reportUntrustedForwarding(GuardExchange exchange) {
        if (header != null && exchange.eventsEnabled()) {
            GuardRequest request = exchange.request();
            if (!request.headers(header).isEmpty() && !trustedProxies.contains(request.remoteAddress())) {
                exchange.emit(SecurityEventType.CERTIFICATE_SPOOFED, "header", header);
            }
        }
    }

    private CertificateResolution forwarded(GuardExchange exchange, List<String> lines) {
        ForwardedCertificateHeader.Parsed parsed = ForwardedCertificateHeader.parse(lines, maxHeaderLength);
        if (parsed instanceof ForwardedCertificateHeader.Malformed m) {
            return refuse(exchange, m.reason());
        }
        if (!(parsed instanceof ForwardedCertificateHeader.Der der)) {
            return CertificateResolution.NONE;
        }
        X509Certificate certificate;
        try {
            Certificate c =
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der.bytes()));
            if (!(c instanceof X509Certificate x) || !MessageDigest.isEqual(x.getEncoded(), der.bytes())) {
                return refuse(exchange, CertificateRejection.FORWARDED_NOT_A_CERTIFICATE);
            }
            certificate = x;
        } catch (GeneralSecurityException | RuntimeException e) {
            return refuse(exchange, CertificateRejection.FORWARDED_NOT_A_CERTIFICATE);
        }
        String thumbprint = CertificateThumbprints.x5tS256(der.bytes());
        // build() requires trust anchors with a forwarded header; without them nothing is trusted
        if (trust == null || !trust.trusts(certificate, thumbprint, exchange.now())) {
            return refuse(exchange, CertificateRejection.FORWARDED_UNTRUSTED_CHAIN);
        }
        return new Resolved(certificate, thumbprint, CertificateSource.FORWARDED);
    }

    private static Refused refuse(GuardExchange exchange, CertificateRejection reason) {
        exchange.emit(SecurityEventType.CERTIFICATE_REJECTED, reason);
        return new Refused(reason);
    }

    @Override
    public String toString() {
        return header == null
                ? "ClientCertificates[tls]"
                : "ClientCertificates[tls, " + header + " from " + trustedProxies + "]";
    }

    /**
     * Builds {@link ClientCertificates}. Not thread-safe. {@link #forwardedHeader} needs
     * {@link #trustedProxies} and {@link #forwardedTrustAnchors}; {@link #build()} says which is
     * missing.
     */
    public static final class Builder {
        private TrustedProxies trustedProxies = TrustedProxies.NONE;
        private @Nullable String header;
        private final Set<X509Certificate> anchors = new HashSet<>();
        private int maxHeaderLength = DEFAULT_MAX_HEADER_LENGTH;

        private Builder() {}

        /** The peers whose forwarded header is believed. Default: {@link TrustedProxies#NONE}. */
        public Builder trustedProxies(TrustedProxies proxies) {
            this.trustedProxies = Objects.requireNonNull(proxies, "trustedProxies cannot be null");
            return this;
        }

        /**
         * The header a trusted proxy writes the client certificate into, for example
         * {@code X-Forwarded-Client-Cert} (Envoy), {@code Client-Cert} (RFC 9440) or
         * {@code X-SSL-Client-Cert} (nginx). Default: none, forwarded certificates are off.
         */
        public Builder forwardedHeader(String name) {
            Objects.requireNonNull(name, "forwardedHeader cannot be null");
            if (!HEADER_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("forwardedHeader is not a header name: " + name);
            }
            this.header = name;
            return this;
        }

        /** The CA certificates a forwarded certificate must chain to (added to those given before). */
        public Builder forwardedTrustAnchors(Collection<X509Certificate> caCertificates) {
            Objects.requireNonNull(caCertificates, "forwardedTrustAnchors cannot be null");
            for (X509Certificate c : caCertificates) {
                anchors.add(Objects.requireNonNull(c, "forwardedTrustAnchors cannot hold null"));
            }
            return this;
        }

        /** The trusted certificate entries of the key store, as {@link #forwardedTrustAnchors(Collection)}. */
        public Builder forwardedTrustAnchors(KeyStore trustStore) {
            Objects.requireNonNull(trustStore, "forwardedTrustAnchors cannot be null");
            try {
                Set<X509Certificate> found = new HashSet<>();
                for (Enumeration<String> aliases = trustStore.aliases(); aliases.hasMoreElements(); ) {
                    String alias = aliases.nextElement();
                    if (trustStore.isCertificateEntry(alias)
                            && trustStore.getCertificate(alias) instanceof X509Certificate x) {
                        found.add(x);
                    }
                }
                if (found.isEmpty()) {
                    throw new IllegalArgumentException(
                            "forwardedTrustAnchors: the key store holds no trusted certificate");
                }
                return forwardedTrustAnchors(found);
            } catch (java.security.KeyStoreException e) {
                throw new IllegalArgumentException("forwardedTrustAnchors: the key store is not loaded", e);
            }
        }

        /** The largest forwarded header value accepted, in characters, 1 to 65,536. Default 16 KiB. */
        public Builder maxHeaderLength(int length) {
            if (length < 1 || length > 65_536) {
                throw new IllegalArgumentException("maxHeaderLength must be from 1 to 65536: " + length);
            }
            this.maxHeaderLength = length;
            return this;
        }

        /** Builds; fails naming the setting when a forwarded header lacks trusted proxies or trust anchors. */
        public ClientCertificates build() {
            if (header != null && trustedProxies.isEmpty()) {
                throw new IllegalStateException(
                        "trustedProxies: a forwardedHeader is only believed from trusted proxies; configure at least one");
            }
            if (header != null && anchors.isEmpty()) {
                throw new IllegalStateException(
                        "forwardedTrustAnchors: a forwarded certificate must chain to a CA; configure at least one");
            }
            return new ClientCertificates(this);
        }
    }
}
