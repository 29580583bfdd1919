package dev.apiguard.test;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventType;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RecordingListenerTest {

    private static SecurityEvent event(SecurityEventType type, String reason) {
        return new SecurityEvent(type, Instant.EPOCH, null, "127.0.0.1", "GET", "/", Map.of("reason", reason));
    }

    @Test
    void recordsEventsInOrderAndFindsTheLastOfAType() {
        RecordingListener listener = new RecordingListener();
        listener.onEvent(event(SecurityEventType.TOKEN_REJECTED, "first"));
        listener.onEvent(event(SecurityEventType.CREDENTIAL_MISSING, "x"));
        listener.onEvent(event(SecurityEventType.TOKEN_REJECTED, "second"));

        assertThat(listener.types())
                .containsExactly(
                        SecurityEventType.TOKEN_REJECTED,
                        SecurityEventType.CREDENTIAL_MISSING,
                        SecurityEventType.TOKEN_REJECTED);
        assertThat(listener.events()).hasSize(3);
        assertThat(listener.last(SecurityEventType.TOKEN_REJECTED))
                .get()
                .extracting(e -> e.detail("reason"))
                .isEqualTo("second");
        assertThat(listener.last(SecurityEventType.SCOPE_DENIED)).isEmpty();
    }

    @Test
    void snapshotsDoNotChangeAndClearForgets() {
        RecordingListener listener = new RecordingListener();
        listener.onEvent(event(SecurityEventType.TOKEN_ACCEPTED, "a"));
        var snapshot = listener.events();
        listener.onEvent(event(SecurityEventType.TOKEN_ACCEPTED, "b"));
        assertThat(snapshot).hasSize(1);

        listener.clear();
        assertThat(listener.events()).isEmpty();
        assertThat(listener.types()).isEmpty();
    }

    @Test
    void keepsEveryEventFromManyThreads() throws InterruptedException {
        RecordingListener listener = new RecordingListener();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        for (int i = 0; i < 5_000; i++) {
            pool.execute(() -> listener.onEvent(event(SecurityEventType.REQUEST_ALLOWED, "ok")));
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(listener.events()).hasSize(5_000);
    }
}
