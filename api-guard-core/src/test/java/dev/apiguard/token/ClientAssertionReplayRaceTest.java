package dev.apiguard.token;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.LocalReplayCache;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** RFC 7523 §3 item 7 under contention: threads racing to use one client assertion, released at once. */
class ClientAssertionReplayRaceTest {

    private static final int THREADS = 16;

    @Test
    void ofSixteenThreadsPresentingTheSameAssertionAtOnceExactlyOneIsVerified() throws Exception {
        ClientAssertionVerifier verifier =
                ClientAssertionVerifier.of(ClientAssertionVerifierTest.policy().build(), LocalReplayCache.defaults());
        String assertion = ClientAssertionVerifierTest.assertion().sign();

        CyclicBarrier start = new CyclicBarrier(THREADS);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<ClientAssertionVerification>> results = new ArrayList<>();
        try {
            for (int t = 0; t < THREADS; t++) {
                results.add(pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    return verifier.verify(
                            ClientAssertionVerifierTest.TYPE, assertion, ClientAssertionVerifierTest.NOW);
                }));
            }
            List<ClientAssertionVerification> answers = new ArrayList<>();
            for (Future<ClientAssertionVerification> f : results) {
                answers.add(f.get(60, TimeUnit.SECONDS));
            }
            assertThat(answers)
                    .filteredOn(ClientAssertionVerification::isVerified)
                    .hasSize(1);
            assertThat(answers)
                    .filteredOn(a -> !a.isVerified())
                    .hasSize(THREADS - 1)
                    .allSatisfy(a -> assertThat(a)
                            .isEqualTo(new ClientAssertionVerification.Rejected(
                                    ClientAssertionVerification.Reason.REPLAYED)));
        } finally {
            pool.shutdownNow();
        }
    }
}
