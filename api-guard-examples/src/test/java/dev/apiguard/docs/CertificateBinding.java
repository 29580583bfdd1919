package dev.apiguard.docs;

// tag::certificates[]
import dev.apiguard.ApiGuard;
import dev.apiguard.TrustedProxies;
import dev.apiguard.binding.CertificateBindingStep;
import dev.apiguard.binding.ClientCertificates;
import dev.apiguard.binding.MtlsClientAuthenticationStep;
import dev.apiguard.binding.MtlsClientRegistry;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.TokenPolicy;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

public final class CertificateBinding {

    public static ApiGuard guard(TokenPolicy tokens, X509Certificate clientCa) {
        ClientCertificates certificates = ClientCertificates.builder()
                .trustedProxies(TrustedProxies.of("10.20.0.5/32")) // your TLS-terminating proxies, nobody else
                .forwardedHeader("X-Forwarded-Client-Cert") // Envoy XFCC, RFC 9440 or nginx: told from the value
                .forwardedTrustAnchors(List.of(clientCa)) // a forwarded certificate must chain to these
                .build(); // without a proxy: ClientCertificates.tlsOnly()
        MtlsClientRegistry clients = MtlsClientRegistry.builder() // callers with a certificate and no token
                .caCertificates(List.of(clientCa))
                .tlsClientAuthSanDns("nightly-batch", "batch.partner-a.example", List.of("customers:read"))
                .build();
        RouteRules routes = RouteRules.builder()
                .route("GET", "/customers/{serviceTag}")
                .requireScopes("customers:read")
                .route("POST", "/payments")
                .senderConstrained() // a plain bearer token is refused here
                .requireScopes("payments:write")
                .build();
        return ApiGuard.builder()
                .step(AccessTokenStep.of(tokens)) // authenticate: a token...
                .step(MtlsClientAuthenticationStep.of(certificates, clients)) // ...or else a certificate alone
                .step(CertificateBindingStep.builder(certificates) // bind: cnf.x5t#S256 = the certificate's
                        .expiryWarning(Duration.ofDays(30)) // certificate.expiring; default 14 days
                        .build())
                .step(RouteAuthorizationStep.of(routes))
                .build();
    }
}
// end::certificates[]
