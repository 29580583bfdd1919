package dev.apiguard.examples;

import dev.apiguard.apikey.ApiKeyStep;
import dev.apiguard.apikey.ApiKeys;
import dev.apiguard.test.IssuedCertificate;
import dev.apiguard.test.LocalIssuer;
import dev.apiguard.test.PublicKeyForm;
import dev.apiguard.test.TestCertificates;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The demo scenario: a legitimate partner and each attack, played over real HTTPS with mTLS
 * against the demo server, one row per case. Passes only when every row does.
 */
final class Scenario {

    static final String ISSUER = "https://issuer.demo.api-guard.dev";
    static final String AUDIENCE = "https://api.demo.api-guard.dev";

    /** One played case. */
    record Row(String name, String tried, String expected, String got, boolean pass) {
    }

    /** What a row expects: a status and, when not null, the exact WWW-Authenticate values. */
    record Expect(int status, List<String> challenges) {
        static Expect status(int status) {
            return new Expect(status, null);
        }

        static Expect challenged(int status, String... challenges) {
            return new Expect(status, List.of(challenges));
        }

        String describe() {
            return status + (challenges == null ? "" : " " + String.join(" + ", challenges));
        }
    }

    private final List<Row> rows = new ArrayList<>();
    private final HttpClient client;
    private final URI base;

    private Scenario(HttpClient client, URI base) {
        this.client = client;
        this.base = base;
    }

