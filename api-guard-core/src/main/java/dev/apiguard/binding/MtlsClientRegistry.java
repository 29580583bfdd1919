package dev.apiguard.binding;

import dev.apiguard.binding.internal.CertificateTrust;
import dev.apiguard.event.ReasonCode;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.jspecify.annotations.Nullable;

/**
 * The clients that authenticate with a TLS client certificate alone (RFC 8705 §2), each with the
 * scopes it is granted.
 *
 * <ul>
 *   <li>{@code tls_client_auth} (§2.1): the certificate must chain to {@link Builder#caCertificates}
 *       (checked here with PKIX at the request's time, whatever the TLS layer trusts) and match the
 *       registration's one attribute (§2.1.2): the subject DN ({@code tls_client_auth_subject_dn},
 *       compared as {@link X500Principal#equals}, i.e. RFC 4514 names in canonical form), or a
 *       subject alternative name: DNS ({@code tls_client_auth_san_dns}, case-insensitive, no
 *       wildcards), URI ({@code tls_client_auth_san_uri}, exact) or e-mail
 *       ({@code tls_client_auth_san_email}, domain case-insensitive).</li>
 *   <li>{@code self_signed_tls_client_auth} (§2.2): the certificate's {@code x5t#S256} thumbprint is
 *       the registered one (the JWKS form of §2.2 is not supported).</li>
 * </ul>
 * A certificate that matches two registrations matches none (ambiguous). Client ids are unique.
 * Immutable and thread-safe; its size is what the application registers, never client input.
 */
public final class MtlsClientRegistry {

    /** One registered client. */
    record Registration(String clientId, String method, Set<String> scopes) {}

    /** The outcome of a lookup: a registration, or {@code null} and a reason. */
    record Lookup(
            @Nullable Registration registration, @Nullable Unmatched reason) {}

    /** Why a certificate matched no registered client: the {@code reason} detail of {@code mtls.client_unmatched}. */
    public enum Unmatched implements ReasonCode {
        /** No registration matches the certificate. */
        UNKNOWN_CERTIFICATE("unknown_certificate"),
        /** Two or more registrations match it. */
        AMBIGUOUS_CERTIFICATE("ambiguous_certificate"),
        /** One registration matches, but the certificate does not chain to the registry's trust anchors. */
        UNTRUSTED_CHAIN("untrusted_chain");

        private final String code;

        Unmatched(String code) {
            this.code = code;
        }

        @Override
        public String code() {
            return code;
        }
    }

    private static final int SAN_EMAIL = 1;
    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;

    private final Map<X500Principal, Registration> bySubject;
    private final Map<String, Registration> byDns;
    private final Map<String, Registration> byUri;
    private final Map<String, Registration> byEmail;
    private final Map<String, Registration> byThumbprint;
    private final @Nullable CertificateTrust trust;

    private MtlsClientRegistry(Builder b) {
        this.bySubject = Map.copyOf(b.bySubject);
        this.byDns = Map.copyOf(b.byDns);
        this.byUri = Map.copyOf(b.byUri);
        this.byEmail = Map.copyOf(b.byEmail);
        this.byThumbprint = Map.copyOf(b.byThumbprint);
        this.trust = b.cas.isEmpty() ? null : new CertificateTrust(b.cas);
    }

    /** A builder of an empty registry. */
    public static Builder builder() {
        return new Builder();
    }

    Lookup lookup(X509Certificate certificate, String thumbprint, Instant now) {
        Set<Registration> matches = new LinkedHashSet<>();
        Registration selfSigned = byThumbprint.get(thumbprint);
        if (selfSigned != null) {
            matches.add(selfSigned);
        }
        Set<Registration> tls = new LinkedHashSet<>();
        if (trust != null) {
            Registration bySubjectDn = bySubject.get(certificate.getSubjectX500Principal());
            if (bySubjectDn != null) {
                tls.add(bySubjectDn);
            }
            for (List<?> san : subjectAltNames(certificate)) {
                if (san.size() < 2 || !(san.get(0) instanceof Integer type) || !(san.get(1) instanceof String value)) {
                    continue;
                }
                Registration r = switch (type) {
                    case SAN_DNS -> byDns.get(value.toLowerCase(Locale.ROOT));
                    case SAN_URI -> byUri.get(value);
                    case SAN_EMAIL -> byEmail.get(email(value));
                    default -> null;
                };
                if (r != null) {
                    tls.add(r);
                }
            }
        }
        matches.addAll(tls);
        if (matches.isEmpty()) {
            return new Lookup(null, Unmatched.UNKNOWN_CERTIFICATE);
        }
        if (matches.size() > 1) {
            return new Lookup(null, Unmatched.AMBIGUOUS_CERTIFICATE);
        }
        Registration r = matches.iterator().next();
        // only a self-signed registration needs no CA; without CAs no chain is trusted
        if (r != selfSigned && (trust == null || !trust.trusts(certificate, thumbprint, now))) {
            return new Lookup(null, Unmatched.UNTRUSTED_CHAIN);
        }
        return new Lookup(r, null);
    }

    private static Collection<List<?>> subjectAltNames(X509Certificate certificate) {
        try {
            Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
            return sans == null ? List.of() : sans;
        } catch (CertificateParsingException e) {
            return List.of();
        }
    }

