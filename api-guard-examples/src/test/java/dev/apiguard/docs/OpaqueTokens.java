package dev.apiguard.docs;

// tag::introspection[]
import dev.apiguard.Revocations;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.IntrospectionPolicy;
import dev.apiguard.token.TokenPolicy;
import java.net.URI;
import java.time.Duration;

public final class OpaqueTokens {

    /** JWT access tokens and opaque ones side by side: the opaque ones checked at the issuer. */
    public static AccessTokenStep tokenStep(
            TokenPolicy jwts, URI introspectionEndpoint, String clientSecret, Revocations revocations) {
        IntrospectionPolicy opaque = IntrospectionPolicy.builder("https://login.example.com", introspectionEndpoint)
                .clientSecretBasic("api-gateway", clientSecret) // or clientSecretPost, privateKeyJwt, tlsClientAuth
                .audiences("https://api.example.com") // an answer's aud, when present, must name one
                .cacheFor(Duration.ofSeconds(30)) // until the earlier of exp and this (default 60 s)
                .inactiveCacheFor(Duration.ofSeconds(5)) // active:false, per token digest only
                .maxConcurrentCalls(16) // all busy: an outage for this request, never a queue
                .timeout(Duration.ofSeconds(2)) // one deadline per call
                .onOutage(IntrospectionPolicy.OnOutage.UNAVAILABLE) // 503 (INVALID_TOKEN: 401)
                .build();
        return AccessTokenStep.builder()
                .jwt(jwts) // a compact JWS (eyJ...) goes to the JWT verifier
                .introspection(opaque) // anything else to the introspection endpoint
                .revocations(revocations) // both kinds alike
                .build();
    }
}
// end::introspection[]
