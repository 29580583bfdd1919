package dev.apiguard.docs;

// tag::verifier[]
import dev.apiguard.Caller;
import dev.apiguard.token.AccessTokenVerifier;
import dev.apiguard.token.TokenPolicy;
import dev.apiguard.token.TokenVerification;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Verifies access tokens outside a guard, for example in a message consumer. */
public final class TokenCheck {

    private static final Logger LOG = LoggerFactory.getLogger(TokenCheck.class);

    private final AccessTokenVerifier verifier;
    private final Clock clock;

    public TokenCheck(TokenPolicy policy, Clock clock) {
        this.verifier = AccessTokenVerifier.of(policy); // thread-safe, with its own verified-token cache
        this.clock = clock;
    }

    public Optional<Caller> callerOf(String token) {
        TokenVerification outcome = verifier.verify(token, clock.instant());
        if (outcome instanceof TokenVerification.Rejected rejected) {
            LOG.info("token refused: {}", rejected.reason()); // a stable code: expired, bad_signature, ...
            return Optional.empty();
        }
        return Optional.of(((TokenVerification.Verified) outcome).caller());
    }
}
// end::verifier[]
