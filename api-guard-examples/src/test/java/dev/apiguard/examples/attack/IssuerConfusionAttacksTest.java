package dev.apiguard.examples.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.test.fixtures.LocalIssuer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * One client id at two issuers (issue 13, item 4), against demo servers over real HTTPS that accept
 * two issuers, each with its own key set ({@code --issuer} and {@code --jwks} twice): the suite's
 * RSA issuer and a second one (EC) whose client registers itself as {@code partner-a} too.
 *
 * <p>Before 7e143f0 buckets, anomaly profiles, quarantine and the inventory keyed on the
 * {@code client_id} alone, so the second issuer's {@code partner-a} spent the first one's budget,
 * got it quarantined, and the inventory showed one {@code partner-a}. Now they key on issuer and
 * client id ({@code CallerKey}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IssuerConfusionAttacksTest {

    static final String SECOND_ISSUER = "https://second-issuer.attack.test";

    final LocalIssuer second = LocalIssuer.ec(SECOND_ISSUER).audience(AttackServer.AUDIENCE);
    EventLog events;
    AttackServer buckets;
    AttackServer quarantine;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        events = EventLog.capture();
        buckets = AttackServer.start(
                Files.createDirectories(dir.resolve("buckets")),
                twoIssuers(dir.resolve("buckets"), "--rate-limit", "5/10m"));
        quarantine = buckets.sibling(
                Files.createDirectories(dir.resolve("quarantine")),
                twoIssuers(dir.resolve("quarantine"), "--anomaly", "enforce"));
    }

    /** The flags of a server of the suite's issuer (its jwks.json in dir) and the second one, with more flags. */
    String[] twoIssuers(Path dir, String... more) throws Exception {
        second.writeJwks(dir.resolve("second-jwks.json"));
        List<String> flags = new java.util.ArrayList<>(List.of(
                "--jwks",
                dir.resolve("jwks.json").toString(),
                "--issuer",
                SECOND_ISSUER,
                "--jwks",
                dir.resolve("second-jwks.json").toString()));
        flags.addAll(List.of(more));
        return flags.toArray(String[]::new);
    }

    @AfterAll
    void stop() throws Exception {
        buckets.close();
        quarantine.close();
        events.close();
    }

    static String partnerA(LocalIssuer issuer) {
        return issuer.token().clientId("partner-a").scope("customers:read").sign();
    }

    static String admin(AttackServer s) {
        return s.issuer.token().clientId("guard-admin").scope("guard:admin").sign();
    }

    @Test
    @DisplayName("I1 the second issuer's partner-a spends its bucket of 5: 429; the first issuer's partner-a is "
            + "still served 200 (before: 429), and the inventory lists two partner-a, one per issuer")
    void i1_aNamesakeAtAnotherIssuerNeverSpendsTheBucket() throws Exception {
        AttackServer s = buckets;
        String mine = partnerA(s.issuer);
        String namesake = partnerA(second);
        s.bearer("/customers/" + s.tag, mine).assertStatus(200);
        for (int i = 0; i < 5; i++) {
            s.bearer("/customers/" + s.tag, namesake).assertStatus(200);
        }
        Answer limited = s.bearer("/customers/" + s.tag, namesake)
                .assertDocumentedRefusal()
                .assertRefused(429);
        assertThat(limited.first("RateLimit-Policy")).hasValue("\"burst\";q=5;w=600");

        s.bearer("/customers/" + s.tag, mine).assertStatus(200);

        Inventory inventory = Inventory.read(s, admin(s));
        assertThat(inventory.callers("partner-a"))
                .extracting(c -> c.get("issuer"))
                .containsExactly(AttackServer.ISSUER, SECOND_ISSUER);
        assertThat(Inventory.number(
                        inventory.caller("partner-a", AttackServer.ISSUER).get("requestCount")))
                .isEqualTo(2);
        assertThat(Inventory.number(inventory.caller("partner-a", SECOND_ISSUER).get("requestCount")))
                .isEqualTo(6);
        assertThat(Inventory.credential(inventory.caller("partner-a", SECOND_ISSUER), "token")
                        .get("issuer"))
                .isEqualTo(SECOND_ISSUER);
    }

    @Test
    @DisplayName("I2 the second issuer's partner-a gets itself quarantined (403s on /admin/inventory): 429 "
            + "quarantined; the first issuer's partner-a is still served 200 (before: 429 quarantined)")
    void i2_aNamesakeAtAnotherIssuerNeverGetsTheCallerQuarantined() throws Exception {
        AttackServer s = quarantine;
        String mine = partnerA(s.issuer);
        String namesake = partnerA(second);
        s.bearer("/customers/" + s.tag, mine).assertStatus(200);
        int mark = events.mark();
        Answer a;
        int forbidden = 0;
        do {
            a = s.bearer("/admin/inventory", namesake).assertDocumentedRefusal();
            if (a.status() == 403) {
                forbidden++;
            }
        } while (a.status() == 403 && forbidden < 60);
        a.assertRefused(429);
        assertThat(a.body()).contains("quarantined");
        assertThat(forbidden).isBetween(5, 30);
        s.bearer("/customers/" + s.tag, namesake).assertDocumentedRefusal().assertRefused(429);
        events.await(mark, 1, "anomaly.quarantined", "caller", "partner-a");

        s.bearer("/customers/" + s.tag, mine).assertStatus(200);

        Inventory inventory = Inventory.read(s, admin(s));
        Map<String, Object> quarantined = inventory.caller("partner-a", SECOND_ISSUER);
        Map<String, Object> served = inventory.caller("partner-a", AttackServer.ISSUER);
        assertThat(quarantined.get("lastAction")).isEqualTo("quarantine");
        assertThat(served.get("lastAction")).isNull();
        assertThat(Inventory.number(served.get("requestCount"))).isEqualTo(2);
    }
}
