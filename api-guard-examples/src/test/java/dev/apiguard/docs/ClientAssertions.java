package dev.apiguard.docs;

// tag::filter[]
import dev.apiguard.ReplayCache;
import dev.apiguard.servlet.ClientAssertionFilter;
import dev.apiguard.token.ClientAssertionPolicy;
import dev.apiguard.token.ClientAssertionVerifier;
import dev.apiguard.token.KeySource;
import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;

public final class ClientAssertions {

    /** Authenticates partners at your own token endpoint by private_key_jwt (RFC 7523). */
    public static void protectTokenEndpoint(ServletContextHandler context, KeySource partnerKeys, ReplayCache ids) {
        ClientAssertionPolicy policy = ClientAssertionPolicy.builder()
                .client("partner-a", partnerKeys) // like KeySource.jwksUrl(partner's JWKS URL)
                .audience("https://api.example.com/oauth/token") // the endpoint's URL: aud must contain it
                .build();
        // each jti used once; RedisGuardState.replayCache() for a fleet
        ClientAssertionVerifier verifier = ClientAssertionVerifier.of(policy, ids);
        context.addFilter(
                new FilterHolder(ClientAssertionFilter.of(verifier)),
                "/oauth/token",
                EnumSet.of(DispatcherType.REQUEST));
    }
}
// end::filter[]
