package dev.apiguard.fakes;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardPhase;
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEventListener;
import java.util.function.Function;

/** Guards for tests that need an exchange, not a decision. */
public final class FakeGuards {

    private FakeGuards() {}

    /** A step of this name and phase that decides by {@code body}. */
    public static GuardStep step(String name, GuardPhase phase, Function<GuardExchange, Decision> body) {
        return new GuardStep() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public GuardPhase phase() {
                return phase;
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                return body.apply(exchange);
            }
        };
    }

    /** A guard of one step that allows every request, without events. */
    public static ApiGuard allowingAll() {
        return ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(new GuardStep() {
                    @Override
                    public String name() {
                        return "allow";
                    }

                    @Override
                    public Decision evaluate(GuardExchange exchange) {
                        return Decision.ALLOW;
                    }
                })
                .build();
    }
}
