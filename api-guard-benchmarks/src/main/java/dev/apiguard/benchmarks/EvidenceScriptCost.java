package dev.apiguard.benchmarks;

import dev.apiguard.CallerKey;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.Evidence;
import dev.apiguard.anomaly.EvidenceStore;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.redis.RedisEvidenceStore;
import dev.apiguard.redis.RedisGuardState;
import dev.apiguard.redis.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What folding one request's anomaly evidence costs Redis (the fleet's script, {@code evidence.lua}),
 * by what the request looked up: nothing, an id the caller read before, a new id stepping along a
 * walk the profile follows, a new id in a neighbourhood of its own (the walks' worst case: the
 * least recent walk makes room). Each case sends 20 rounds of one script per caller for 1,000
 * callers (one piece of evidence per script, as a quiet caller's), and prints Redis's own time per
 * call ({@code INFO commandstats}, {@code usec_per_call} of {@code evalsha}), so the client and the
 * network do not count. Starts its own {@code redis-server}.
 *
 * <pre>
 * java -cp api-guard-benchmarks/target/benchmarks.jar dev.apiguard.benchmarks.EvidenceScriptCost
 * </pre>
 */
public final class EvidenceScriptCost {

    private static final int CALLERS = 1_000;
    private static final int ROUNDS = 20;

    private EvidenceScriptCost() {}

    /** What each request of a case looked up. */
    private enum Case {
        NOTHING("no look-up"),
        KNOWN("an id read before"),
        WALK("a new id, a step of a walk"),
        SCATTERED("a new id, a neighbourhood of its own");

        final String label;

        Case(String label) {
            this.label = label;
        }

        Evidence evidence(long at, int round, Random random) {
            return switch (this) {
                case NOTHING -> new Evidence(at, false, true, 7, false, false, 0, 0, 0, 0);
                case KNOWN -> new Evidence(at, false, true, 7, true, false, 42, 9, 3, 0);
                case WALK -> new Evidence(at, false, true, 7, true, round % 2 == 1, random.nextLong(), 9, round, 0);
                case SCATTERED ->
                    new Evidence(at, false, true, 7, true, false, random.nextLong(), random.nextLong(), 3, 0);
            };
        }
    }

    public static void main(String[] args) throws Exception {
        try (RedisServer redis = RedisServer.start();
                RedisGuardState state = RedisGuardState.builder(redis.uri())
                        .listener(SecurityEventListener.NONE)
                        .evidenceLinger(Duration.ZERO)
                        .build()) {
            RedisEvidenceStore store = state.evidenceStore();
            EvidenceStore.Link link = store.link(AnomalyPolicy.defaults());
            RedisClient client = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                RedisCommands<String, String> commands = c.sync();
                System.out.printf(
                        "folding one piece of evidence (%d callers x %d rounds per case)%n%n", CALLERS, ROUNDS);
                System.out.println("| the request looked up | Redis time per script (usec_per_call) |");
                System.out.println("|---|---|");
                Random random = new Random(20261207);
                long at = 1_800_000_000_000L;
                for (int pass = 0; pass < 2; pass++) { // the first pass warms up, the second counts
                    for (Case kind : Case.values()) {
                        List<CallerKey> callers = new ArrayList<>();
                        for (int i = 0; i < CALLERS; i++) {
                            callers.add(CallerKey.token("https://issuer.example", kind + "-" + pass + "-" + i));
                        }
                        commands.configResetstat();
                        for (int round = 0; round < ROUNDS; round++) {
                            long sent = store.sentEvidence() + store.droppedEvidence();
                            at += 10;
                            for (CallerKey caller : callers) {
                                link.offer(caller, kind.evidence(at, round, random));
                            }
                            // every caller's script answered before its next: one piece per script
                            while (store.sentEvidence() + store.droppedEvidence() < sent + CALLERS) {
                                Thread.onSpinWait();
                            }
                        }
                        if (pass == 1) {
                            System.out.printf("| %s | %s |%n", kind.label, evalsha(commands.info("commandstats")));
                        }
                    }
                }
                System.out.printf("%ndropped: %d%n", store.droppedEvidence());
            } finally {
                client.shutdown();
            }
        }
    }

    private static String evalsha(String commandstats) {
        Map<String, String> evalsha = RedisInfo.commandStats(commandstats).get("evalsha");
        return evalsha == null ? "no evalsha" : evalsha.get("usec_per_call") + " µs";
    }
}
