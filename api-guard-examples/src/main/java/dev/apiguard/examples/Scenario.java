package dev.apiguard.examples;

import dev.apiguard.apikey.ApiKeyStep;
import dev.apiguard.apikey.ApiKeys;
import dev.apiguard.redis.RedisCluster;
import dev.apiguard.redis.RedisServer;
import dev.apiguard.test.fixtures.DpopKey;
import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.PublicKeyForm;
import dev.apiguard.test.fixtures.TestCertificates;
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
    record Row(String name, String tried, String expected, String got, boolean pass) {}

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

    /** The header the demo's TLS-terminating proxy would forward the client certificate in. */
    static final String CERT_HEADER = "X-Forwarded-Client-Cert";
    /** The guard's client at the issuer's introspection endpoint. */
    static final String INTROSPECTION_CLIENT = "api-guard-demo";

    static final String INTROSPECTION_SECRET = "demo-introspection-secret";
    /** How long the guard uses an active introspection answer: short, so the revocation row runs fast. */
    static final Duration INTROSPECTION_CACHE = Duration.ofSeconds(1);

    private final List<Row> rows = new ArrayList<>();
    private IntrospectionEndpoint introspection;
    /** The records the sequential scraper got from one node, the fleet rows' yardstick. */
    private int singleNodeRecords;

    private final HttpClient client;
    private final URI base;
    private final HttpClient partnerBClient;
    private final HttpClient noCertificateClient;
    private final URI behindProxy;
    private final IssuedCertificate partnerA;
    private final IssuedCertificate partnerB;

    private Scenario(
            HttpClient client,
            URI base,
            HttpClient partnerBClient,
            HttpClient noCertificateClient,
            URI behindProxy,
            IssuedCertificate partnerA,
            IssuedCertificate partnerB) {
        this.client = client;
        this.base = base;
        this.partnerBClient = partnerBClient;
        this.noCertificateClient = noCertificateClient;
        this.behindProxy = behindProxy;
        this.partnerA = partnerA;
        this.partnerB = partnerB;
    }

    /**
     * An Envoy {@code x-forwarded-client-cert} element for the certificate, as a TLS-terminating
     * proxy writes it: {@code Hash} (hex SHA-256 of the DER) and {@code Cert} (URL-encoded PEM,
     * where base64's {@code +} stays as it is).
     */
    static String xfcc(IssuedCertificate certificate) throws Exception {
        String hash = java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(certificate.certificate().getEncoded()));
        String pem = certificate.certificatePem().replace("\n", "%0A").replace(" ", "%20");
        return "By=spiffe://demo.api-guard.dev/edge-proxy;Hash=" + hash + ";Cert=\"" + pem + "\"";
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
        IssuedCertificate partnerB = pki.client("partner-b");
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
        Files.writeString(
                keyFile,
                "# legacy partners still on static keys\n"
                        + ApiKeys.sha256Hex(validKey) + " legacy-partner customers:read "
                        + now.plus(Duration.ofDays(30)) + "\n"
                        + ApiKeys.sha256Hex(expiredKey) + " former-partner customers:read "
                        + now.minus(Duration.ofDays(1)) + "\n");
        LocalDate sunset = LocalDate.now(ZoneOffset.UTC).plusDays(90);
        // the issuer's introspection endpoint for opaque tokens; a short cache so that a revocation
        // there takes effect within a second
        try (IntrospectionEndpoint introspection =
                IntrospectionEndpoint.start(ISSUER, INTROSPECTION_CLIENT, INTROSPECTION_SECRET)) {
            return run(
                    out,
                    dir,
                    pki,
                    partner,
                    partnerB,
                    issuer,
                    impostor,
                    password,
                    keystore,
                    ca,
                    jwks,
                    validKey,
                    expiredKey,
                    keyFile,
                    sunset,
                    introspection);
        }
    }

    private static boolean run(
            PrintStream out,
            Path dir,
            TestCertificates pki,
            IssuedCertificate partner,
            IssuedCertificate partnerB,
            LocalIssuer issuer,
            LocalIssuer impostor,
            char[] password,
            Path keystore,
            Path ca,
            Path jwks,
            String validKey,
            String expiredKey,
            Path keyFile,
            LocalDate sunset,
            IntrospectionEndpoint introspection)
            throws Exception {

        List<String> common = List.of(
                "--port",
                "0",
                "--tls-keystore",
                keystore.toString(),
                "--tls-password",
                new String(password),
                "--client-ca",
                ca.toString(),
                "--issuer",
                ISSUER,
                "--audience",
                AUDIENCE,
                "--jwks",
                jwks.toString(),
                "--max-token-lifetime",
                "1h",
                "--client-cert-header",
                CERT_HEADER,
                "--introspection-url",
                introspection.url().toString(),
                "--introspection-client",
                INTROSPECTION_CLIENT + ":" + INTROSPECTION_SECRET,
                "--introspection-cache",
                INTROSPECTION_CACHE.toSeconds() + "s");
        List<String> arguments = new ArrayList<>(common);
        arguments.addAll(List.of(
                // forwarded certificates are believed only from this network, which the scenario is not in
                "--trusted-proxy",
                "10.255.0.0/16",
                "--api-key-file",
                keyFile.toString(),
                "--api-key-sunset",
                sunset.toString()));
        DemoOptions options = DemoOptions.parse(arguments);
        // the same API behind a TLS-terminating proxy: the scenario's loopback peer plays the proxy
        List<String> behindAProxy = new ArrayList<>(common);
        behindAProxy.addAll(List.of("--trusted-proxy", "127.0.0.1/32"));
        DemoOptions proxied = DemoOptions.parse(behindAProxy);

        out.println("api-guard demo scenario");
        try (DemoServer server = DemoServer.start(options);
                DemoServer behindProxy = DemoServer.start(proxied)) {
            out.println(
                    "demo API on " + server.baseUri() + " (TLS with client certificates, tokens from " + ISSUER + ")");
            out.println();
            HttpClient client = HttpClient.newBuilder()
                    .sslContext(pki.sslContext(partner))
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            HttpClient partnerBClient = HttpClient.newBuilder()
                    .sslContext(pki.sslContext(partnerB))
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            HttpClient noCertificate = HttpClient.newBuilder()
                    .sslContext(pki.sslContext(null))
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            Scenario s = new Scenario(
                    client, server.baseUri(), partnerBClient, noCertificate, behindProxy.baseUri(), partner, partnerB);
            s.introspection = introspection;
            s.play(issuer, impostor);
            s.playGovernance(
                    issuer,
                    validKey,
                    expiredKey,
                    sunset.atStartOfDay(ZoneOffset.UTC).toInstant());
            s.playFleet(out, arguments, issuer);
            s.print(out);
            return s.rows.stream().allMatch(Row::pass);
        }
    }

    private void play(LocalIssuer issuer, LocalIssuer impostor) throws Exception {
        String tag = CustomerDirectory.demo().all().get(0).serviceTag();
        String read =
                issuer.token().clientId("partner-a").scope("customers:read").sign();
        String pay = issuer.token()
                .clientId("partner-a")
                .scope("customers:read payments:write")
                .boundToCertificate(partnerA.certificate())
                .sign();
        String readBound = issuer.token()
                .clientId("partner-a")
                .scope("customers:read")
                .boundToCertificate(partnerA.certificate())
                .sign();
        String plainPay = issuer.token()
                .clientId("partner-a")
                .scope("customers:read payments:write")
                .sign();
        String payB = issuer.token()
                .clientId("partner-b")
                .scope("payments:write")
                .boundToCertificate(partnerB.certificate())
                .sign();
        String paymentJson = "{\"amount\":\"12.50\",\"currency\":\"EUR\"}";
        DpopKey partnerKey = DpopKey.ec();
        String dpopPay = issuer.token()
                .clientId("partner-a")
                .scope("customers:read payments:write")
                .boundToDpopKey(partnerKey.publicJwk())
                .sign();
        String invalid = "Bearer error=\"invalid_token\"";
        String dpopAlgs = "algs=\"ES256 PS256 RS256 EdDSA\"";
        String[] noCredential = {"Bearer", "DPoP " + dpopAlgs};
        String paymentsUri = base.resolve("/payments").toString();

        row(
                "legitimate read",
                "partner reads one customer with a customers:read token",
                get("/customers/" + tag, read),
                Expect.status(200),
                read);
        row(
                "legitimate paging",
                "partner reads page 0 of the customer list",
                get("/customers?page=0&size=20", read),
                Expect.status(200),
                read);
        row(
                "legitimate payment",
                "partner-a posts a payment with a payments:write token bound to its certificate",
                post("/payments", pay, paymentJson),
                Expect.status(201),
                pay);
        row(
                "stolen bound token",
                "partner-a's bound token replayed over partner-b's mTLS connection",
                post(partnerBClient, base, "/payments", pay, paymentJson),
                Expect.challenged(401, invalid),
                pay);
        row(
                "bound token, no certificate",
                "partner-a's bound token over TLS without a client certificate",
                post(noCertificateClient, base, "/payments", pay, paymentJson),
                Expect.challenged(401, invalid),
                pay);
        row(
                "plain bearer on /payments",
                "a payments:write token without cnf on a sender-constrained route",
                post("/payments", plainPay, paymentJson),
                Expect.challenged(401, invalid),
                plainPay);
        row(
                "forged forwarded certificate",
                "partner-b's token with a forged " + CERT_HEADER + " from a peer that is not a trusted proxy",
                post(noCertificateClient, base, "/payments", payB, paymentJson, CERT_HEADER, xfcc(partnerB)),
                Expect.challenged(401, invalid),
                payB);
        row(
                "via trusted proxy",
                "the same request from the trusted proxy (127.0.0.1/32) to a server behind it",
                post(noCertificateClient, behindProxy, "/payments", payB, paymentJson, CERT_HEADER, xfcc(partnerB)),
                Expect.status(201),
                payB);
        row(
                "legitimate DPoP payment",
                "partner posts a payment with a DPoP-bound payments:write token and a proof",
                postDpop("/payments", dpopPay, partnerKey.proof("POST", paymentsUri, dpopPay), paymentJson),
                Expect.status(201),
                dpopPay);
        String proof = partnerKey.proof("POST", paymentsUri, dpopPay);
        postDpop("/payments", dpopPay, proof, paymentJson);
        row(
                "replayed DPoP proof",
                "the same DPoP proof sent a second time",
                postDpop("/payments", dpopPay, proof, paymentJson),
                Expect.challenged(401, "DPoP error=\"invalid_dpop_proof\", " + dpopAlgs),
                dpopPay);
        row(
                "DPoP token as Bearer",
                "a DPoP-bound token sent with the Bearer scheme (downgrade)",
                post("/payments", dpopPay, paymentJson),
                Expect.challenged(401, invalid),
                dpopPay);
        row(
                "stolen DPoP token",
                "a DPoP-bound token with a proof signed by the thief's own key",
                postDpop("/payments", dpopPay, DpopKey.ec().proof("POST", paymentsUri, dpopPay), paymentJson),
                Expect.challenged(401, "DPoP error=\"invalid_dpop_proof\", " + dpopAlgs),
                dpopPay);
        row(
                "health check",
                "anyone asks GET /health without a credential",
                get("/health", null),
                Expect.status(200),
                null);
        row(
                "no token",
                "a customer lookup without any credential",
                get("/customers/" + tag, null),
                Expect.challenged(401, noCredential),
                null);

        String expired = issuer.token()
                .clientId("partner-a")
                .scope("customers:read")
                .issuedAt(Instant.now().minus(Duration.ofMinutes(20)))
                .lifetime(Duration.ofMinutes(10))
                .sign();
        row(
                "expired token",
                "a token that expired 10 minutes ago",
                get("/customers/" + tag, expired),
                Expect.challenged(401, invalid),
                expired);
        String otherAudience = issuer.token()
                .clientId("partner-a")
                .scope("customers:read")
                .audience("https://another-api.example")
                .sign();
        row(
                "wrong audience",
                "a token minted for another API",
                get("/customers/" + tag, otherAudience),
                Expect.challenged(401, invalid),
                otherAudience);
        String none =
                issuer.token().clientId("partner-a").scope("customers:read").unsigned("none");
        row(
                "alg: none",
                "an unsigned token (alg none)",
                get("/customers/" + tag, none),
                Expect.challenged(401, invalid),
                none);
        String forged =
                issuer.token().clientId("partner-a").scope("customers:read").signedWith(impostor);
        row(
                "wrong signing key",
                "a token signed by an impostor key under the issuer's kid",
                get("/customers/" + tag, forged),
                Expect.challenged(401, invalid),
                forged);
        String confused = issuer.token()
                .clientId("partner-a")
                .scope("customers:read")
                .signedWithHs256UsingPublicKey(PublicKeyForm.PEM);
        row(
                "key confusion",
                "HS256 signed with the issuer's RSA public key as the secret",
                get("/customers/" + tag, confused),
                Expect.challenged(401, invalid),
                confused);
        String longLived = issuer.token()
                .clientId("partner-a")
                .scope("customers:read")
                .lifetime(Duration.ofDays(30))
                .sign();
        row(
                "long-lived token",
                "a token valid for 30 days (policy: 1h)",
                get("/customers/" + tag, longLived),
                Expect.challenged(401, invalid),
                longLived);
        String idToken = issuer.token()
                .clientId("partner-a")
                .scope("customers:read")
                .type("JWT")
                .sign();
        row(
                "ID token as access token",
                "a token with typ JWT instead of at+jwt",
                get("/customers/" + tag, idToken),
                Expect.challenged(401, invalid),
                idToken);
        row(
                "scope escalation",
                "a bound customers:read token tries POST /payments",
                post("/payments", readBound, "{\"amount\":\"9999.00\"}"),
                Expect.challenged(403, "Bearer error=\"insufficient_scope\", scope=\"payments:write\""),
                readBound);
        row(
                "unmapped route",
                "an authenticated caller probes GET /internal/export",
                get("/internal/export", read),
                Expect.status(404),
                read);
        row(
                "unmapped route, anonymous",
                "GET /internal/export without a credential",
                get("/internal/export", null),
                Expect.challenged(401, noCredential),
                null);
        row(
                "token in query string",
                "the token sent as ?access_token= instead of a header",
                get("/customers/" + tag + "?access_token=" + read, null),
                Expect.challenged(401, noCredential),
                read);
        row(
                "oversized page",
                "a page of 500 records (limit 100)",
                get("/customers?page=0&size=500", read),
                Expect.status(400),
                read);

        revocationRows(issuer, tag, read);
        opaqueTokenRow(tag);

        // rate limits last, so that no earlier row meets an empty bucket
        String burst =
                issuer.token().clientId("burst-partner").scope("customers:read").sign();
        burstRow(burst, tag);
        row(
                "other caller unaffected",
                "partner-a reads right after burst-partner was limited",
                get("/customers/" + tag, read),
                Expect.status(200),
                read);
        long floodRetryAfter = floodRow(
                issuer.token().clientId("partner-a").scope("customers:read").signedWith(impostor), tag);
        row(
                "valid caller during a flood",
                "partner-a reads from the flooding peer with its valid token",
                get("/customers/" + tag, read),
                Expect.status(200),
                read);
        // the flood stops. Until the peer's bucket refills, a token this peer has not yet sent with
        // success counts as anonymous (it is not verified while the bucket is empty) and would get 429:
        // the rows below start with new tokens, so they wait for the refill the 429 announced
        Thread.sleep(1000L * floodRetryAfter);
        // last, with their own client ids: a quarantine must not touch the rows above
        anomalyRows(issuer);
    }

    /**
     * An opaque token works (checked at the issuer's introspection endpoint), the issuer revokes it,
     * and the guard refuses it once its cached answer ends: within --introspection-cache (1 s here),
     * waited for with a deadline, never a fixed sleep.
     */
    private void opaqueTokenRow(String tag) throws Exception {
        String token = introspection.issue(
                "opaque-partner", "customers:read", AUDIENCE, Instant.now().plus(Duration.ofMinutes(30)));
        HttpResponse<String> before = get("/customers/" + tag, token);
        introspection.revoke(token);
        long start = System.nanoTime();
        long deadline = start + INTROSPECTION_CACHE.plusSeconds(5).toNanos();
        HttpResponse<String> after = get("/customers/" + tag, token);
        while (after.statusCode() == 200 && System.nanoTime() < deadline) {
            Thread.sleep(100); // polling the server over real time: the cache ends on its own clock
            after = get("/customers/" + tag, token);
        }
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        check(
                "an opaque token works and stops working after revocation at the issuer",
                "partner reads with an opaque token (RFC 7662 introspection), the issuer revokes it, the"
                        + " partner reads again until refused",
                after,
                "200, then 401 invalid_token within " + INTROSPECTION_CACHE.toSeconds() + " s + 5 s",
                before.statusCode() + ", then " + after.statusCode() + " "
                        + after.headers().allValues("WWW-Authenticate") + " after " + tookMillis + " ms",
                before.statusCode() == 200
                        && after.statusCode() == 401
                        && after.headers()
                                .allValues("WWW-Authenticate")
                                .equals(List.of("Bearer error=\"invalid_token\"")),
                token);
    }

    /**
     * A partner works, an admin revokes it (POST /admin/revocations, scope guard:admin), and its
     * next request with the same, still valid token is refused; another partner is not affected.
     */
    private void revocationRows(LocalIssuer issuer, String tag, String otherPartner) throws Exception {
        String revoked = issuer.token()
                .clientId("revoked-partner")
                .scope("customers:read")
                .sign();
        String admin = issuer.token()
                .clientId("guard-admin")
                .scope(DemoServer.ADMIN_SCOPE)
                .sign();
        String notAdmin = issuer.token()
                .clientId("revoked-partner")
                .scope("customers:read")
                .sign();
        String revocation = "{\"clientId\":\"revoked-partner\",\"issuer\":\"" + ISSUER + "\"}";
        HttpResponse<String> before = get("/customers/" + tag, revoked);
        row(
                "revocation needs guard:admin",
                "a customers:read token posts to /admin/revocations",
                post("/admin/revocations", notAdmin, revocation),
                Expect.challenged(403, "Bearer error=\"insufficient_scope\", scope=\"guard:admin\""),
                notAdmin);
        HttpResponse<String> revoke = post("/admin/revocations", admin, revocation);
        HttpResponse<String> after = get("/customers/" + tag, revoked);
        check(
                "a revoked client is refused on its next request",
                "revoked-partner reads (200), an admin revokes it (POST /admin/revocations), it reads again"
                        + " with the same valid token",
                after,
                "200, then 204, then 401 invalid_token",
                before.statusCode() + ", then " + revoke.statusCode() + ", then " + after.statusCode() + " "
                        + after.headers().allValues("WWW-Authenticate"),
                before.statusCode() == 200
                        && revoke.statusCode() == 204
                        && after.statusCode() == 401
                        && after.headers()
                                .allValues("WWW-Authenticate")
                                .equals(List.of("Bearer error=\"invalid_token\"")),
                revoked);
        row(
                "other partner unaffected by the revocation",
                "partner-a reads right after revoked-partner was revoked",
                get("/customers/" + tag, otherPartner),
                Expect.status(200),
                otherPartner);
    }

    /**
     * Capacity (50) plus 5 requests at once, repeated until one is limited: 429 with Retry-After.
     * Bursts, not one request at a time after the first: the bucket refills 50 per second, so a
     * machine slow enough to spread a burst over more than 100 ms (55 TLS handshakes) and to take
     * over 20 ms a request would never see a 429 one request at a time; k bursts of 55 meet it as
     * soon as they take less than 1.1 s - 1/k s each, on average.
     */
    private void burstRow(String token, String tag) throws Exception {
        HttpResponse<String> limited = null;
        int sent = 0;
        while (limited == null && sent < 550) {
            List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
            for (int i = 0; i < 55; i++) {
                burst.add(client.sendAsync(request("/customers/" + tag, token), HttpResponse.BodyHandlers.ofString()));
            }
            sent += 55;
            for (var f : burst) {
                HttpResponse<String> r = f.get(30, java.util.concurrent.TimeUnit.SECONDS);
                if (r.statusCode() == 429 && limited == null) {
                    limited = r;
                }
            }
        }
        String policy = limited == null
                ? null
                : limited.headers().firstValue("RateLimit-Policy").orElse(null);
        String retryAfter = limited == null
                ? null
                : limited.headers().firstValue("Retry-After").orElse(null);
        boolean pass = limited != null
                && retryAfter != null
                && retryAfter.matches("[1-9][0-9]*")
                && "\"burst\";q=50;w=1".equals(policy)
                && limited.headers().firstValue("RateLimit").isPresent()
                && !echoes(limited, token);
        rows.add(new Row(
                "burst over the limit",
                "burst-partner sends 55 requests at once (limit 50/1s), again until limited",
                "429 Retry-After, RateLimit-Policy \"burst\";q=50;w=1",
                limited == null
                        ? "no 429 in " + sent + " requests"
                        : "429 Retry-After " + retryAfter + ", RateLimit-Policy " + policy,
                pass));
    }

    /**
     * Invalid tokens from one peer until the per-peer limit (20/1s) answers 429, before any token check;
     * answers the 429's Retry-After in seconds (1 when there was none).
     */
    private long floodRow(String junk, String tag) throws Exception {
        HttpResponse<String> limited = null;
        int sent = 0;
        long start = System.nanoTime();
        while (limited == null && sent < 100) {
            HttpResponse<String> r = get("/customers/" + tag, junk);
            sent++;
            if (r.statusCode() == 429) {
                limited = r;
            }
        }
        // 20 at once, plus what the bucket refilled (20 per second) while the flood was sent, plus one:
        // a request is counted once answered, so the next may arrive just before
        long bound = 22 + (long) Math.ceil(20 * (System.nanoTime() - start) / 1e9); // one more may be in flight
        boolean pass = limited != null
                && sent <= bound
                && limited.headers().firstValue("Retry-After").isPresent()
                && limited.headers().allValues("WWW-Authenticate").isEmpty()
                && !echoes(limited, junk);
        rows.add(new Row(
                "pre-auth flood",
                "one peer sends forged tokens as fast as it can (limit 20/1s per peer)",
                "429 Retry-After within 20 requests plus the refill meanwhile (" + bound + ")",
                limited == null
                        ? "no 429 in " + sent + " requests"
                        : "429 Retry-After "
                                + limited.headers().firstValue("Retry-After").orElse("-") + " after " + sent
                                + " requests",
                pass));
        String retryAfter = limited == null
                ? "1"
                : limited.headers().firstValue("Retry-After").orElse("1");
        return retryAfter.matches("[1-9][0-9]{0,2}") ? Long.parseLong(retryAfter) : 1;
    }

    private HttpRequest request(String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(10))
                .GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b.build();
    }

    /** The most lookups the sequential scraper row tries before it gives up. */
    static final int SCRAPER_BUDGET = 1000;
    /** The records the scraper may get before its quarantine and the row still passes (docs/demo.md). */
    static final int SCRAPER_LIMIT = 300;

    private void anomalyRows(LocalIssuer issuer) throws Exception {
        List<String> tags = CustomerDirectory.demo().all().stream()
                .map(CustomerDirectory.Customer::serviceTag)
                .sorted()
                .toList();
        String reader =
                issuer.token().clientId("reader-b").scope("customers:read").sign();
        String scraper =
                issuer.token().clientId("scraper-c").scope("customers:read").sign();

        String readerBefore = readRecords(reader, tags.subList(100, 105));
        rows.add(new Row(
                "legitimate reader",
                "reader-b reads its 5 customers, 4 times each, at a normal pace",
                "20 x 200",
                readerBefore,
                readerBefore.equals("20 x 200")));

        Scrape one = scrape(scraper, tags, List.of(base));
        singleNodeRecords = one.records();
        rows.add(new Row(
                "sequential scraper",
                "scraper-c walks the tags in order, guessing each next tag, at full speed",
                "429 + Retry-After within " + SCRAPER_LIMIT + " records",
                one.describe(),
                one.quarantined() && one.records() <= SCRAPER_LIMIT && !echoes(one.last(), scraper)));

        String readerAfter = readRecords(reader, tags.subList(100, 105));
        HttpResponse<String> still = get("/customers/" + tags.get(0), scraper);
        rows.add(new Row(
                "reader after scraper",
                "reader-b reads again while scraper-c is quarantined",
                "20 x 200, scraper still 429",
                readerAfter + ", scraper " + still.statusCode(),
                readerAfter.equals("20 x 200") && still.statusCode() == 429));
    }

    /** How a scrape ended: the records it got, the requests it made, and the last answer. */
    record Scrape(int records, int requests, HttpResponse<String> last) {
        boolean quarantined() {
            return last != null
                    && last.statusCode() == 429
                    && last.headers().firstValue("Retry-After").isPresent()
                    && last.body().contains("/problems/quarantined");
        }

        String describe() {
            String retryAfter = last == null
                    ? null
                    : last.headers().firstValue("Retry-After").orElse(null);
            return (last == null
                            ? "nothing"
                            : last.statusCode() + (retryAfter == null ? "" : " Retry-After: " + retryAfter))
                    + " after N=" + records + " records (" + requests + " requests)";
        }
    }

    /**
     * Walks the tags in order, guessing each next tag, at full speed, sending request i to
     * {@code nodes.get(i % nodes.size())} (a load balancer's round robin), until refused with
     * anything but a miss or the budget is spent. A rate limit's 429 is waited out, as a scraper would.
     */
    private Scrape scrape(String token, List<String> tags, List<URI> nodes) throws Exception {
        int records = 0;
        int requests = 0;
        HttpResponse<String> last = null;
        outer:
        for (String tag : tags) {
            for (String t : List.of(tag, successor(tag))) {
                last = get(nodes.get(requests % nodes.size()), "/customers/" + t, token);
                requests++;
                if (last.statusCode() == 429 && last.body().contains("/problems/rate-limited")) {
                    Thread.sleep(1000L
                            * Long.parseLong(
                                    last.headers().firstValue("Retry-After").orElse("1")));
                    last = get(nodes.get(requests % nodes.size()), "/customers/" + t, token);
                    requests++;
                }
                if (last.statusCode() == 200) {
                    records++;
                } else if (last.statusCode() != 404 || requests >= SCRAPER_BUDGET) {
                    break outer;
                }
            }
        }
        return new Scrape(records, requests, last);
    }

    /** Reads each tag four times, 50 ms apart; answers "20 x 200" or the statuses seen. */
    private String readRecords(String token, List<String> tags) throws Exception {
        java.util.Map<Integer, Integer> statuses = new java.util.TreeMap<>();
        for (int round = 0; round < 4; round++) {
            for (String t : tags) {
                statuses.merge(get("/customers/" + t, token).statusCode(), 1, Integer::sum);
                Thread.sleep(50);
            }
        }
        StringBuilder sb = new StringBuilder();
        statuses.forEach((status, n) ->
                sb.append(sb.length() == 0 ? "" : ", ").append(n).append(" x ").append(status));
        return sb.toString();
    }

    /** The next tag in the alphabet A-Z, 0-9 (the last character incremented, with carry). */
    static String successor(String tag) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        char[] c = tag.toCharArray();
        for (int i = c.length - 1; i >= 0; i--) {
            int k = alphabet.indexOf(c[i]);
            if (k + 1 < alphabet.length()) {
                c[i] = alphabet.charAt(k + 1);
                return new String(c);
            }
            c[i] = alphabet.charAt(0);
        }
        return new String(c);
    }

    /**
     * The fleet rows: two demo servers sharing one private {@code redis-server} ({@code --redis}),
     * a load balancer's round robin between them. A scraper alternating between the nodes is
     * stopped after about as many records as on one node, and node A's inventory lists a caller
     * only node B saw. The same rows again on a private 3-master Redis Cluster
     * ({@code --redis-cluster}). Without a {@code redis-server} (and {@code redis-cli} for the
     * cluster) on the PATH the rows are skipped with a line that says so, unless
     * {@code APIGUARD_REQUIRE_REDIS=1} (CI), where that is a failed row.
     */
    private void playFleet(PrintStream out, List<String> arguments, LocalIssuer issuer) throws Exception {
        if (RedisServer.binary() == null) {
            if ("1".equals(System.getenv(RedisServer.REQUIRE_ENV))) {
                rows.add(new Row("fleet", "two nodes on one Redis", "a redis-server", "none on the PATH", false));
            } else {
                out.println("fleet rows skipped: redis-server is not on the PATH");
                out.println();
            }
            return;
        }
        try (RedisServer redis = RedisServer.start()) {
            playFleet(out, arguments, issuer, "fleet", List.of("--redis", redis.uri()), redis.uri(), "scraper-f");
        }
        if (RedisCluster.cliBinary() == null) {
            if ("1".equals(System.getenv(RedisServer.REQUIRE_ENV))) {
                rows.add(new Row(
                        "fleet on a cluster", "two nodes on a Redis Cluster", "redis-cli", "none on the PATH", false));
            } else {
                out.println("fleet rows on a cluster skipped: redis-cli is not on the PATH");
                out.println();
            }
            return;
        }
        try (RedisCluster cluster = RedisCluster.start(3, 0)) {
            String seeds = String.join(",", cluster.seedUris());
            playFleet(
                    out,
                    arguments,
                    issuer,
                    "fleet on a cluster",
                    List.of("--redis-cluster", seeds),
                    "a 3-master Redis Cluster (" + seeds + ")",
                    "scraper-c");
        }
    }

    private void playFleet(
            PrintStream out,
            List<String> arguments,
            LocalIssuer issuer,
            String label,
            List<String> sharing,
            String shared,
            String scraperId)
            throws Exception {
        List<String> fleet = new ArrayList<>(arguments);
        fleet.addAll(sharing);
        try (DemoServer a = DemoServer.start(DemoOptions.parse(fleet));
                DemoServer b = DemoServer.start(DemoOptions.parse(fleet))) {
            out.println(label + ": node A on " + a.baseUri() + ", node B on " + b.baseUri() + ", sharing " + shared);
            out.println();
            List<String> tags = CustomerDirectory.demo().all().stream()
                    .map(CustomerDirectory.Customer::serviceTag)
                    .sorted()
                    .toList();
            String scraper =
                    issuer.token().clientId(scraperId).scope("customers:read").sign();
            Scrape alternating = scrape(scraper, tags, List.of(a.baseUri(), b.baseUri()));
            // as on one node: the same limit, and within 1.2 times (and a few requests) of one node
            int bound = Math.min(SCRAPER_LIMIT, singleNodeRecords * 6 / 5 + 5);
            rows.add(new Row(
                    label + ": scraper alternating",
                    scraperId + " walks the tags in order, its requests alternating between node A and node B",
                    "429 quarantined within " + bound + " records (one node: " + singleNodeRecords + ")",
                    alternating.describe(),
                    alternating.quarantined()
                            && alternating.records() <= bound
                            && !echoes(alternating.last(), scraper)));

            String seenByB = issuer.token()
                    .clientId("fleet-partner")
                    .scope("customers:read")
                    .sign();
            HttpResponse<String> onB = get(b.baseUri(), "/customers/" + tags.get(7), seenByB);
            String admin = issuer.token()
                    .clientId("guard-admin")
                    .scope(DemoServer.ADMIN_SCOPE)
                    .sign();
            long started = System.nanoTime();
            HttpResponse<String> inventory;
            boolean listed;
            do {
                inventory = get(a.baseUri(), "/admin/inventory", admin);
                listed = inventory.statusCode() == 200 && inventory.body().contains("\"id\":\"fleet-partner\"");
                if (!listed) {
                    Thread.sleep(100); // polling a server's view of the fleet, over real time
                }
            } while (!listed && System.nanoTime() - started < FLEET_VIEW_WITHIN.toNanos());
            long waited = (System.nanoTime() - started) / 1_000_000;
            check(
                    label + ": inventory of node A",
                    "fleet-partner reads one customer on node B only; GET /admin/inventory on node A",
                    inventory,
                    "200 listing fleet-partner within " + FLEET_VIEW_WITHIN.toSeconds() + " s",
                    onB.statusCode() != 200
                            ? "fleet-partner's read on B answered " + onB.statusCode()
                            : inventory.statusCode()
                                    + (listed
                                            ? " listing fleet-partner after " + waited + " ms"
                                            : ", fleet-partner not listed"),
                    onB.statusCode() == 200 && listed,
                    admin);

            String fleetRevoked = issuer.token()
                    .clientId("fleet-revoked")
                    .scope("customers:read")
                    .sign();
            HttpResponse<String> beforeOnB = get(b.baseUri(), "/customers/" + tags.get(8), fleetRevoked);
            HttpResponse<String> revokeOnA = post(
                    client,
                    a.baseUri(),
                    "/admin/revocations",
                    admin,
                    "{\"clientId\":\"fleet-revoked\",\"issuer\":\"" + ISSUER + "\"}");
            long revokedAt = System.nanoTime();
            HttpResponse<String> afterOnB;
            do {
                afterOnB = get(b.baseUri(), "/customers/" + tags.get(8), fleetRevoked);
                if (afterOnB.statusCode() != 401) {
                    Thread.sleep(50); // polling another node's view of the list, over real time
                }
            } while (afterOnB.statusCode() != 401 && System.nanoTime() - revokedAt < FLEET_REVOKED_WITHIN.toNanos());
            long revokedWaited = (System.nanoTime() - revokedAt) / 1_000_000;
            check(
                    label + ": revoked on A, refused on B",
                    "fleet-revoked reads on node B; an admin revokes it on node A; it reads on node B again",
                    afterOnB,
                    "200, 204, then 401 on B within " + FLEET_REVOKED_WITHIN.toMillis() + " ms",
                    beforeOnB.statusCode() + ", " + revokeOnA.statusCode() + ", then " + afterOnB.statusCode()
                            + " on B after " + revokedWaited + " ms",
                    beforeOnB.statusCode() == 200
                            && revokeOnA.statusCode() == 204
                            && afterOnB.statusCode() == 401
                            && revokedWaited <= FLEET_REVOKED_WITHIN.toMillis(),
                    fleetRevoked);
        }
    }

    /** How soon a revocation made on one node applies on another (a message, or the re-read each second). */
    static final Duration FLEET_REVOKED_WITHIN = Duration.ofSeconds(1);

    /** How soon any node's inventory shows what another node saw (the ledger's flush, with room). */
    static final Duration FLEET_VIEW_WITHIN = Duration.ofSeconds(5);

    /** The rows of the governance issue: API keys on their way out, and the least-privilege report. */
    private void playGovernance(LocalIssuer issuer, String validKey, String expiredKey, Instant sunset)
            throws Exception {
        String tag = CustomerDirectory.demo().all().get(1).serviceTag();
        String expectedSunset = ApiKeyStep.sunsetValue(sunset);
        HttpResponse<String> keyed = send(get("/customers/" + tag).header(ApiKeyStep.HEADER, validKey));
        String deprecation = keyed.headers().firstValue("Deprecation").orElse("-");
        String sunsetHeader = keyed.headers().firstValue("Sunset").orElse("-");
        check(
                "API key, told of its sunset",
                "a legacy partner reads a customer with a valid X-API-Key",
                keyed,
                "200 + Deprecation @<epoch> + Sunset " + expectedSunset,
                keyed.statusCode() + " + Deprecation " + deprecation + " + Sunset " + sunsetHeader,
                keyed.statusCode() == 200 && deprecation.matches("@[0-9]+") && sunsetHeader.equals(expectedSunset),
                validKey);
        HttpResponse<String> expired = send(get("/customers/" + tag).header(ApiKeyStep.HEADER, expiredKey));
        check(
                "API key, expired",
                "a key whose expiry passed yesterday",
                expired,
                "401",
                String.valueOf(expired.statusCode()),
                expired.statusCode() == 401,
                expiredKey);
        HttpResponse<String> inQuery = send(get("/customers/" + tag + "?api_key=" + validKey));
        check(
                "API key in query string",
                "the valid key sent as ?api_key= (it ends up in logs)",
                inQuery,
                "401",
                String.valueOf(inQuery.statusCode()),
                inQuery.statusCode() == 401,
                validKey);

        String overGranted = issuer.token()
                .clientId("partner-b")
                .scope("customers:read payments:write")
                .sign();
        send(get("/customers/" + tag).header("Authorization", "Bearer " + overGranted));
        String admin = issuer.token()
                .clientId("guard-admin")
                .scope(DemoServer.ADMIN_SCOPE)
                .sign();
        // the inventory learns of a request once its answer is out (GuardStep.completed): the client
        // may ask before the server thread got there, so ask again for a moment
        long asked = System.nanoTime();
        HttpResponse<String> inventory;
        boolean shown;
        do {
            inventory = send(get("/admin/inventory").header("Authorization", "Bearer " + admin));
            shown = inventory.statusCode() == 200
                    && UNUSED_PAYMENTS.matcher(inventory.body()).find();
            if (!shown) {
                Thread.sleep(50); // polling the server over real time
            }
        } while (!shown && System.nanoTime() - asked < Duration.ofSeconds(2).toNanos());
        check(
                "least-privilege report",
                "GET /admin/inventory (guard:admin) after partner-b, granted " + "payments:write, only read customers",
                inventory,
                "200, partner-b scopesUnused [payments:write]",
                inventory.statusCode()
                        + (shown ? ", partner-b scopesUnused [payments:write]" : ", partner-b not flagged"),
                shown,
                admin);
        HttpResponse<String> notAdmin = send(get("/admin/inventory").header("Authorization", "Bearer " + overGranted));
        check(
                "inventory needs guard:admin",
                "partner-b asks for the inventory",
                notAdmin,
                "403",
                String.valueOf(notAdmin.statusCode()),
                notAdmin.statusCode() == 403,
                overGranted);
    }

    private static final java.util.regex.Pattern UNUSED_PAYMENTS =
            java.util.regex.Pattern.compile("\"id\":\"partner-b\",[^{}]*?\"scopesUnused\":\\[\"payments:write\"\\]");

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(10))
                .GET();
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A row judged by a predicate over the whole response; it fails as well when the response echoes the secret. */
    private void check(
            String name,
            String tried,
            HttpResponse<String> response,
            String expected,
            String got,
            boolean pass,
            String secret) {
        if (secret != null && echoes(response, secret)) {
            pass = false;
            got = got + " (echoes the credential)";
        }
        rows.add(new Row(name, tried, expected, got, pass));
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        return get(base, path, token);
    }

    private HttpResponse<String> get(URI to, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(to.resolve(path))
                .timeout(Duration.ofSeconds(10))
                .GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String token, String json) throws Exception {
        return post(client, base, path, token, json);
    }

    /** POSTs JSON with the given client to the given server, with extra headers as name, value pairs. */
    private static HttpResponse<String> post(
            HttpClient with, URI to, String path, String token, String json, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(to.resolve(path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return with.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> postDpop(String path, String token, String proof, String json) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("Authorization", "DPoP " + token)
                .header("DPoP", proof)
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
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
