package dev.apiguard.binding;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.LocalReplayCache;
import dev.apiguard.fakes.FakeClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** docs/security-cases.md D5 under contention: threads racing to use one DPoP proof, released at once. */
class DpopReplayRaceTest {

    private static final int THREADS = 16;

    @Test
    void ofSixteenThreadsPresentingTheSameProofAtOnceExactlyOneIsAdmitted() throws Exception {
        DpopStepTest fixture = new DpopStepTest();
        FakeClient tester = fixture.tester(DpopPolicy.defaults(), LocalReplayCache.defaults());
        String token = DpopStepTest.boundToken();
        String proof = DpopStepTest.KEY.proof("POST", DpopStepTest.URI, token);

        CyclicBarrier start = new CyclicBarrier(THREADS);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<Integer>> statuses = new ArrayList<>();
        try {
            for (int t = 0; t < THREADS; t++) {
                statuses.add(pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    return tester.send(DpopStepTest.payment(token, proof)).status();
                }));
            }
            List<Integer> answers = new ArrayList<>();
            for (Future<Integer> f : statuses) {
                answers.add(f.get(60, TimeUnit.SECONDS));
            }
            assertThat(answers).filteredOn(s -> s == 200).hasSize(1);
            assertThat(answers).filteredOn(s -> s == 401).hasSize(THREADS - 1);
        } finally {
            pool.shutdownNow();
        }
    }
}
