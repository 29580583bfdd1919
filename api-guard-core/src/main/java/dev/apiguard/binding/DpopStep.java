package dev.apiguard.binding;

import dev.apiguard.Caller;
import dev.apiguard.Challenge;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardPhase;
import dev.apiguard.GuardRequest;
import dev.apiguard.GuardStep;
import dev.apiguard.binding.DpopVerification.NonceRequired;
import dev.apiguard.binding.DpopVerification.Rejected;
import dev.apiguard.binding.internal.DpopHtu;
import dev.apiguard.event.SecurityEventType;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The guard step that binds a token to its sender by a DPoP proof (RFC 9449 §7), named
 * {@value #NAME}, in the {@link GuardPhase#BIND} phase: after the step that authenticates the
 * token ({@code AccessTokenStep}), before the caller's quarantine, rate limit and route
 * authorization, so that those see a sender-constrained caller. A refusal because the sender could
 * not prove the key withdraws the caller ({@link GuardExchange#credentialMisused}).
 *
 * <p>Per request, once a caller is authenticated:
 * <ul>
 *   <li>token sent with the {@code Bearer} scheme but bound to a DPoP key ({@code cnf.jkt}): a
 *       downgrade, 401 {@code Bearer error="invalid_token"} ({@link Denials#invalidToken()}),
 *       event {@code dpop.downgrade}, the caller withdrawn as a misuse of its credential;</li>
 *   <li>token sent with the {@code DPoP} scheme but without {@code cnf.jkt}: 401
 *       {@code DPoP error="invalid_token"} ({@code DpopDenials.invalidDpopToken}), event
 *       {@code dpop.downgrade};</li>
 *   <li>{@code DPoP} scheme and a bound token: exactly one {@code DPoP} header, verified by the
 *       {@link DpopProofVerifier} against the request's method, its URI (from scheme, host, port
 *       and path, or from {@code X-Forwarded-Proto}/{@code X-Forwarded-Host} when the peer is one
 *       of the policy's trusted proxies), the token and its {@code cnf.jkt}. Accepted: the caller
 *       becomes {@link CredentialKind#DPOP_BOUND_JWT}, event {@code dpop.proof_accepted}. Refused:
 *       401 {@code DPoP error="invalid_dpop_proof", algs="..."}
 *       ({@code DpopDenials.invalidDpopProof}), event {@code dpop.proof_rejected} (or
 *       {@code dpop.replayed}) with a {@code reason} detail, and the caller withdrawn
 *       ({@link GuardExchange#credentialMisused}, or {@link GuardExchange#withdrawCaller()} when
 *       the replay cache could not record the proof): the refusal counts against the sender's
 *       address, never against the token's owner; a missing server nonce: 401
 *       {@code use_dpop_nonce} with a {@code DPoP-Nonce} header, event {@code dpop.nonce_required};</li>
 *   <li>anything else (no caller yet, an unbound bearer token, a caller authenticated otherwise):
 *       allowed untouched.</li>
 * </ul>
 * The {@code jti}'s single use, checked last, is deferred ({@link GuardExchange#deferReplayCheck}):
 * the rate limiter records it in the same store call as it takes from the caller's bucket (one
 * Redis round trip for both; a replay takes no token), else the guard after the last step; the
 * acceptance event or the refusal above follow then, as this step's.
 * It offers the challenge {@code DPoP algs="..."}, so a request without credential is told both
 * schemes (RFC 9449 §7.1). Immutable and thread-safe.
 */
public final class DpopStep implements GuardStep {

    /** The step's name. */
    public static final String NAME = "dpop";

    private static final String DPOP = "DPoP";

    private final DpopProofVerifier verifier;
    private final List<Challenge> challenges;

    private DpopStep(DpopProofVerifier verifier) {
        this.verifier = verifier;
        this.challenges = List.of(Challenge.of(DPOP, "algs", verifier.policy().algsParameter()));
    }

    /** A step verifying proofs against the policy, remembering their {@code jti}s in this JVM. */
    public static DpopStep of(DpopPolicy policy) {
        return of(DpopProofVerifier.of(policy));
    }

    /**
     * A step verifying proofs against the policy, remembering their {@code jti}s in the given cache
     * (share a Redis one between app nodes).
     */
    public static DpopStep of(DpopPolicy policy, dev.apiguard.ReplayCache replayCache) {
        return of(DpopProofVerifier.of(policy, replayCache));
    }

    /** A step using the given verifier (and its replay cache and nonce key). */
    public static DpopStep of(DpopProofVerifier verifier) {
        return new DpopStep(Objects.requireNonNull(verifier, "verifier cannot be null"));
    }

    /** The verifier this step uses. */
    public DpopProofVerifier verifier() {
        return verifier;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@link GuardPhase#BIND}. */
    @Override
    public GuardPhase phase() {
        return GuardPhase.BIND;
    }

    @Override
    public List<Challenge> challenges() {
        return challenges;
    }

    @Override
    public Decision evaluate(GuardExchange exchange) {
        Optional<Caller> authenticated = exchange.caller();
        if (authenticated.isEmpty()) {
            return Decision.ALLOW;
        }
        Caller caller = authenticated.get();
        String jkt = caller.confirmation().jkt();
        String scheme = exchange.credentialScheme();
        String algs = verifier.policy().algsParameter();
        if (!DPOP.equals(scheme)) {
            if (jkt == null) {
                return Decision.ALLOW;
            }
            exchange.emit(SecurityEventType.DPOP_DOWNGRADE, BindingFailure.BOUND_TOKEN_AS_BEARER);
            exchange.credentialMisused(BindingFailure.BOUND_TOKEN_AS_BEARER);
            return Denials.invalidToken();
        }
        if (jkt == null) {
            exchange.emit(SecurityEventType.DPOP_DOWNGRADE, BindingFailure.UNBOUND_TOKEN_AS_DPOP);
            return DpopDenials.invalidDpopToken(algs);
        }

        GuardRequest request = exchange.request();
        List<String> proofs = request.headers("DPoP");
        if (proofs.size() != 1) {
            return reject(
                    exchange,
                    proofs.isEmpty() ? DpopVerification.Reason.MISSING : DpopVerification.Reason.MULTIPLE,
                    algs);
        }
        String token = token(request.header("Authorization"));
        List<String> origins = verifier.policy().origins();
        List<String> htus;
        if (origins.isEmpty()) {
            String htu = DpopHtu.expected(request, verifier.policy().trustedProxies());
            htus = htu == null ? List.of() : List.of(htu);
        } else {
            htus = DpopHtu.expectedAt(origins, request);
        }
        DpopProofVerifier.Deferral deferral = new DpopProofVerifier.Deferral();
        DpopVerification result = verifier.verifyCanonical(
                proofs.get(0), request.method(), htus, token, jkt, caller.key().hashTag(), exchange.now(), deferral);
        if (result instanceof DpopVerification.Verified verified) {
            exchange.authenticate(caller.boundTo(CredentialKind.DPOP_BOUND_JWT, caller.certificateThumbprint()));
            // the jti is recorded last, by whichever later step joins it to its own store call (the
            // rate limiter's bucket: one Redis round trip for both), else by the guard after the
            // last step; a replay is refused then as it would be here
            exchange.deferReplayCheck(
                    this,
                    verifier.replayCache(),
                    java.util.Objects.requireNonNull(deferral.claim, "a verified proof leaves its claim"),
                    outcome -> decide(exchange, DpopProofVerifier.recorded(outcome, verified.jkt()), algs));
            return Decision.ALLOW;
        }
        return decide(exchange, result, algs);
    }

    /** The decision on a proof's verification, with its events. */
    private Decision decide(GuardExchange exchange, DpopVerification result, String algs) {
        if (result instanceof DpopVerification.Verified) {
            exchange.emit(SecurityEventType.DPOP_PROOF_ACCEPTED);
            return Decision.ALLOW;
        }
        if (result instanceof NonceRequired nonce) {
            exchange.emit(SecurityEventType.DPOP_NONCE_REQUIRED, nonce.reason());
            return DpopDenials.useDpopNonce(algs, nonce.nonce());
        }
        if (result instanceof Rejected r && r.reason() == DpopVerification.Reason.REPLAY_QUOTA_EXCEEDED) {
            // a valid proof of a caller over its share of the replay cache: its own refusal, not a
            // misuse, and never another caller's
            if (exchange.eventsEnabled()) {
                exchange.emit(SecurityEventType.RATE_LIMITED, Map.of("bucket", "dpop_proofs"));
            }
            java.time.Duration wait = dev.apiguard.ReplayCache.Quota.untilNextSlot(
                    verifier.policy().proofLifetime(), exchange.now());
            return Denials.rateLimited((wait.toMillis() + 999) / 1000, Map.of());
        }
        return reject(exchange, ((Rejected) result).reason(), algs);
    }

    /**
     * A refused proof: the sender did not prove holding the token's key, so the caller is withdrawn
     * and the request counts against the sender's address, never against the owner. A proof refused
     * because the replay cache could not record it (full, unreachable) is no evidence against the
     * credential: withdrawn without a misuse.
     */
    private static Decision reject(GuardExchange exchange, DpopVerification.Reason reason, String algs) {
        Rejected rejected = new Rejected(reason);
        if (exchange.eventsEnabled()) {
            exchange.emit(
                    rejected.isReplay() ? SecurityEventType.DPOP_REPLAYED : SecurityEventType.DPOP_PROOF_REJECTED,
                    Map.of("reason", reason.code()));
        }
        if (rejected.isStoreFault()) {
            exchange.withdrawCaller();
        } else {
            exchange.credentialMisused(reason);
        }
        return DpopDenials.invalidDpopProof(algs);
    }

    /** The token after {@code DPoP} and its spaces; the token step has checked the syntax. */
    private static @Nullable String token(@Nullable String authorization) {
        if (authorization == null || authorization.length() <= DPOP.length()) {
            return "";
        }
        int i = DPOP.length();
        while (i < authorization.length() && authorization.charAt(i) == ' ') {
            i++;
        }
        return authorization.substring(i);
    }

    @Override
    public String toString() {
        return "DpopStep[" + verifier.policy() + "]";
    }
}
