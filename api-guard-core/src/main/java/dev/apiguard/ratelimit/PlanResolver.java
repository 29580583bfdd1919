package dev.apiguard.ratelimit;

import dev.apiguard.Caller;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Chooses the rate-limit plan of a verified caller. Returns a plan name, or {@code null} for the
 * policy's default plan; a name the policy does not know also means the default plan.
 *
 * <p>Implementations see only the verified {@link Caller}, never a claim of a token that failed
 * verification. They must be fast and thread-safe.
 */
@FunctionalInterface
public interface PlanResolver {

    /** The plan name for the caller, or {@code null} for the default plan. */
    @Nullable
    String planFor(Caller caller);

    /** The plan the authentication step put on the caller ({@link Caller#plan()}, from a token claim). */
    static PlanResolver fromCaller() {
        return Caller::plan;
    }

    /** A registry of plans by caller id (client id, API key id); callers not listed get the default. */
    static @Nullable PlanResolver registry(Map<String, String> planByCallerId) {
        Map<String, String> copy = Map.copyOf(planByCallerId);
        return caller -> copy.get(caller.id());
    }

    /** This resolver's answer, or {@code next}'s when this one answers {@code null}. */
    default PlanResolver orElse(PlanResolver next) {
        Objects.requireNonNull(next, "next cannot be null");
        return caller -> {
            String plan = planFor(caller);
            return plan != null ? plan : next.planFor(caller);
        };
    }
}
