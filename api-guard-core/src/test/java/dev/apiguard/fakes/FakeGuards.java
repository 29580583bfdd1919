package dev.apiguard.fakes;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEventListener;

/** Guards for tests that need an exchange, not a decision. */
public final class FakeGuards {

    private FakeGuards() {}

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
