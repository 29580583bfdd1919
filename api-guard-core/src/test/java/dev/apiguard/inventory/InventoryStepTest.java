package dev.apiguard.inventory;

import static dev.apiguard.inventory.InventoryFixture.ISSUER;
import static dev.apiguard.inventory.InventoryFixture.T0;
import static dev.apiguard.inventory.InventoryFixture.apiKey;
import static dev.apiguard.inventory.InventoryFixture.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.Caller;
import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.inventory.InventoryReport.CallerReport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InventoryStepTest {

    @Test
    void recordsFirstAndLastSeenCountKindsAndCredential() {
        InventoryFixture f = new InventoryFixture();
        Caller partner = token("partner-a", "customers:read");
        f.send(partner, "GET", "/customers");
        f.clock.advance(Duration.ofMinutes(5));
        f.send(partner, "GET", "/customers");
        CallerRecord r = f.ledger().caller(InventoryFixture.key("partner-a")).orElseThrow();
        assertThat(r.firstSeen()).isEqualTo(T0);
        assertThat(r.lastSeen()).isEqualTo(T0.plus(Duration.ofMinutes(5)));
        assertThat(r.requestCount()).isEqualTo(2);
        assertThat(r.credentialKinds()).containsExactly(CredentialKind.BEARER_JWT);
        CredentialRecord c = r.credentials().values().iterator().next();
        assertThat(c.type()).isEqualTo(CredentialRecord.Type.TOKEN);
        assertThat(c.issuer()).isEqualTo(ISSUER);
        assertThat(c.id()).isEqualTo("partner-a");
        assertThat(c.longestTokenLifetime()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.requestCount()).isEqualTo(2);
    }

    @Test
    void theStepNeverRefusesAndIgnoresAnonymousRequests() {
        InventoryFixture f = new InventoryFixture();
        assertThat(f.send(null, "GET", "/customers")).isEqualTo(401);
        assertThat(f.send(null, "GET", "/health")).isEqualTo(200);
        assertThat(f.ledger().size()).isZero();
        assertThat(f.inventory.name()).isEqualTo("inventory");
    }

    @Test
    void leastPrivilegeDiffShowsGrantedScopesNeverExercised() {
        InventoryFixture f = new InventoryFixture();
        Caller partner = token("partner-b", "customers:read payments:write");
        f.send(partner, "GET", "/customers");
        CallerReport r = f.ledger().report().caller("partner-b").orElseThrow();
        assertThat(r.scopesGranted()).containsExactly("customers:read", "payments:write");
        assertThat(r.scopesUsed()).containsExactly("customers:read");
        assertThat(r.scopesUnused()).containsExactly("payments:write");
        assertThat(r.flags()).contains(InventoryReport.UNUSED_SCOPES);

        f.send(partner, "POST", "/payments");
        CallerReport after = f.ledger().report().caller("partner-b").orElseThrow();
        assertThat(after.scopesUnused()).isEmpty();
        assertThat(after.flags()).doesNotContain(InventoryReport.UNUSED_SCOPES);
    }

    @Test
    void refusedRequestsCountButExerciseNothing() {
        InventoryFixture f = new InventoryFixture();
        Caller reader = token("reader", "customers:read");
        assertThat(f.send(reader, "POST", "/payments")).isEqualTo(403);
        CallerRecord r = f.ledger().caller(InventoryFixture.key("reader")).orElseThrow();
        assertThat(r.requestCount()).isEqualTo(1);
        assertThat(r.scopesUsed()).isEmpty();
    }

    @Test
    void anyOfRuleExercisesOnlyTheScopeTheCallerHeld() {
        InventoryFixture f = new InventoryFixture();
        f.send(token("analyst", "reports:all customers:read"), "GET", "/reports");
        assertThat(f.ledger()
                        .caller(InventoryFixture.key("analyst"))
                        .orElseThrow()
                        .scopesUsed())
                .containsOnlyKeys("reports:all");
    }

    @Test
    void scopeExercisedOnlyBeforeTheWindowCountsAsUnused() {
        InventoryFixture f = new InventoryFixture(InventoryPolicy.builder().leastPrivilegeWindow(Duration.ofDays(7)));
        Caller partner = token("partner", "customers:read payments:write");
        f.send(partner, "POST", "/payments");
        f.clock.advance(Duration.ofDays(8));
        f.send(partner, "GET", "/customers");
        CallerReport r = f.ledger().report().caller("partner").orElseThrow();
        assertThat(r.scopesUsed()).containsExactly("customers:read");
        assertThat(r.scopesUnused()).containsExactly("payments:write");
    }

    @Test
    void ledgerIsBoundedAndEvictsTheLeastRecentlySeen() {
        InventoryFixture f = new InventoryFixture(InventoryPolicy.builder(), 3);
        for (String id : List.of("a", "b", "c")) {
            f.send(token(id, "customers:read"), "GET", "/customers");
            f.clock.advance(Duration.ofSeconds(1));
        }
        f.send(token("a", "customers:read"), "GET", "/customers"); // a is now the most recent
        f.send(token("d", "customers:read"), "GET", "/customers");
        assertThat(f.ledger().callers()).extracting(CallerRecord::id).containsExactly("a", "c", "d");
        assertThat(f.ledger().caller(InventoryFixture.key("a")).orElseThrow().requestCount())
                .isEqualTo(2);
    }

    @Test
    void manyCallersStayWithinTheCap() {
        InventoryFixture f = new InventoryFixture(InventoryPolicy.builder(), 1_000);
        for (int i = 0; i < 20_000; i++) {
            f.send(token("client-" + i, "customers:read"), "GET", "/customers");
        }
        assertThat(f.ledger().size()).isEqualTo(1_000);
        assertThat(f.ledger().caller(InventoryFixture.key("client-19999"))).isPresent();
        assertThat(f.ledger().caller(InventoryFixture.key("client-18999"))).isEmpty();
        assertThat(f.ledger().caller(InventoryFixture.key("client-19000"))).isPresent();
    }

    @Test
    void defaultCapIsTenThousandAndSettingsAreChecked() {
        assertThat(LedgerStore.DEFAULT_MAX_CALLERS).isEqualTo(10_000);
        assertThatThrownBy(() -> LedgerStore.inMemory(0)).hasMessageContaining("maxCallers");
        assertThatThrownBy(() -> InventoryPolicy.builder().sensitiveRoute("post", "/payments"))
                .hasMessageContaining("sensitiveRoute");
        assertThatThrownBy(() -> InventoryPolicy.builder().staleAfter(Duration.ofHours(1)))
                .hasMessageContaining("staleAfter");
    }

    @Test
    void staleCallersAndCredentialsAreFlagged() {
        InventoryFixture f = new InventoryFixture(InventoryPolicy.builder().staleAfter(Duration.ofDays(30)));
        f.send(token("dormant", "customers:read"), "GET", "/customers");
        f.send(
                apiKey("old-key", "00112233aabbccdd", "customers:read", T0.plus(Duration.ofDays(60))),
                "GET",
                "/customers");
        f.send(
                apiKey("expired-key", "99887766aabbccdd", "customers:read", T0.plus(Duration.ofDays(10))),
                "GET",
                "/customers");
        f.clock.advance(Duration.ofDays(29));
        f.send(token("active", "customers:read"), "GET", "/customers");
        assertThat(f.ledger().report().staleCredentials()).isEmpty();

        f.clock.advance(Duration.ofDays(2));
        InventoryReport report = f.ledger().report();
        assertThat(report.caller("dormant").orElseThrow().flags()).contains(InventoryReport.STALE);
        assertThat(report.caller("active").orElseThrow().flags()).doesNotContain(InventoryReport.STALE);
        // stale means still valid and unused: an expired key is not an offboarding candidate any more
        assertThat(report.staleCredentials())
                .extracting(c -> c.credential().id())
                .containsExactlyInAnyOrder("dormant", "00112233aabbccdd");
    }

    @Test
    void weakCredentialsApiKeyUnboundSensitiveLongLived() {
        InventoryFixture f = new InventoryFixture(InventoryPolicy.builder()
                .sensitiveScopes("payments:write")
                .sensitiveRoute("GET", "/reports")
                .maxTokenLifetime(Duration.ofHours(1)));
        f.send(
                apiKey("legacy", "0123456789abcdef", "customers:read", T0.plus(Duration.ofDays(60))),
                "GET",
                "/customers");
        f.send(token("payer", "payments:write"), "POST", "/payments");
        f.send(token("analyst", "reports:read"), "GET", "/reports");
        f.send(token("reader", "customers:read"), "GET", "/customers");
        f.send(token("long-lived", "customers:read", Duration.ofDays(30)), "GET", "/customers");
        Caller bound = token("bound-payer", "payments:write").boundTo(CredentialKind.MTLS_BOUND_JWT, "thumb");
        f.send(bound, "POST", "/payments");

        InventoryReport report = f.ledger().report();
        assertThat(report.caller("legacy").orElseThrow().flags()).containsExactly(InventoryReport.API_KEY);
        assertThat(report.caller("payer").orElseThrow().flags())
                .containsExactly(InventoryReport.UNBOUND_ON_SENSITIVE_ROUTE);
        assertThat(report.caller("analyst").orElseThrow().flags())
                .containsExactly(InventoryReport.UNBOUND_ON_SENSITIVE_ROUTE);
        assertThat(report.caller("reader").orElseThrow().flags()).isEmpty();
        assertThat(report.caller("long-lived").orElseThrow().flags())
                .containsExactly(InventoryReport.TOKEN_LIFETIME_OVER_POLICY);
        CallerReport boundReport = report.caller("bound-payer").orElseThrow();
        assertThat(boundReport.flags()).isEmpty();
        assertThat(boundReport.credentials())
                .extracting(c -> c.credential().type())
                .containsExactly(CredentialRecord.Type.CERTIFICATE, CredentialRecord.Type.TOKEN);
        assertThat(report.weakCredentials()).hasSize(4);
    }

    @Test
    void certificateCloseToExpiryIsWeak() {
        InventoryPolicy policy = InventoryPolicy.builder()
                .certificateExpiryWarning(Duration.ofDays(14))
                .build();
        LedgerStore store = LedgerStore.inMemory(LedgerStore.DEFAULT_MAX_CALLERS);
        for (var e : Map.of("soon", T0.plus(Duration.ofDays(13)), "later", T0.plus(Duration.ofDays(15)))
                .entrySet()) {
            CredentialRecord cert = new CredentialRecord(
                    CredentialRecord.Type.CERTIFICATE,
                    null,
                    "thumb-" + e.getKey(),
                    Set.of(CredentialKind.MTLS),
                    T0,
                    T0,
                    1,
                    e.getValue(),
                    null,
                    0,
                    0,
                    null);
            CallerKey key = CallerKey.mtlsClient(e.getKey());
            store.update(
                    key,
                    old -> new CallerRecord(
                            key, T0, T0, 1, Set.of(CredentialKind.MTLS), Map.of(), Map.of(), Map.of(cert.key(), cert)));
        }
        InventoryReport report = InventoryStep.of(policy, store).inventory().report(T0);
        assertThat(report.caller("soon").orElseThrow().flags()).containsExactly(InventoryReport.CERTIFICATE_EXPIRING);
        assertThat(report.caller("later").orElseThrow().flags()).isEmpty();
    }

    @Test
    void riskComesFromTheRiskViewAndAFailingViewIsIgnored() {
        RiskView view = (key, at) -> switch (key.id()) {
            case "scraper" -> Optional.of(new RiskView.Risk(0.92, "quarantine"));
            case "broken" -> throw new IllegalStateException("scorer down");
            default -> Optional.empty();
        };
        InventoryFixture f = new InventoryFixture(InventoryPolicy.builder().riskView(view));
        f.send(token("scraper", "customers:read"), "GET", "/customers");
        f.send(token("broken", "customers:read"), "GET", "/customers");
        f.send(token("quiet", "customers:read"), "GET", "/customers");
        InventoryReport report = f.ledger().report();
        assertThat(report.caller("scraper").orElseThrow().risk()).isEqualTo(new RiskView.Risk(0.92, "quarantine"));
        assertThat(report.caller("broken").orElseThrow().risk()).isNull();
        assertThat(report.caller("quiet").orElseThrow().risk()).isNull();
    }

    @Test
    void aTokenAndAnApiKeyOfOneClientIdAreTwoCallers() {
        // API keys keep their own namespace: a key named like a token client never shares its record
        InventoryFixture f = new InventoryFixture();
        f.send(token("partner", "customers:read"), "GET", "/customers");
        f.send(
                apiKey("partner", "0123456789abcdef", "customers:read", T0.plus(Duration.ofDays(5))),
                "GET",
                "/customers");
        CallerRecord token = f.ledger().caller(InventoryFixture.key("partner")).orElseThrow();
        CallerRecord key = f.ledger().caller(CallerKey.apiKey("partner")).orElseThrow();
        assertThat(token.credentialKinds()).containsExactly(CredentialKind.BEARER_JWT);
        assertThat(key.credentialKinds()).containsExactly(CredentialKind.API_KEY);
        assertThat(key.credentials().values()).singleElement().satisfies(c -> {
            assertThat(c.type()).isEqualTo(CredentialRecord.Type.API_KEY);
            assertThat(c.expiresAt()).isEqualTo(T0.plus(Duration.ofDays(5)));
        });
        assertThat(f.ledger().callers()).extracting(CallerRecord::id).containsExactly("partner", "partner");
    }

    @Test
    void namesakesAtTwoIssuersAreTwoCallersSideBySide() {
        InventoryFixture f = new InventoryFixture();
        f.send(token("partner", "customers:read"), "GET", "/customers");
        f.send(
                Caller.builder("partner", CredentialKind.BEARER_JWT)
                        .subject("partner")
                        .issuer("https://other-issuer.example")
                        .scopes(Set.of("customers:read"))
                        .issuedAt(T0)
                        .expiresAt(T0.plusSeconds(600))
                        .tokenId("jti")
                        .build(),
                "GET",
                "/customers");
        assertThat(f.ledger().callers())
                .extracting(CallerRecord::issuer)
                .containsExactly(InventoryFixture.ISSUER, "https://other-issuer.example");
        assertThat(f.ledger().report().callers())
                .extracting(InventoryReport.CallerReport::issuer)
                .containsExactly(InventoryFixture.ISSUER, "https://other-issuer.example");
        assertThat(f.ledger()
                        .caller(InventoryFixture.key("partner"))
                        .orElseThrow()
                        .requestCount())
                .isEqualTo(1);
    }
}
