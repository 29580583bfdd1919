package dev.apiguard.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.redis.RedisServer;
import dev.apiguard.redis.RedisServerExtension;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The fleet example of docs/fleet.md: two nodes on one private redis-server share one bucket per caller. */
@ExtendWith(RedisServerExtension.class)
class FleetExampleTest {

    @Test
    void twoNodesAdmitOneBucketsWorthBetweenThem(RedisServer redis) {
        MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        LocalIssuer issuer = LocalIssuer.ec("https://login.example.com")
                .audience("https://api.example.com")
                .clock(clock);
        TokenPolicy tokens = TokenPolicy.builder()
                .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                .audience("https://api.example.com")
                .build();
        RouteRules routes = RouteRules.builder()
                .route("GET", "/customers/{serviceTag}")
                .requireScopes("customers:read")
                .build();
        Instant sunset = clock.instant().plus(Duration.ofDays(90));
        try (Fleet a = new Fleet(redis.uri(), clock, tokens, routes, sunset);
                Fleet b = new Fleet(redis.uri(), clock, tokens, routes, sunset)) {
            GuardTester nodeA = GuardTester.of(a.guard());
            GuardTester nodeB = GuardTester.of(b.guard());
            TestRequest read = TestRequest.get("/customers/ABC1234")
                    .bearer(issuer.token()
                            .clientId("partner-a")
                            .scope("customers:read")
                            .sign());
            int allowed = 0;
            for (int i = 0; i < 60; i++) {
                GuardTester node = i % 2 == 0 ? nodeA : nodeB;
                if (node.send(read).status() == 200) {
                    allowed++;
                }
            }
            assertThat(allowed).isEqualTo(50); // the default plan: 50 a second, shared; the clock stands still
            // every request reached the ledger, whichever node answered it: each node's inventory
            // counts all 60 once both sent their deltas
            a.flushLedger();
            b.flushLedger();
            assertThat(a.inventory().report().caller("partner-a").orElseThrow().requestCount())
                    .isEqualTo(60);
            assertThat(b.inventory().report().caller("partner-a").orElseThrow().requestCount())
                    .isEqualTo(60);
        }
    }
}
