package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.CallerKey;
import dev.apiguard.QuarantineStore;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What every {@link QuarantineStore} does: local and Redis alike. */
abstract class QuarantineStoreContract {

    protected abstract QuarantineStore store();

    private CallerKey caller;

    @org.junit.jupiter.api.BeforeEach
    void freshKey() {
        // a fresh key per test: one instance may serve every test of a class
        caller = TwoNodesTest.key("scraper-" + UUID.randomUUID());
    }

    private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    @Test
    void aQuarantinedCallerStaysQuarantinedUntilItsEnd() {
        Instant until = now.plus(Duration.ofMinutes(15));
        store().quarantine(caller, until, now);
        assertThat(store().quarantinedUntil(caller, now)).contains(until);
        assertThat(store().quarantinedUntil(caller, until.minusMillis(1))).contains(until);
        assertThat(store().quarantinedUntil(caller, until)).isEmpty();
        assertThat(store().quarantinedUntil(TwoNodesTest.key("someone-else"), now))
                .isEmpty();
    }

    @Test
    void aSecondQuarantineReplacesTheFirst() {
        store().quarantine(caller, now.plus(Duration.ofHours(1)), now);
        store().quarantine(caller, now.plus(Duration.ofMinutes(1)), now);
        assertThat(store().quarantinedUntil(caller, now)).contains(now.plus(Duration.ofMinutes(1)));
    }

    @Test
    void releaseLiftsTheQuarantine() {
        store().quarantine(caller, now.plus(Duration.ofHours(1)), now);
        store().release(caller);
        assertThat(store().quarantinedUntil(caller, now)).isEmpty();
    }

    @Test
    void aQuarantineInThePastIsNone() {
        store().quarantine(caller, now.minus(Duration.ofMinutes(1)), now);
        assertThat(store().quarantinedUntil(caller, now)).isEmpty();
    }
}
