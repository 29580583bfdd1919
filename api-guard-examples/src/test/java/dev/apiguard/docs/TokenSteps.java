package dev.apiguard.docs;

// tag::policy[]
import com.nimbusds.jose.JWSAlgorithm;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.JwksOptions;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

public final class TokenSteps {

    /** Two issuers, each verified with its own keys only. */
    public static AccessTokenStep step(SecurityEventListener guardListener, Path partnerJwks) {
        JwksOptions fetching = JwksOptions.builder()
                .listener(guardListener) // keys.refreshed and keys.fetch_failed, for logs and metrics
                .build(); // 2 s timeouts, 256 KiB cap, 5 min cache, kid-driven refreshes bounded
        TokenPolicy policy = TokenPolicy.builder()
                .issuer(
                        "https://login.example.com",
                        KeySource.jwksUrl(URI.create("https://login.example.com/jwks"), fetching))
                .issuer("https://partners.example.net", KeySource.jwksFile(partnerJwks)) // read once, now
                .audience("https://api.example.com")
                .algorithms(JWSAlgorithm.ES256, JWSAlgorithm.EdDSA) // default RS256, PS256, ES256, EdDSA
                .maxLifetime(Duration.ofMinutes(15)) // default 1 h
                .clockSkew(Duration.ofSeconds(30)) // default 60 s, at most 5 min
                .requiredClaims("jti") // on top of iss, aud, exp, iat
                .build();
        return AccessTokenStep.of(policy);
    }
}
// end::policy[]
