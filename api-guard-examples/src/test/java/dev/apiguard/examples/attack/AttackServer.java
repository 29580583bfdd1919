package dev.apiguard.examples.attack;

import dev.apiguard.examples.CustomerDirectory;
import dev.apiguard.examples.DemoOptions;
import dev.apiguard.examples.DemoServer;
import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.TestCertificates;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The demo server ({@link DemoServer}, embedded Jetty 12 over HTTPS with client certificates
 * asked for) as one attack class meets it, started once per class, with the parties of the
 * suite: a test CA with two partner certificates, the trusted token issuer (RSA), and an impostor
 * that claims the same issuer with its own key.
 *
 * <p>Every request goes through {@link #send} or {@link #raw}, and every answer they return has
 * passed {@link Leaks#assertNotEchoed} against the credentials its request carried (credential
 * headers and parameters, found in the request itself). Unless the class says otherwise, the
 * server runs with limits far above what a test sends and anomaly scoring in observe mode, so
 * that one test's refusals never throttle another's; the rate-limit class sets its own.
 */
final class AttackServer implements AutoCloseable {

    static final String ISSUER = "https://issuer.attack.test";
    static final String AUDIENCE = "https://api.attack.test";
    static final String PAYMENT = "{\"amount\":\"1.00\",\"currency\":\"EUR\"}";

    // one pair of partner certificates per CA, shared by sibling servers
    private static final Map<TestCertificates, IssuedCertificate[]> PARTNERS =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    final TestCertificates pki;
    final IssuedCertificate partnerA;
    final IssuedCertificate partnerB;
    final LocalIssuer issuer;
    final LocalIssuer impostor;
    final DemoServer server;
    /** Presents partner-a's certificate. */
    final HttpClient clientA;
    /** Presents partner-b's certificate. */
    final HttpClient clientB;
    /** Presents no certificate. */
    final HttpClient noCertificate;

    private final Map<Optional<IssuedCertificate>, javax.net.ssl.SSLContext> contexts =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** A customer the directory holds. */
    final String tag = CustomerDirectory.demo().all().get(3).serviceTag();

    private AttackServer(TestCertificates pki, LocalIssuer issuer, DemoServer server) {
        this.pki = pki;
        this.partnerA = PARTNERS.computeIfAbsent(
                        pki, p -> new IssuedCertificate[] {p.client("partner-a"), p.client("partner-b")})[0];
        this.partnerB = PARTNERS.get(pki)[1];
        this.issuer = issuer;
        this.impostor = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
        this.server = server;
        this.clientA = client(partnerA);
        this.clientB = client(partnerB);
        this.noCertificate = client(null);
    }

    /**
     * Starts the demo server in {@code dir} with the suite's defaults; {@code flags} are added
     * (and win: {@code --rate-limit}, {@code --anonymous-rate-limit}, {@code --anomaly},
     * {@code --jwks} given here replace the defaults).
     */
    static AttackServer start(Path dir, String... flags) throws Exception {
        TestCertificates pki = TestCertificates.create();
        LocalIssuer issuer = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
        return new AttackServer(pki, issuer, launch(pki, issuer, dir, flags));
    }

    /** Another demo server with the same CA and issuer (its own files in {@code dir}), as {@link #start} takes flags. */
    AttackServer sibling(Path dir, String... flags) throws Exception {
        return new AttackServer(pki, issuer, launch(pki, issuer, dir, flags));
    }

    private static DemoServer launch(TestCertificates pki, LocalIssuer issuer, Path dir, String... flags)
            throws Exception {
        pki.writeServerKeyStore(dir.resolve("server.p12"), "pw".toCharArray());
        pki.writeCaPem(dir.resolve("ca.pem"));
        issuer.writeJwks(dir.resolve("jwks.json"));
        List<String> given = Arrays.asList(flags);
        List<String> args = new ArrayList<>(List.of(
                "--port",
                "0",
                "--tls-keystore",
                dir.resolve("server.p12").toString(),
                "--tls-password",
                "pw",
                "--client-ca",
                dir.resolve("ca.pem").toString(),
                "--issuer",
                ISSUER,
                "--audience",
                AUDIENCE));
        for (Map.Entry<String, String> d : Map.of(
                        "--jwks",
                        dir.resolve("jwks.json").toString(),
                        "--rate-limit",
                        "1000000/1s",
                        "--anonymous-rate-limit",
                        "1000000/1s",
                        "--anomaly",
                        "observe")
                .entrySet()) {
            if (!given.contains(d.getKey())) {
                args.add(d.getKey());
                args.add(d.getValue());
            }
        }
        args.addAll(given);
        return DemoServer.start(DemoOptions.parse(args));
    }

    /** A client presenting the certificate (none when null); HTTP/1.1, 10 s to connect. */
    HttpClient client(IssuedCertificate certificate) {
        return HttpClient.newBuilder()
                .sslContext(pki.sslContext(certificate))
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    URI uri(String path) {
        return server.baseUri().resolve(path);
    }

    /** The {@code htu} a DPoP proof for the path names. */
    String htu(String path) {
        return uri(path).toString();
    }

    /** A request builder for the path, 20 s timeout. */
    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20));
    }

    /**
     * Sends with the client; the answer has passed the echo check against every credential
     * header of the request, the credential parameters of its URI and {@code alsoSecret}.
     */
    Answer send(HttpClient client, HttpRequest request, String... alsoSecret) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        Answer answer = Answer.of(response);
        List<String> sent = new ArrayList<>(Arrays.asList(alsoSecret));
        request.headers().map().forEach((name, values) -> {
            if (Leaks.CREDENTIAL_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                sent.addAll(values);
            }
        });
        Optional.ofNullable(request.uri().getRawQuery()).ifPresent(q -> sent.addAll(Leaks.inQuery(q)));
        Leaks.assertNotEchoed(answer, sent);
        return answer;
    }

    /** {@code GET path} by partner-a's client with {@code Authorization} when not null. */
    Answer get(String path, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return send(clientA, b.build());
    }

    /** {@code GET path} with a {@code Bearer} token, by partner-a's client. */
    Answer bearer(String path, String token) throws IOException, InterruptedException {
        return get(path, "Bearer " + token);
    }

    /** {@code POST /payments} by the client, with the headers as name, value pairs. */
    Answer pay(HttpClient client, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = request("/payments")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(PAYMENT));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(client, b.build());
    }

    /**
     * Sends the raw request over TLS with partner-a's certificate; the answer has passed the echo
     * check against the credentials the raw text carries.
     */
    Answer raw(String request) throws IOException {
        return raw(partnerA, request);
    }

    /** {@link #raw(String)} presenting the certificate (none when null). */
    Answer raw(IssuedCertificate certificate, String request) throws IOException {
        javax.net.ssl.SSLContext tls =
                contexts.computeIfAbsent(Optional.ofNullable(certificate), c -> pki.sslContext(c.orElse(null)));
        Answer answer = RawTls.exchange(tls, server.port(), request);
        Leaks.assertNotEchoed(answer, Leaks.inRawRequest(request));
        return answer;
    }

    /**
     * Sends the raw requests over one TLS connection with partner-a's certificate, each once the
     * answer to the one before has been read (a keep-alive client); every answer has passed the
     * echo check against the credentials its own request carries.
     */
    List<Answer> rawOverOneConnection(String... requests) throws IOException {
        javax.net.ssl.SSLContext tls =
                contexts.computeIfAbsent(Optional.of(partnerA), c -> pki.sslContext(c.orElse(null)));
        List<Answer> answers = RawTls.exchanges(tls, server.port(), List.of(requests));
        for (int i = 0; i < answers.size(); i++) {
            Leaks.assertNotEchoed(answers.get(i), Leaks.inRawRequest(requests[i]));
        }
        return answers;
    }

    /** A raw request: the request line, the Host header, the given header lines, {@code Connection: close}. */
    String rawRequest(String method, String target, String... headerLines) {
        StringBuilder b = new StringBuilder(method)
                .append(' ')
                .append(target)
                .append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:")
                .append(server.port())
                .append("\r\n");
        for (String line : headerLines) {
            b.append(line).append("\r\n");
        }
        return b.append("Connection: close\r\n\r\n").toString();
    }

    /** {@link #rawRequest} without {@code Connection: close}: the connection stays open for the next request. */
    String keepAliveRequest(String method, String target, String... headerLines) {
        StringBuilder b = new StringBuilder(method)
                .append(' ')
                .append(target)
                .append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:")
                .append(server.port())
                .append("\r\n");
        for (String line : headerLines) {
            b.append(line).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    /** A raw {@code GET} of the customer with the header lines. */
    Answer rawGet(String... headerLines) throws IOException {
        return raw(rawRequest("GET", "/customers/" + tag, headerLines));
    }

    /** A token for partner-a with the scope, from the trusted issuer. */
    String token(String scope) {
        return issuer.token().clientId("partner-a").scope(scope).sign();
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
