package dev.apiguard.inventory.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.inventory.CallerRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The in-place ledger ({@link BoundedLedgerStore#observe}) keeps exactly the records that folding
 * each request into a new record ({@link Ledger#observe}) makes, credential order included.
 */
class LedgerEntryTest {

    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
    private static final String[] SCOPES = {"customers:read", "customers:write", "payments:read", "admin"};
    private static final String[] CLIENTS = {"client-a", "client-b", "client-c"};
    private static final String[] ISSUERS = {"https://issuer.example", "https://other.example"};

    /** A random request of one caller: token, API key or certificate-bound token, times that may go back. */
    private static final CallerKey KEY = CallerKey.token("https://issuer.example", "caller-1");

    private static Observation randomObservation(Random r, int step) {
        Instant now = T0.plusSeconds(step * 10L - r.nextInt(30)); // clocks of several nodes: not monotonic
        CredentialKind kind = CredentialKind.values()[r.nextInt(CredentialKind.values().length)];
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
        boolean apiKey = !token && r.nextBoolean();
        boolean certificate = r.nextInt(3) == 0;
        Instant expiry = r.nextInt(4) == 0 ? null : now.plusSeconds(60 + r.nextInt(3600));
        return new Observation(
                now,
                kind,
                granted,
                exercised,
                token ? ISSUERS[r.nextInt(ISSUERS.length)] : null,
                token ? CLIENTS[r.nextInt(CLIENTS.length)] : null,
                token ? expiry : null,
                token && r.nextBoolean() ? Duration.ofSeconds(60 + r.nextInt(7200)) : null,
                apiKey ? "key-" + r.nextInt(3) : null,
                apiKey ? expiry : null,
                certificate ? "thumb-" + r.nextInt(20) : null,
                certificate && r.nextBoolean() ? expiry : null,
                r.nextInt(5) == 0,
                r.nextInt(8) == 0);
    }

    private static void assertSame(CallerRecord actual, CallerRecord expected) {
        assertThat(actual).isEqualTo(expected);
        // record equality ignores map order: the credentials' order (least recently seen first) counts too
        assertThat(new ArrayList<>(actual.credentials().keySet()))
                .containsExactlyElementsOf(
                        new ArrayList<>(expected.credentials().keySet()));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 2026})
    void inPlaceRecordsEqualFoldedRecords(long seed) {
        Random r = new Random(seed);
        BoundedLedgerStore store = new BoundedLedgerStore(10);
        CallerRecord expected = null;
        for (int step = 0; step < 400; step++) {
            Observation o = randomObservation(r, step);
            expected = Ledger.observe(KEY, expected, o);
            store.observe(KEY, o);
            assertSame(store.get(KEY).orElseThrow(), expected);
        }
        // more than MAX_CREDENTIALS_PER_CALLER certificates were seen: the oldest went first, in both
        assertThat(expected.credentials()).hasSize(Ledger.MAX_CREDENTIALS_PER_CALLER);
    }

    @Test
    void aCallerOfManyScopesKeepsTheMostRecentOnesAsTheFoldedRecordDoes() {
        Random r = new Random(5);
        BoundedLedgerStore store = new BoundedLedgerStore(10);
        CallerRecord expected = null;
        for (int step = 0; step < 700; step++) {
            // one scope per request at a time of its own: which scopes are the oldest is never a tie
            String scope = "scope-" + r.nextInt(300);
            Observation o = new Observation(
                    T0.plusSeconds(step),
                    CredentialKind.BEARER_JWT,
                    Set.of(scope),
                    r.nextBoolean() ? Set.of(scope) : Set.of(),
                    ISSUERS[0],
                    CLIENTS[0],
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    false,
                    false);
            expected = Ledger.observe(KEY, expected, o);
            store.observe(KEY, o);
            assertSame(store.get(KEY).orElseThrow(), expected);
        }
        assertThat(expected.scopesGranted()).hasSize(Ledger.MAX_SCOPES_PER_CALLER);
    }

    @Test
    void anUpdateThroughTheSpiAndAnObservationInPlaceMix() {
        Random r = new Random(7);
        BoundedLedgerStore store = new BoundedLedgerStore(10);
        CallerRecord expected = null;
        for (int step = 0; step < 100; step++) {
            Observation o = randomObservation(r, step);
            expected = Ledger.observe(KEY, expected, o);
            if (step % 3 == 0) {
                store.update(KEY, previous -> Ledger.observe(KEY, previous, o));
            } else {
                store.observe(KEY, o);
            }
            assertSame(store.snapshot().get(0), expected);
        }
    }

    @Test
    void anObservedCallerBecomesTheMostRecentAndTheLeastRecentIsEvicted() {
        Random r = new Random(11);
        BoundedLedgerStore store = new BoundedLedgerStore(3);
        for (String id : List.of("a", "b", "c")) {
            store.observe(CallerKey.apiKey(id), randomObservation(r, 1));
        }
        store.observe(CallerKey.apiKey("a"), randomObservation(r, 2));
        store.observe(CallerKey.apiKey("d"), randomObservation(r, 3));
        assertThat(store.snapshot()).extracting(CallerRecord::id).containsExactly("c", "a", "d");
        assertThat(store.get(CallerKey.apiKey("b"))).isEmpty();
    }
}
