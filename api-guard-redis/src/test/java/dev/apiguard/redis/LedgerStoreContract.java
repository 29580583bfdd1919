package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.inventory.CallerRecord;
import dev.apiguard.inventory.CredentialRecord;
import dev.apiguard.inventory.LedgerStore;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link LedgerStore} does with deltas ({@link LedgerStore#record}): local and Redis
 * alike. Each test has a store of its own; {@link #settle} makes what was recorded readable (the
 * Redis store flushes its buffer).
 */
abstract class LedgerStoreContract {

    static final Instant T0 = Instant.parse("2026-12-05T08:00:00Z");

    /** A new, empty store of at most {@code maxCallers} callers. */
    protected abstract LedgerStore newStore(int maxCallers);

    /** Sends what the store buffered; nothing for a store without buffer. */
    protected void settle(LedgerStore store) {}

    /** Closes what {@link #newStore} opened. */
    protected void closeStores() {}

    private LedgerStore store;
    private CallerKey caller;

    @BeforeEach
    void fresh() {
        store = newStore(100);
        caller = TwoNodesTest.key("partner-" + UUID.randomUUID());
    }

    @AfterEach
    void close() {
        closeStores();
    }

    static CredentialRecord token(
            CallerKey caller, Instant at, long count, Instant expiresAt, Duration lifetime, long unbound) {
        return new CredentialRecord(
                CredentialRecord.Type.TOKEN,
                caller.issuer(),
                caller.id(),
                Set.of(CredentialKind.BEARER_JWT),
                at,
                at,
                count,
                expiresAt,
                lifetime,
                unbound,
                0,
                null);
    }

    /** One request's delta: granted and used scopes stamped at {@code at}, one token credential. */
    static CallerRecord delta(CallerKey caller, Instant at, Set<String> granted, Set<String> used) {
        Map<String, Instant> g = new HashMap<>();
        granted.forEach(s -> g.put(s, at));
        Map<String, Instant> u = new HashMap<>();
        used.forEach(s -> u.put(s, at));
        CredentialRecord c = token(caller, at, 1, at.plus(Duration.ofMinutes(10)), Duration.ofMinutes(10), 0);
        return new CallerRecord(caller, at, at, 1, Set.of(CredentialKind.BEARER_JWT), g, u, Map.of(c.key(), c));
    }

    @Test
    void aRecordedDeltaIsReadBack() {
        store.record(delta(caller, T0, Set.of("customers:read", "payments:write"), Set.of("customers:read")));
        settle(store);
        CallerRecord r = store.get(caller).orElseThrow();
        assertThat(r.key()).isEqualTo(caller);
        assertThat(r.requestCount()).isEqualTo(1);
        assertThat(r.firstSeen()).isEqualTo(T0);
        assertThat(r.lastSeen()).isEqualTo(T0);
        assertThat(r.credentialKinds()).containsExactly(CredentialKind.BEARER_JWT);
        assertThat(r.scopesGranted()).isEqualTo(Map.of("customers:read", T0, "payments:write", T0));
        assertThat(r.scopesUsed()).isEqualTo(Map.of("customers:read", T0));
        CredentialRecord c = r.credentials().values().iterator().next();
        assertThat(c.type()).isEqualTo(CredentialRecord.Type.TOKEN);
        assertThat(c.issuer()).isEqualTo(TwoNodesTest.ISSUER);
        assertThat(c.id()).isEqualTo(caller.id());
        assertThat(c.expiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(10)));
        assertThat(c.longestTokenLifetime()).isEqualTo(Duration.ofMinutes(10));
        assertThat(store.get(TwoNodesTest.key("nobody-" + UUID.randomUUID()))).isEmpty();
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void deltasAddUp() {
        Instant later = T0.plus(Duration.ofHours(1));
        // the later one first: merging does not depend on the order deltas arrive in
        store.record(delta(caller, later, Set.of("customers:read"), Set.of()));
        settle(store);
        store.record(delta(caller, T0, Set.of("customers:read", "payments:write"), Set.of("payments:write")));
        CredentialRecord longLived = token(caller, T0, 3, T0.plus(Duration.ofDays(1)), Duration.ofDays(1), 2);
        store.record(new CallerRecord(
                caller,
                T0,
                T0,
                3,
                Set.of(CredentialKind.DPOP_BOUND_JWT),
                Map.of(),
                Map.of(),
                Map.of(longLived.key(), longLived)));
        settle(store);
        CallerRecord r = store.get(caller).orElseThrow();
        assertThat(r.requestCount()).isEqualTo(5);
        assertThat(r.firstSeen()).isEqualTo(T0);
        assertThat(r.lastSeen()).isEqualTo(later);
        assertThat(r.credentialKinds())
                .containsExactlyInAnyOrder(CredentialKind.BEARER_JWT, CredentialKind.DPOP_BOUND_JWT);
        assertThat(r.scopesGranted()).isEqualTo(Map.of("customers:read", later, "payments:write", T0));
        assertThat(r.scopesUsed()).isEqualTo(Map.of("payments:write", T0));
        assertThat(r.credentials()).hasSize(1);
        CredentialRecord c = r.credentials().values().iterator().next();
        assertThat(c.requestCount()).isEqualTo(5);
        assertThat(c.firstSeen()).isEqualTo(T0);
        assertThat(c.lastSeen()).isEqualTo(later);
        assertThat(c.kinds()).containsExactlyInAnyOrder(CredentialKind.BEARER_JWT);
        assertThat(c.expiresAt()).as("the latest expiry of the client's tokens").isEqualTo(T0.plus(Duration.ofDays(1)));
        assertThat(c.longestTokenLifetime()).isEqualTo(Duration.ofDays(1));
        assertThat(c.unboundSensitiveUses()).isEqualTo(2);
    }

    @Test
    void aMisuseDoesNotCountAsTheCallersUse() {
        Instant later = T0.plus(Duration.ofHours(2));
        store.record(delta(caller, T0, Set.of("customers:read"), Set.of("customers:read")));
        CredentialRecord misused = new CredentialRecord(
                CredentialRecord.Type.TOKEN,
                caller.issuer(),
                caller.id(),
                Set.of(CredentialKind.BEARER_JWT),
                later,
                later,
                0,
                null,
                null,
                0,
                1,
                later);
        CallerRecord misuse =
                new CallerRecord(caller, later, later, 0, Set.of(), Map.of(), Map.of(), Map.of(misused.key(), misused));
        store.record(misuse);
        settle(store);
        store.record(misuse);
        settle(store);
        CallerRecord r = store.get(caller).orElseThrow();
        assertThat(r.requestCount()).isEqualTo(1);
        assertThat(r.lastSeen()).as("a misuse is not the caller's request").isEqualTo(T0);
        CredentialRecord c = r.credentials().values().iterator().next();
        assertThat(c.requestCount()).isEqualTo(1);
        assertThat(c.lastSeen()).isEqualTo(T0);
        assertThat(c.misuses()).isEqualTo(2);
        assertThat(c.lastMisused()).isEqualTo(later);
        assertThat(c.expiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(10)));
    }

    @Test
    void scopesAndCredentialsAreBoundedKeepingTheMostRecent() {
        int scopes = LedgerStore.MAX_SCOPES_PER_CALLER + 44;
        int credentials = LedgerStore.MAX_CREDENTIALS_PER_CALLER + 4;
        for (int batch = 0; batch < 3; batch++) {
            Map<String, Instant> granted = new HashMap<>();
            for (int i = batch; i < scopes; i += 3) {
                granted.put("scope:" + i, T0.plusSeconds(i));
            }
            LinkedHashMap<String, CredentialRecord> creds = new LinkedHashMap<>();
            for (int i = batch; i < credentials; i += 3) {
                CredentialRecord c = new CredentialRecord(
                        CredentialRecord.Type.API_KEY,
                        null,
                        "key-" + i,
                        Set.of(CredentialKind.API_KEY),
                        T0.plusSeconds(i),
                        T0.plusSeconds(i),
                        1,
                        null,
                        null,
                        0,
                        0,
                        null);
                creds.put(c.key(), c);
            }
            store.record(new CallerRecord(
                    caller, T0, T0.plusSeconds(scopes), 1, Set.of(CredentialKind.API_KEY), granted, granted, creds));
            settle(store);
        }
        CallerRecord r = store.get(caller).orElseThrow();
        assertThat(r.scopesGranted()).hasSize(LedgerStore.MAX_SCOPES_PER_CALLER);
        assertThat(r.scopesUsed()).hasSize(LedgerStore.MAX_SCOPES_PER_CALLER);
        assertThat(r.scopesGranted()).doesNotContainKey("scope:43").containsKey("scope:44");
        assertThat(r.credentials().values().stream().map(CredentialRecord::id).toList())
                .as("the most recently seen, least recently seen first")
                .containsExactly(java.util.stream.IntStream.range(4, credentials)
                        .mapToObj(i -> "key-" + i)
                        .toArray(String[]::new));
        assertThat(r.requestCount()).isEqualTo(3);
    }

    @Test
    void snapshotHoldsEveryCallerLeastRecentlySeenFirst() {
        CallerKey other = TwoNodesTest.key("other-" + UUID.randomUUID());
        CallerKey namesake = CallerKey.apiKey(caller.id());
        store.record(delta(other, T0.plusSeconds(10), Set.of("b"), Set.of()));
        store.record(delta(caller, T0.plusSeconds(20), Set.of("a"), Set.of()));
        store.record(delta(namesake, T0.plusSeconds(30), Set.of("c"), Set.of()));
        settle(store);
        List<CallerRecord> all = store.snapshot();
        assertThat(all.stream().map(CallerRecord::key).toList()).containsExactly(other, caller, namesake);
        assertThat(store.size()).isEqualTo(3);
        assertThat(store.isDegraded()).isFalse();
    }

    @Test
    void theLeastRecentlySeenCallerIsEvictedBeyondTheBound() {
        LedgerStore small = newStore(2);
        CallerKey a = TwoNodesTest.key("a-" + UUID.randomUUID());
        CallerKey b = TwoNodesTest.key("b-" + UUID.randomUUID());
        CallerKey c = TwoNodesTest.key("c-" + UUID.randomUUID());
        small.record(delta(a, T0, Set.of(), Set.of()));
        small.record(delta(b, T0.plusSeconds(1), Set.of(), Set.of()));
        settle(small);
        small.record(delta(c, T0.plusSeconds(2), Set.of(), Set.of()));
        settle(small);
        assertThat(small.snapshot().stream().map(CallerRecord::key).toList()).containsExactly(b, c);
        assertThat(small.get(a)).isEmpty();
        assertThat(small.size()).isEqualTo(2);
    }

    @Test
    void updateReplacesTheRecord() {
        store.record(delta(caller, T0, Set.of("a"), Set.of("a")));
        settle(store);
        CallerRecord replaced = store.update(caller, previous -> {
            assertThat(previous).isNotNull();
            assertThat(previous.requestCount()).isEqualTo(1);
            return new CallerRecord(
                    caller,
                    previous.firstSeen(),
                    previous.lastSeen(),
                    7,
                    previous.credentialKinds(),
                    Map.of("b", T0),
                    Map.of(),
                    Map.of());
        });
        assertThat(replaced.requestCount()).isEqualTo(7);
        settle(store);
        CallerRecord r = store.get(caller).orElseThrow();
        assertThat(r.requestCount()).isEqualTo(7);
        assertThat(r.scopesGranted()).isEqualTo(Map.of("b", T0));
        assertThat(r.scopesUsed()).isEmpty();
        assertThat(r.credentials()).isEmpty();
    }
}
