package dev.apiguard.inventory.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.inventory.CallerRecord;
import dev.apiguard.inventory.CredentialRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Merging one delta per request ({@link CallerRecord#merge}, how a shared store adds up what each
 * node saw) keeps the counts, kinds, scopes and credentials that folding every request into one
 * record ({@link Ledger#observe}) keeps, in whatever order the deltas are merged.
 */
class LedgerMergeTest {

    private static final Instant T0 = Instant.parse("2026-12-05T08:00:00Z");
    private static final CallerKey KEY = CallerKey.token("https://issuer.example", "caller-1");
    private static final String[] SCOPES = {"customers:read", "customers:write", "payments:read", "admin"};

    private static Observation observation(Random r, int step) {
        Instant now = T0.plusSeconds(step * 10L);
        Set<String> granted = new LinkedHashSet<>();
        for (String s : SCOPES) {
            if (r.nextInt(3) == 0) {
                granted.add(s);
            }
        }
        Set<String> exercised = granted.isEmpty() || r.nextBoolean()
                ? Set.of()
                : Set.of(granted.iterator().next());
        boolean token = r.nextInt(4) != 0;
        boolean apiKey = !token;
        Instant expiry = now.plusSeconds(600);
        return new Observation(
                now,
                token ? CredentialKind.BEARER_JWT : CredentialKind.API_KEY,
                granted,
                exercised,
                token ? "https://issuer.example" : null,
                token ? "client-" + r.nextInt(3) : null,
                token ? expiry : null,
                token ? Duration.ofSeconds(60 + r.nextInt(7200)) : null,
                apiKey ? "key-" + r.nextInt(3) : null,
                apiKey ? expiry : null,
                r.nextInt(3) == 0 ? "thumb-" + r.nextInt(5) : null,
                null,
                r.nextInt(5) == 0,
                step > 0 && r.nextInt(8) == 0);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 2026})
    void mergedDeltasAddUpAsFoldedRequests(long seed) {
        Random r = new Random(seed);
        CallerRecord folded = null;
        List<CallerRecord> deltas = new ArrayList<>();
        for (int step = 0; step < 300; step++) {
            Observation o = observation(r, step);
            folded = Ledger.observe(KEY, folded, o);
            deltas.add(Ledger.observe(KEY, null, o));
        }
        Collections.shuffle(deltas, r); // the nodes' deltas arrive in any order
        CallerRecord merged = deltas.get(0);
        for (CallerRecord d : deltas.subList(1, deltas.size())) {
            merged = merged.merge(d);
        }
        assertThat(merged.requestCount()).isEqualTo(folded.requestCount());
        assertThat(merged.firstSeen()).isEqualTo(folded.firstSeen());
        assertThat(merged.lastSeen()).isEqualTo(folded.lastSeen());
        assertThat(merged.credentialKinds()).isEqualTo(folded.credentialKinds());
        assertThat(merged.scopesGranted()).isEqualTo(folded.scopesGranted());
        assertThat(merged.scopesUsed()).isEqualTo(folded.scopesUsed());
        assertThat(merged.credentials().keySet()).isEqualTo(folded.credentials().keySet());
        for (Map.Entry<String, CredentialRecord> e : folded.credentials().entrySet()) {
            CredentialRecord want = e.getValue();
            CredentialRecord got = merged.credentials().get(e.getKey());
            assertThat(got.requestCount()).as(e.getKey()).isEqualTo(want.requestCount());
            assertThat(got.misuses()).as(e.getKey()).isEqualTo(want.misuses());
            assertThat(got.lastMisused()).as(e.getKey()).isEqualTo(want.lastMisused());
            assertThat(got.unboundSensitiveUses()).as(e.getKey()).isEqualTo(want.unboundSensitiveUses());
            assertThat(got.kinds()).as(e.getKey()).isEqualTo(want.kinds());
            assertThat(got.longestTokenLifetime()).as(e.getKey()).isEqualTo(want.longestTokenLifetime());
            if (want.requestCount() > 0) {
                assertThat(got.lastSeen()).as(e.getKey()).isEqualTo(want.lastSeen());
                assertThat(got.expiresAt()).as(e.getKey()).isEqualTo(want.expiresAt());
            }
        }
        // least recently seen first
        List<Instant> order = merged.credentials().values().stream()
                .map(CredentialRecord::lastSeen)
                .toList();
        assertThat(order).isSorted();
    }
}