    static boolean run(PrintStream out) throws Exception {
        Path dir = Files.createTempDirectory("api-guard-demo");
        try {
            return run(out, dir);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static boolean run(PrintStream out, Path dir) throws Exception {
        TestCertificates pki = TestCertificates.create();
        IssuedCertificate partner = pki.client("partner-a");
        LocalIssuer issuer = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
        LocalIssuer impostor = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
        char[] password = "demo-password".toCharArray();
        Path keystore = dir.resolve("server.p12");
        Path ca = dir.resolve("client-ca.pem");
        Path jwks = dir.resolve("jwks.json");
        pki.writeServerKeyStore(keystore, password);
        pki.writeCaPem(ca);
        issuer.writeJwks(jwks);
        String validKey = ApiKeys.generate();
        String expiredKey = ApiKeys.generate();
        Path keyFile = dir.resolve("api-keys.txt");
        Instant now = Instant.now();
        Files.writeString(keyFile, "# legacy partners still on static keys\n"
                + ApiKeys.sha256Hex(validKey) + " legacy-partner customers:read " + now.plus(Duration.ofDays(30)) + "\n"
                + ApiKeys.sha256Hex(expiredKey) + " former-partner customers:read " + now.minus(Duration.ofDays(1)) + "\n");
        LocalDate sunset = LocalDate.now(ZoneOffset.UTC).plusDays(90);

        DemoOptions options = DemoOptions.parse(List.of("--port", "0",
                "--tls-keystore", keystore.toString(), "--tls-password", new String(password),
                "--client-ca", ca.toString(), "--issuer", ISSUER, "--audience", AUDIENCE,
                "--jwks", jwks.toString(), "--max-token-lifetime", "1h",
                "--api-key-file", keyFile.toString(), "--api-key-sunset", sunset.toString()));

        out.println("api-guard demo scenario");
        try (DemoServer server = DemoServer.start(options)) {
            out.println("demo API on " + server.baseUri() + " (TLS with client certificates, tokens from "
                    + ISSUER + ")");
            out.println();
            HttpClient client = HttpClient.newBuilder()
                    .sslContext(pki.sslContext(partner))
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            Scenario s = new Scenario(client, server.baseUri());
            s.play(issuer, impostor);
            s.playGovernance(issuer, validKey, expiredKey, sunset.atStartOfDay(ZoneOffset.UTC).toInstant());
            s.print(out);
            return s.rows.stream().allMatch(Row::pass);
        }
    }

    private void play(LocalIssuer issuer, LocalIssuer impostor) throws Exception {
        String tag = CustomerDirectory.demo().all().get(0).serviceTag();
        String read = issuer.token().clientId("partner-a").scope("customers:read").sign();
        String pay = issuer.token().clientId("partner-a").scope("customers:read payments:write").sign();
        String invalid = "Bearer error=\"invalid_token\"";

        row("legitimate read", "partner reads one customer with a customers:read token",
                get("/customers/" + tag, read), Expect.status(200), read);
        row("legitimate paging", "partner reads page 0 of the customer list",
                get("/customers?page=0&size=20", read), Expect.status(200), read);
        row("legitimate payment", "partner posts a payment with a payments:write token",
                post("/payments", pay, "{\"amount\":\"12.50\",\"currency\":\"EUR\"}"), Expect.status(201), pay);
        row("health check", "anyone asks GET /health without a credential",
                get("/health", null), Expect.status(200), null);
        row("no token", "a customer lookup without any credential",
                get("/customers/" + tag, null), Expect.challenged(401, "Bearer"), null);

        String expired = issuer.token().clientId("partner-a").scope("customers:read")
                .issuedAt(Instant.now().minus(Duration.ofMinutes(20))).lifetime(Duration.ofMinutes(10)).sign();
        row("expired token", "a token that expired 10 minutes ago",
                get("/customers/" + tag, expired), Expect.challenged(401, invalid), expired);
        String otherAudience = issuer.token().clientId("partner-a").scope("customers:read")
                .audience("https://another-api.example").sign();
        row("wrong audience", "a token minted for another API",
                get("/customers/" + tag, otherAudience), Expect.challenged(401, invalid), otherAudience);
        String none = issuer.token().clientId("partner-a").scope("customers:read").unsigned("none");
        row("alg: none", "an unsigned token (alg none)",
                get("/customers/" + tag, none), Expect.challenged(401, invalid), none);
        String forged = issuer.token().clientId("partner-a").scope("customers:read").signedWith(impostor);
        row("wrong signing key", "a token signed by an impostor key under the issuer's kid",
                get("/customers/" + tag, forged), Expect.challenged(401, invalid), forged);
        String confused = issuer.token().clientId("partner-a").scope("customers:read")
                .signedWithHs256UsingPublicKey(PublicKeyForm.PEM);
        row("key confusion", "HS256 signed with the issuer's RSA public key as the secret",
                get("/customers/" + tag, confused), Expect.challenged(401, invalid), confused);
        String longLived = issuer.token().clientId("partner-a").scope("customers:read")
                .lifetime(Duration.ofDays(30)).sign();
        row("long-lived token", "a token valid for 30 days (policy: 1h)",
                get("/customers/" + tag, longLived), Expect.challenged(401, invalid), longLived);
        String idToken = issuer.token().clientId("partner-a").scope("customers:read").type("JWT").sign();
        row("ID token as access token", "a token with typ JWT instead of at+jwt",
                get("/customers/" + tag, idToken), Expect.challenged(401, invalid), idToken);
        row("scope escalation", "a customers:read token tries POST /payments",
                post("/payments", read, "{\"amount\":\"9999.00\"}"),
                Expect.challenged(403, "Bearer error=\"insufficient_scope\", scope=\"payments:write\""), read);
        row("unmapped route", "an authenticated caller probes GET /internal/export",
                get("/internal/export", read), Expect.status(404), read);
        row("unmapped route, anonymous", "GET /internal/export without a credential",
                get("/internal/export", null), Expect.challenged(401, "Bearer"), null);
        row("token in query string", "the token sent as ?access_token= instead of a header",
                get("/customers/" + tag + "?access_token=" + read, null), Expect.challenged(401, "Bearer"), read);
        row("oversized page", "a page of 500 records (limit 100)",
                get("/customers?page=0&size=500", read), Expect.status(400), read);
    }

    /** The rows of the governance issue: API keys on their way out, and the least-privilege report. */
    private void playGovernance(LocalIssuer issuer, String validKey, String expiredKey, Instant sunset)
            throws Exception {
        String tag = CustomerDirectory.demo().all().get(1).serviceTag();
        String expectedSunset = ApiKeyStep.sunsetValue(sunset);
        HttpResponse<String> keyed = send(get("/customers/" + tag).header(ApiKeyStep.HEADER, validKey));
        String deprecation = keyed.headers().firstValue("Deprecation").orElse("-");
        String sunsetHeader = keyed.headers().firstValue("Sunset").orElse("-");
        check("API key, told of its sunset", "a legacy partner reads a customer with a valid X-API-Key",
                keyed, "200 + Deprecation @<epoch> + Sunset " + expectedSunset,
                keyed.statusCode() + " + Deprecation " + deprecation + " + Sunset " + sunsetHeader,
                keyed.statusCode() == 200 && deprecation.matches("@[0-9]+") && sunsetHeader.equals(expectedSunset),
                validKey);
        HttpResponse<String> expired = send(get("/customers/" + tag).header(ApiKeyStep.HEADER, expiredKey));
        check("API key, expired", "a key whose expiry passed yesterday", expired, "401",
                String.valueOf(expired.statusCode()), expired.statusCode() == 401, expiredKey);
        HttpResponse<String> inQuery = send(get("/customers/" + tag + "?api_key=" + validKey));
        check("API key in query string", "the valid key sent as ?api_key= (it ends up in logs)", inQuery, "401",
                String.valueOf(inQuery.statusCode()), inQuery.statusCode() == 401, validKey);

        String overGranted = issuer.token().clientId("partner-b").scope("customers:read payments:write").sign();
        send(get("/customers/" + tag).header("Authorization", "Bearer " + overGranted));
        String admin = issuer.token().clientId("guard-admin").scope(DemoServer.ADMIN_SCOPE).sign();
        HttpResponse<String> inventory = send(get("/admin/inventory").header("Authorization", "Bearer " + admin));
        boolean shown = inventory.statusCode() == 200
                && UNUSED_PAYMENTS.matcher(inventory.body()).find();
        check("least-privilege report", "GET /admin/inventory (guard:admin) after partner-b, granted "
                + "payments:write, only read customers", inventory,
                "200, partner-b scopesUnused [payments:write]",
                inventory.statusCode() + (shown ? ", partner-b scopesUnused [payments:write]" : ", partner-b not flagged"),
                shown, admin);
        HttpResponse<String> notAdmin = send(get("/admin/inventory").header("Authorization", "Bearer " + overGranted));
        check("inventory needs guard:admin", "partner-b asks for the inventory", notAdmin, "403",
                String.valueOf(notAdmin.statusCode()), notAdmin.statusCode() == 403, overGranted);
    }

    private static final java.util.regex.Pattern UNUSED_PAYMENTS = java.util.regex.Pattern.compile(
            "\"id\":\"partner-b\",[^{}]*?\"scopesUnused\":\\[\"payments:write\"\\]");

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET();
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A row judged by a predicate over the whole response; it fails as well when the response echoes the secret. */
    private void check(String name, String tried, HttpResponse<String> response, String expected, String got,
            boolean pass, String secret) {
        if (secret != null && echoes(response, secret)) {
            pass = false;
            got = got + " (echoes the credential)";
        }
        rows.add(new Row(name, tried, expected, got, pass));
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String token, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private void row(String name, String tried, HttpResponse<String> response, Expect expect, String secret) {
        List<String> challenges = response.headers().allValues("WWW-Authenticate");
        StringBuilder got = new StringBuilder().append(response.statusCode());
        if (!challenges.isEmpty()) {
            got.append(' ').append(String.join(" + ", challenges));
        }
        boolean pass = response.statusCode() == expect.status()
                && (expect.challenges() == null || expect.challenges().equals(challenges));
        if (secret != null && echoes(response, secret)) {
            pass = false;
            got.append(" (echoes the credential)");
        }
        rows.add(new Row(name, tried, expect.describe(), got.toString(), pass));
    }

    private static boolean echoes(HttpResponse<String> response, String secret) {
        String tail = secret.substring(Math.max(0, secret.length() - 24));
        if (response.body() != null && response.body().contains(tail)) {
            return true;
        }
        return response.headers().map().values().stream().flatMap(List::stream).anyMatch(v -> v.contains(tail));
    }

    private void print(PrintStream out) {
        int n = 0;
        int w = rows.stream().mapToInt(r -> r.name().length()).max().orElse(10);
        for (Row r : rows) {
            out.printf("%-4s %-" + w + "s  %s%n", r.pass() ? "PASS" : "FAIL", r.name(), r.tried());
            out.printf("     %-" + w + "s  expected %s, got %s%n", "", r.expected(), r.got());
            if (r.pass()) {
                n++;
            }
        }
        out.println();
        out.println("scenario: " + n + " of " + rows.size() + " rows passed" + (n == rows.size() ? "" : " - FAILED"));
    }
}