    private static String email(String address) {
        int at = address.lastIndexOf('@');
        return at < 0
                ? address
                : address.substring(0, at) + address.substring(at).toLowerCase(Locale.ROOT);
    }

    /**
     * Builds a {@link MtlsClientRegistry}. Not thread-safe. {@code tls_client_auth} registrations
     * need {@link #caCertificates}; {@link #build()} says so.
     */
    public static final class Builder {
        private final Map<X500Principal, Registration> bySubject = new HashMap<>();
        private final Map<String, Registration> byDns = new HashMap<>();
        private final Map<String, Registration> byUri = new HashMap<>();
        private final Map<String, Registration> byEmail = new HashMap<>();
        private final Map<String, Registration> byThumbprint = new HashMap<>();
        private final Set<String> clientIds = new HashSet<>();
        private final Set<X509Certificate> cas = new HashSet<>();

        private Builder() {}

        /** The CA certificates a {@code tls_client_auth} certificate must chain to (added to those given before). */
        public Builder caCertificates(Collection<X509Certificate> caCertificates) {
            Objects.requireNonNull(caCertificates, "caCertificates cannot be null");
            for (X509Certificate c : caCertificates) {
                cas.add(Objects.requireNonNull(c, "caCertificates cannot hold null"));
            }
            return this;
        }

        /** {@code tls_client_auth_subject_dn}: the subject DN in RFC 4514 form, like {@code CN=partner-a,O=Example}. */
        public Builder tlsClientAuthSubjectDn(String clientId, String subjectDn, Collection<String> scopes) {
            Objects.requireNonNull(subjectDn, "subjectDn cannot be null");
            X500Principal dn;
            try {
                dn = new X500Principal(subjectDn);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("subjectDn is not an RFC 4514 name: " + subjectDn, e);
            }
            put(bySubject, dn, registration(clientId, "tls_client_auth", scopes), "subjectDn");
            return this;
        }

        /** {@code tls_client_auth_san_dns}: a DNS subject alternative name, compared case-insensitively. */
        public Builder tlsClientAuthSanDns(String clientId, String dnsName, Collection<String> scopes) {
            put(
                    byDns,
                    nonBlank(dnsName, "dnsName").toLowerCase(Locale.ROOT),
                    registration(clientId, "tls_client_auth", scopes),
                    "dnsName");
            return this;
        }

        /** {@code tls_client_auth_san_uri}: a URI subject alternative name, compared exactly. */
        public Builder tlsClientAuthSanUri(String clientId, String uri, Collection<String> scopes) {
            put(byUri, nonBlank(uri, "uri"), registration(clientId, "tls_client_auth", scopes), "uri");
            return this;
        }

        /** {@code tls_client_auth_san_email}: an e-mail subject alternative name {@code local-part@domain} (domain case-insensitive). */
        public Builder tlsClientAuthSanEmail(String clientId, String email, Collection<String> scopes) {
            int at = nonBlank(email, "email").lastIndexOf('@');
            if (at < 1 || at == email.length() - 1) {
                throw new IllegalArgumentException("email must be local-part@domain: " + email);
            }
            put(byEmail, email(email), registration(clientId, "tls_client_auth", scopes), "email");
            return this;
        }

        /** {@code self_signed_tls_client_auth}: the certificate's {@code x5t#S256} (unpadded base64url). */
        public Builder selfSignedTlsClientAuth(String clientId, String x5tS256, Collection<String> scopes) {
            if (!nonBlank(x5tS256, "x5tS256").matches("[A-Za-z0-9_-]{43}")) {
                throw new IllegalArgumentException("x5tS256 must be 43 characters of unpadded base64url: " + x5tS256);
            }
            put(byThumbprint, x5tS256, registration(clientId, "self_signed_tls_client_auth", scopes), "x5tS256");
            return this;
        }

        /** Builds; fails when {@code tls_client_auth} clients are registered without a CA. */
        public MtlsClientRegistry build() {
            boolean tls = !bySubject.isEmpty() || !byDns.isEmpty() || !byUri.isEmpty() || !byEmail.isEmpty();
            if (tls && cas.isEmpty()) {
                throw new IllegalStateException(
                        "caCertificates: tls_client_auth clients need the CA their certificates chain to");
            }
            return new MtlsClientRegistry(this);
        }

        private Registration registration(String clientId, String method, Collection<String> scopes) {
            nonBlank(clientId, "clientId");
            Objects.requireNonNull(scopes, "scopes cannot be null");
            if (!clientIds.add(clientId)) {
                throw new IllegalArgumentException("clientId is registered twice: " + clientId);
            }
            return new Registration(clientId, method, Set.copyOf(new ArrayList<>(scopes)));
        }

        private static <K> void put(Map<K, Registration> map, K key, Registration r, String setting) {
            if (map.putIfAbsent(key, r) != null) {
                throw new IllegalArgumentException(setting + " is registered for two clients: " + key);
            }
        }

        private static String nonBlank(String value, String setting) {
            Objects.requireNonNull(value, setting + " cannot be null");
            if (value.isBlank()) {
                throw new IllegalArgumentException(setting + " cannot be blank");
            }
            return value;
        }
    }
}
