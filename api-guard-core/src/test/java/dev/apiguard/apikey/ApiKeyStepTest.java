package dev.apiguard.apikey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ApiKeyStepTest {

    static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");
    static final Instant SUNSET = Instant.parse("2025-04-01T00:00:00Z");

    final List<SecurityEvent> events = new ArrayList<>();
    final AtomicInteger lookups = new AtomicInteger();
    ApiKeyStore store;
    String key;
    String keyId;

    @BeforeEach
    void setUp() {
        ApiKeyStore local = ApiKeyStore.inMemory();
        store = new CountingStore(local);
        key = ApiKeys.generate();
        String hash = ApiKeys.sha256Hex(key);
        keyId = ApiKeys.keyId(hash);
        local.register(ApiKeyRecord.of(
                hash,
                "legacy-partner",
                Set.of("customers:read"),
                NOW.minus(Duration.ofDays(10)),
                NOW.plus(Duration.ofDays(30))));
    }

    /** Counts lookups, so that tests can show a malformed key never reaches the store. */
    final class CountingStore implements ApiKeyStore {
        final ApiKeyStore delegate;

        CountingStore(ApiKeyStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public Optional<ApiKeyRecord> find(String id) {
            lookups.incrementAndGet();
            return delegate.find(id);
        }

        @Override
        public void register(ApiKeyRecord k) {
            delegate.register(k);
        }

        @Override
        public boolean revoke(String id) {
            return delegate.revoke(id);
        }

        @Override
        public boolean isRevoked(String id) {
            return delegate.isRevoked(id);
        }
    }

    ApiKeyStep step() {
        return ApiKeyStep.builder(store)
                .deprecation(NOW.minus(Duration.ofDays(1)))
                .sunset(SUNSET)
                .migrationLink(URI.create("https://api.example/docs/migrate"))
                .build();
    }

    ApiGuard guard(Clock clock) {
        return ApiGuard.builder()
                .clock(clock)
                .listener(events::add)
                .step(step())
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/customers")
                        .requireScopes("customers:read")
                        .route("POST", "/payments")
                        .requireScopes("payments:write")
                        .build()))
                .build();
    }

    GuardExchange send(FakeRequest request) {
        return send(request, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    GuardExchange send(FakeRequest request, Clock clock) {
        ApiGuard guard = guard(clock);
        GuardExchange exchange = guard.exchange(request);
        guard.evaluate(exchange);
        return exchange;
    }

    static int status(GuardExchange e) {
        return e.decision() instanceof Decision.Deny d ? d.status() : 200;
    }

    List<dev.apiguard.event.EventType> eventTypes() {
        return events.stream().map(SecurityEvent::type).toList();
    }

    @Test
    void validKeyAuthenticatesItsClientAsApiKeyCaller() {
        GuardExchange e = send(FakeRequest.of("GET", "/customers").header("X-API-Key", key));
        assertThat(status(e)).isEqualTo(200);
        Caller caller = e.caller().orElseThrow();
        assertThat(caller.id()).isEqualTo("legacy-partner");
        assertThat(caller.kind()).isEqualTo(CredentialKind.API_KEY);
        assertThat(caller.scopes()).containsExactly("customers:read");
        assertThat(caller.tokenId()).isEqualTo(keyId);
        assertThat(eventTypes()).contains(SecurityEventType.API_KEY_ACCEPTED);
        assertThat(events.toString()).doesNotContain(key);
    }

    @Test
    void keyAuthenticatedResponsesCarryExactDeprecationSunsetAndLink() {
        GuardExchange e = send(FakeRequest.of("GET", "/customers").header("X-API-Key", key));
        assertThat(e.responseHeaders())
                .containsExactly(
                        Map.entry("Deprecation", "@1735603200"),
                        Map.entry("Sunset", "Tue, 01 Apr 2025 00:00:00 GMT"),
                        Map.entry(
                                "Link", "<https://api.example/docs/migrate>; rel=\"deprecation\"; type=\"text/html\""));
    }

    @Test
    void refusalAfterAuthenticationStillCarriesTheDeprecationHeaders() {
        GuardExchange e = send(FakeRequest.of("POST", "/payments").header("X-API-Key", key));
        assertThat(status(e)).isEqualTo(403);
        assertThat(e.responseHeaders()).extracting(Map.Entry::getKey).containsExactly("Deprecation", "Sunset", "Link");
    }

    @Test
    void sunsetDayIsTwoDigitsAsImfFixdateRequires() {
        assertThat(ApiKeyStep.sunsetValue(Instant.parse("2026-03-05T07:08:09Z")))
                .isEqualTo("Thu, 05 Mar 2026 07:08:09 GMT");
        assertThat(ApiKeyStep.deprecationValue(Instant.parse("2025-01-01T00:00:00Z")))
                .isEqualTo("@1735689600");
    }

    static Stream<String> malformed() {
        String valid = ApiKeys.generate();
        return Stream.of(
                "",
                "apg_",
                "not-a-key",
                valid.substring(0, 55) + (valid.charAt(55) == '0' ? '1' : '0'),
                valid + "x",
                "Bearer " + valid,
                "x".repeat(300));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedKeyIsRefusedWithoutLookup(String value) {
        GuardExchange e = send(FakeRequest.of("GET", "/customers").header("X-API-Key", value));
        assertThat(status(e)).isEqualTo(401);
        assertThat(lookups).hasValue(0);
        assertThat(events).anySatisfy(ev -> {
            assertThat(ev.type()).isEqualTo(SecurityEventType.API_KEY_REJECTED);
            assertThat(ev.details()).as("no key id: nothing was looked up").isEqualTo(Map.of("reason", "malformed"));
        });
        assertThat(e.responseHeaders()).isEmpty();
    }

    @Test
    void wellFormedUnknownKeyIsRefused() {
        String unknown = ApiKeys.generate();
        GuardExchange e = send(FakeRequest.of("GET", "/customers").header("X-API-Key", unknown));
        assertThat(status(e)).isEqualTo(401);
        assertThat(lookups).hasValue(1);
        assertThat(events)
                .anySatisfy(ev -> assertThat(ev.details())
                        .isEqualTo(Map.of("reason", "unknown", "keyId", ApiKeys.keyId(ApiKeys.sha256Hex(unknown)))));
    }

    @Test
    void recordFoundByIdWhoseHashDiffersIsRefused() {
        // the store is asked by key id only; the full hash is then compared in constant time
        String other = ApiKeys.generate();
        ApiKeyStore colliding = new ApiKeyStore() {
            @Override
            public Optional<ApiKeyRecord> find(String id) {
                String hash = ApiKeys.sha256Hex(key);
                String forged = id + hash.substring(16, 63) + (hash.charAt(63) == 'a' ? 'b' : 'a');
                return Optional.of(new ApiKeyRecord(
                        id,
                        forged,
                        "victim",
                        Set.of("customers:read"),
                        NOW.minusSeconds(60),
                        NOW.plus(Duration.ofDays(1))));
            }

            @Override
            public void register(ApiKeyRecord k) {}

            @Override
            public boolean revoke(String id) {
                return false;
            }

            @Override
            public boolean isRevoked(String id) {
                return false;
            }
        };
        store = colliding;
        GuardExchange e = send(FakeRequest.of("GET", "/customers").header("X-API-Key", key));
        assertThat(status(e)).isEqualTo(401);
        assertThat(e.caller()).isEmpty();
        assertThat(other).isNotEqualTo(key);
    }

    @Test
    void expiredKeyIsRefused() {
        Clock later = Clock.fixed(NOW.plus(Duration.ofDays(30)), ZoneOffset.UTC);
        GuardExchange e = send(FakeRequest.of("GET", "/customers").header("X-API-Key", key), later);
        assertThat(status(e)).isEqualTo(401);
        assertThat(events).anySatisfy(ev -> assertThat(ev.detail("reason")).isEqualTo("expired"));
        Clock justBefore = Clock.fixed(NOW.plus(Duration.ofDays(30)).minusSeconds(1), ZoneOffset.UTC);
        assertThat(status(send(FakeRequest.of("GET", "/customers").header("X-API-Key", key), justBefore)))
                .isEqualTo(200);
    }

    @Test
    void everyKeyIsRefusedFromTheSunsetOn() {
        String late = ApiKeys.generate();
        String lateId = ApiKeys.keyId(ApiKeys.sha256Hex(late));
        store.register(ApiKeyRecord.of(
                ApiKeys.sha256Hex(late),
                "late-partner",
                Set.of("customers:read"),
                NOW,
                SUNSET.plus(Duration.ofDays(30))));
        Clock justBefore = Clock.fixed(SUNSET.minusSeconds(1), ZoneOffset.UTC);
        assertThat(status(send(FakeRequest.of("GET", "/customers").header("X-API-Key", late), justBefore)))
                .isEqualTo(200);
        events.clear();
        GuardExchange atSunset = send(
                FakeRequest.of("GET", "/customers").header("X-API-Key", late), Clock.fixed(SUNSET, ZoneOffset.UTC));
        assertThat(status(atSunset)).isEqualTo(401);
        assertThat(atSunset.caller()).isEmpty();
        assertThat(events).anySatisfy(ev -> {
            assertThat(ev.type()).isEqualTo(SecurityEventType.API_KEY_REJECTED);
            assertThat(ev.detail("reason")).isEqualTo("sunset");
            assertThat(ev.detail("keyId")).isEqualTo(lateId);
        });
        assertThat(status(send(
                        FakeRequest.of("GET", "/customers").header("X-API-Key", late),
                        Clock.fixed(SUNSET.plus(Duration.ofDays(1)), ZoneOffset.UTC))))
                .isEqualTo(401);
    }

    @Test
    void revocationTakesEffectAtOnce() {
        ApiGuard guard = guard(Clock.fixed(NOW, ZoneOffset.UTC));
        GuardExchange first = guard.exchange(FakeRequest.of("GET", "/customers").header("X-API-Key", key));
        assertThat(guard.evaluate(first).isAllowed()).isTrue();
        assertThat(store.revoke(keyId)).isTrue();
        GuardExchange second =
                guard.exchange(FakeRequest.of("GET", "/customers").header("X-API-Key", key));
        assertThat(status(guardEvaluate(guard, second))).isEqualTo(401);
        assertThat(events).anySatisfy(ev -> assertThat(ev.detail("reason")).isEqualTo("revoked"));
        assertThat(store.revoke("0000000000000000")).isFalse();
    }

    private static GuardExchange guardEvaluate(ApiGuard guard, GuardExchange e) {
        guard.evaluate(e);
        return e;
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"api_key", "apikey", "key"})
    void keyInQueryStringIsRefusedWithAnEvent(String parameter) {
        GuardExchange e = send(FakeRequest.of("GET", "/customers").query(parameter));
        assertThat(status(e)).isEqualTo(401);
        assertThat(((Decision.Deny) e.decision()).problem().type()).endsWith("api-key-in-query");
        assertThat(events).anySatisfy(ev -> {
            assertThat(ev.type()).isEqualTo(SecurityEventType.CREDENTIAL_MISPLACED);
            assertThat(ev.detail("parameter")).isEqualTo(parameter);
        });
    }

    /** Issue 13, item 4: the query is read whole, as the container reads it; the cap was 1,000 parameters. */
    @ParameterizedTest(name = "{0} parameters before it")
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, 999, 1000, 3000})
    void aKeyInTheQueryIsSeenWhereverItStands(int before) {
        GuardExchange e = send(FakeRequest.of("GET", "/customers").rawQuery("a&".repeat(before) + "%61pi_key=k"));
        assertThat(status(e)).isEqualTo(401);
        assertThat(((Decision.Deny) e.decision()).problem().type()).endsWith("api-key-in-query");
        assertThat(events).anySatisfy(ev -> assertThat(ev.type()).isEqualTo(SecurityEventType.CREDENTIAL_MISPLACED));
    }

    @Test
    void keyInQueryStringIsRefusedEvenWithAValidHeader() {
        GuardExchange e = send(
                FakeRequest.of("GET", "/customers").header("X-API-Key", key).query("api_key"));
        assertThat(status(e)).isEqualTo(401);
        assertThat(e.caller()).isEmpty();
    }

    @Test
    void twoKeyHeadersAreABadRequest() {
        GuardExchange e = send(
                FakeRequest.of("GET", "/customers").header("X-API-Key", key).header("X-API-Key", key));
        assertThat(status(e)).isEqualTo(400);
        assertThat(lookups).hasValue(0);
        assertThat(events).anySatisfy(ev -> assertThat(ev.detail("reason")).isEqualTo("multiple_api_key_headers"));
    }

    @Test
    void noKeyLeavesTheRequestToTheRouteStep() {
        GuardExchange e = send(FakeRequest.of("GET", "/customers"));
        assertThat(status(e)).isEqualTo(401);
        assertThat(eventTypes()).containsExactly(SecurityEventType.CREDENTIAL_MISSING);
    }

    @Test
    void aTokenCallerIsNeverReplacedByAKey() {
        Caller tokenCaller = Caller.builder("token-client", CredentialKind.BEARER_JWT)
                .issuer("https://issuer")
                .scopes(Set.of("customers:read"))
                .build();
        ApiGuard guard = ApiGuard.builder()
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .listener(events::add)
                .step(new dev.apiguard.GuardStep() {
                    @Override
                    public String name() {
                        return "fake-token";
                    }

                    @Override
                    public Decision evaluate(GuardExchange exchange) {
                        exchange.authenticate(tokenCaller);
                        return Decision.ALLOW;
                    }
                })
                .step(step())
                .build();
        GuardExchange e = guard.exchange(
                FakeRequest.of("GET", "/customers").header("X-API-Key", key).query("key"));
        assertThat(guard.evaluate(e).isAllowed()).isTrue();
        assertThat(e.caller()).contains(tokenCaller);
        assertThat(lookups).hasValue(0);
        assertThat(e.responseHeaders()).isEmpty();
        assertThat(eventTypes()).containsExactly(SecurityEventType.CREDENTIAL_MISPLACED);
        // without a key in the query there is nothing to report
        GuardExchange clean = guard.exchange(FakeRequest.of("GET", "/customers").header("X-API-Key", key));
        assertThat(guard.evaluate(clean).isAllowed()).isTrue();
        assertThat(eventTypes()).containsExactly(SecurityEventType.CREDENTIAL_MISPLACED);
    }

    @Test
    void theQueryParametersThatMeanAMisplacedKeyCanBeNamed() {
        ApiKeyStep named = ApiKeyStep.builder(store)
                .deprecation(NOW.minus(Duration.ofDays(1)))
                .sunset(SUNSET)
                .queryParameters("partner_secret")
                .build();
        ApiGuard guard = ApiGuard.builder()
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .listener(events::add)
                .step(named)
                .build();
        GuardExchange misplaced =
                guard.exchange(FakeRequest.of("GET", "/customers").query("partner_secret"));
        assertThat(guard.evaluate(misplaced).isAllowed()).isFalse();
        assertThat(events)
                .singleElement()
                .satisfies(ev -> assertThat(ev.details())
                        .isEqualTo(
                                Map.of("location", "query", "credential", "api_key", "parameter", "partner_secret")));
        // the default names are no longer looked at
        assertThat(guard.evaluate(guard.exchange(
                                FakeRequest.of("GET", "/customers").query("api_key")))
                        .isAllowed())
                .isTrue();
        assertThatThrownBy(() -> ApiKeyStep.builder(store).queryParameters("key", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty name");
        assertThatThrownBy(() -> ApiKeyStep.builder(store).queryParameters((String) null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(
            strings = {
                "/relative",
                "ftp://api.example/docs",
                "mailto:docs@api.example",
                "urn:docs:migrate",
                "//api.example/docs",
                "https:///docs",
                "http:/docs"
            })
    void migrationLinkMustBeAnAbsoluteHttpUrl(String url) {
        assertThatThrownBy(() -> ApiKeyStep.builder(store).migrationLink(URI.create(url)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("migrationLink");
    }

    @Test
    void withoutAMigrationLinkNoLinkHeaderIsSent() {
        ApiKeyStep plain = ApiKeyStep.builder(store)
                .deprecation(NOW.minus(Duration.ofDays(1)))
                .sunset(SUNSET)
                .migrationLink(URI.create("http://api.example/docs"))
                .build();
        assertThat(plain).isNotNull();
        ApiGuard g = ApiGuard.builder()
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .step(ApiKeyStep.builder(store)
                        .deprecation(NOW.minus(Duration.ofDays(1)))
                        .sunset(SUNSET)
                        .build())
                .build();
        GuardExchange e = g.exchange(FakeRequest.of("GET", "/customers").header("X-API-Key", key));
        assertThat(g.evaluate(e).isAllowed()).isTrue();
        assertThat(e.caller()).isPresent();
        assertThat(e.responseHeaders()).extracting(Map.Entry::getKey).containsExactly("Deprecation", "Sunset");
        assertThat(g.steps().get(0).name()).isEqualTo("apikey");
    }

    /** A link with non-ASCII characters goes out percent-encoded: a header carries visible ASCII only. */
    @Test
    void aMigrationLinkWithNonAsciiCharactersIsSentPercentEncoded() {
        ApiGuard g = ApiGuard.builder()
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .step(ApiKeyStep.builder(store)
                        .deprecation(NOW.minus(Duration.ofDays(1)))
                        .sunset(SUNSET)
                        .migrationLink(URI.create("https://api.example/d\u00e9marche"))
                        .build())
                .build();
        GuardExchange e = g.exchange(FakeRequest.of("GET", "/customers").header("X-API-Key", key));
        assertThat(g.evaluate(e).isAllowed()).isTrue();
        assertThat(e.responseHeaders())
                .contains(Map.entry(
                        "Link", "<https://api.example/d%C3%A9marche>; rel=\"deprecation\"; type=\"text/html\""));
    }

    @Test
    void builderNamesMissingOrInconsistentDates() {
        assertThatThrownBy(() -> ApiKeyStep.builder(store).sunset(SUNSET).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("deprecation");
        assertThatThrownBy(() -> ApiKeyStep.builder(store).deprecation(NOW).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sunset");
        assertThatThrownBy(() -> ApiKeyStep.builder(store)
                        .deprecation(SUNSET)
                        .sunset(NOW)
                        .build())
                .hasMessageContaining("sunset must be after deprecation");
        assertThatThrownBy(() -> ApiKeyStep.builder(store).migrationLink(URI.create("/relative")))
                .hasMessageContaining("migrationLink");
    }

    @Test
    void storeRefusesKeysLivingLongerThanItsMaximum() {
        ApiKeyStore s = ApiKeyStore.inMemory(Duration.ofDays(90));
        String hash = ApiKeys.sha256Hex(ApiKeys.generate());
        assertThatThrownBy(() -> s.register(ApiKeyRecord.of(hash, "p", Set.of(), NOW, NOW.plus(Duration.ofDays(91)))))
                .hasMessageContaining("maxLifetime");
        s.register(ApiKeyRecord.of(hash, "p", Set.of(), NOW, NOW.plus(Duration.ofDays(90))));
        assertThatThrownBy(() -> s.register(ApiKeyRecord.of(hash, "p", Set.of(), NOW, NOW.plus(Duration.ofDays(1)))))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> ApiKeyRecord.of(hash, "p", Set.of(), NOW, null))
                .hasMessageContaining("expires");
    }
}
