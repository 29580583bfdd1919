package dev.apiguard.examples.attack;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpServer;
import dev.apiguard.test.fixtures.LocalIssuer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issuers whose keys the demo finds through their metadata ({@code --issuer-uri}, issue 17),
 * served by an authorization server on loopback, against the demo over real HTTPS: issuer B's key
 * set holds a key under issuer A's {@code kid}, and issuer C's metadata names A.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DiscoveredIssuerAttacksTest {

    static final String SECOND_AUDIENCE = "https://second-audience.attack.test";

    final Map<String, String> documents = new ConcurrentHashMap<>();
    HttpServer authorizationServer;
    LocalIssuer a;
    LocalIssuer b;
    LocalIssuer c;
    EventLog events;
    int mark;
    AttackServer s;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        authorizationServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        authorizationServer.createContext("/", exchange -> {
            String body = documents.get(exchange.getRequestURI().getPath());
            byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        authorizationServer.start();
        String origin = "http://127.0.0.1:" + authorizationServer.getAddress().getPort();
        a = LocalIssuer.ec(origin + "/a").audience(AttackServer.AUDIENCE);
        b = LocalIssuer.ec(origin + "/b").audience(AttackServer.AUDIENCE);
        c = LocalIssuer.ec(origin + "/c").audience(AttackServer.AUDIENCE);
        publish("a", a.issuer(), a.publicJwks());
        // B publishes its own key under A's kid
        publish(
                "b",
                b.issuer(),
                new JWKSet(new ECKey.Builder((ECKey) b.publicJwk())
                        .keyID(a.keyId())
                        .build()));
        publish("c", a.issuer(), c.publicJwks()); // C's metadata names A
        events = EventLog.capture();
        mark = events.mark();
        s = AttackServer.start(
                dir,
                "--issuer-uri",
                a.issuer(),
                "--issuer-uri",
                b.issuer(),
                "--issuer-uri",
                c.issuer(),
                "--audience",
                SECOND_AUDIENCE);
    }

    void publish(String name, String namedIssuer, JWKSet keys) {
        String origin = "http://127.0.0.1:" + authorizationServer.getAddress().getPort();
        documents.put(
                "/.well-known/oauth-authorization-server/" + name,
                JSONObjectUtils.toJSONString(Map.of("issuer", namedIssuer, "jwks_uri", origin + "/" + name + "/keys")));
        documents.put("/" + name + "/keys", keys.toString());
    }

    @AfterAll
    void stop() throws Exception {
        s.close();
        authorizationServer.stop(0);
        events.close();
    }

    String read(LocalIssuer issuer, String... audiences) {
        return issuer.token()
                .clientId("partner-a")
                .scope("customers:read")
                .audience(audiences.length == 0 ? new String[] {AttackServer.AUDIENCE} : audiences)
                .sign();
    }

    @Test
    @DisplayName("T1 a token signed by issuer A's key but claiming issuer B, whose key set holds a key under A's kid: "
            + "401; A's and B's own tokens: 200")
    void t1_aKeyOfOneIssuerNeverVerifiesAnothersToken() throws Exception {
        s.bearer("/customers/" + s.tag, read(a)).assertStatus(200);
        String bOwn = b.token()
                .clientId("partner-a")
                .scope("customers:read")
                .keyId(a.keyId())
                .sign();
        s.bearer("/customers/" + s.tag, bOwn).assertStatus(200);

        String confused = a.token()
                .issuer(b.issuer())
                .clientId("partner-a")
                .scope("customers:read")
                .sign();
        s.bearer("/customers/" + s.tag, confused).assertInvalidToken();
    }

    @Test
    @DisplayName("T2 issuer C's metadata names issuer A: start-up went on, C's tokens 401 (keys_unavailable, "
            + "keys.fetch_failed with issuer_mismatch logged), A's key signing for C: 401")
    void t2_metadataNamingAnotherIssuerRefusesItsTokens() throws Exception {
        s.bearer("/customers/" + s.tag, read(c)).assertInvalidToken();
        s.bearer(
                        "/customers/" + s.tag,
                        a.token()
                                .issuer(c.issuer())
                                .clientId("partner-a")
                                .scope("customers:read")
                                .sign())
                .assertInvalidToken();
        events.await(mark, 1, "keys.fetch_failed", "metadata", c.issuer(), "fault", "issuer_mismatch,http_404");
        events.await(mark, 1, "token.rejected", "reason", "keys_unavailable");
    }

    @Test
    @DisplayName("T3 several audiences: a token for the second one: 200; for none of them: 401")
    void t3_aTokenMustNameOneOfTheAudiences() throws Exception {
        s.bearer("/customers/" + s.tag, read(a, "https://other.attack.test", SECOND_AUDIENCE))
                .assertStatus(200);
        s.bearer("/customers/" + s.tag, read(a, "https://other.attack.test")).assertInvalidToken();
    }
}
