package dev.apiguard.micrometer;

import dev.apiguard.Caller;
import dev.apiguard.Decision;
import dev.apiguard.GuardStep;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import java.util.Locale;

/**
 * The default names and key values of a guard evaluation's observation ({@value #NAME}; as a span
 * {@value #CONTEXTUAL_NAME}).
 *
 * <p>Low-cardinality key values (tags of the timer, attributes of the span), each from a small
 * fixed set:
 * <ul>
 *   <li>{@value #OUTCOME}: {@code allowed}, {@code refused} (a 4xx refusal), {@code unavailable} (a
 *       503: a step failed, or a shared store fails closed) or {@code error} (the evaluation
 *       threw); {@code unknown} while the steps run;</li>
 *   <li>{@value #STEP}: the name of the step that refused the request, else {@code none};</li>
 *   <li>{@value #CREDENTIAL}: the verified caller's credential kind in lower case
 *       ({@code bearer_jwt}, {@code mtls_bound_jwt}, {@code dpop_bound_jwt}, {@code api_key},
 *       {@code mtls}, {@code client_assertion}), else {@code none}.</li>
 * </ul>
 * High-cardinality (span attributes only, never a metric tag): {@value #CALLER}, the verified
 * caller's id ({@link Caller#id()}), when one was verified. No credential, token, key or
 * certificate is ever a key value. Stateless and thread-safe.
 */
public class DefaultGuardObservationConvention implements GuardObservationConvention {

    /** The observation's name (the timer is {@code apiguard.decision}). */
    public static final String NAME = "apiguard.decision";

    /** The span's name. */
    public static final String CONTEXTUAL_NAME = "apiguard decision";

    /** Key of the outcome. */
    public static final String OUTCOME = "apiguard.outcome";

    /** Key of the refusing step. */
    public static final String STEP = "apiguard.step";

    /** Key of the caller's credential kind. */
    public static final String CREDENTIAL = "apiguard.credential";

    /** Key of the caller's id (high cardinality). */
    public static final String CALLER = "apiguard.caller";

    /** The value of a key with nothing to say (no refusing step, no caller). */
    public static final String NONE = "none";

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public String getContextualName(GuardObservationContext context) {
        return CONTEXTUAL_NAME;
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(GuardObservationContext context) {
        GuardStep deniedBy = context.exchange().deniedBy();
        return KeyValues.of(
                KeyValue.of(OUTCOME, outcome(context)),
                KeyValue.of(STEP, deniedBy == null ? NONE : deniedBy.name()),
                KeyValue.of(
                        CREDENTIAL,
                        context.exchange()
                                .caller()
                                .map(c -> c.kind().name().toLowerCase(Locale.ROOT))
                                .orElse(NONE)));
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(GuardObservationContext context) {
        return context.exchange()
                .caller()
                .map(c -> KeyValues.of(CALLER, c.id()))
                .orElse(KeyValues.empty());
    }

    private static String outcome(GuardObservationContext context) {
        Decision decision = context.decision();
        if (decision == null) {
            return context.getError() != null ? "error" : "unknown";
        }
        if (decision instanceof Decision.Deny deny) {
            return deny.status() >= 500 ? "unavailable" : "refused";
        }
        return "allowed";
    }
}
