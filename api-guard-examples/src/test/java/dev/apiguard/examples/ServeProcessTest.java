package dev.apiguard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.TestCertificates;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve} as outside tools run it: a separate JVM whose first stdout line names its port. */
class ServeProcessTest {

    @TempDir
    Path dir;

    @Test
    void serveAnnouncesItsPortOnTheFirstLineAndAnswersOverHttps() throws Exception {
        TestCertificates pki = TestCertificates.create();
        LocalIssuer issuer = LocalIssuer.ec("https://issuer.serve.test").audience("https://api.serve.test");
        pki.writeServerKeyStore(dir.resolve("server.p12"), "secret".toCharArray());
        pki.writeCaPem(dir.resolve("ca.pem"));
        issuer.writeJwks(dir.resolve("jwks.json"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        DemoMain.class.getName(),
                        "serve",
                        "--port",
                        "0",
                        "--tls-keystore",
                        dir.resolve("server.p12").toString(),
                        "--tls-password",
                        "secret",
                        "--client-ca",
                        dir.resolve("ca.pem").toString(),
                        "--issuer",
                        issuer.issuer(),
                        "--audience",
                        "https://api.serve.test",
                        "--jwks",
                        dir.resolve("jwks.json").toString()))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String first = CompletableFuture.supplyAsync(() -> {
                        try {
                            return out.readLine();
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .get(60, TimeUnit.SECONDS);
            assertThat(first).matches("listening on https://127\\.0\\.0\\.1:[0-9]{1,5}");
            URI base = URI.create(first.substring("listening on ".length()));

            HttpClient client = HttpClient.newBuilder()
                    .sslContext(pki.sslContext(pki.client("tool")))
                    .build();
            HttpResponse<String> health = client.send(
                    HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            String token = issuer.token()
                    .audience("https://api.serve.test")
                    .scope("customers:read")
                    .sign();
            HttpResponse<String> page = client.send(
                    HttpRequest.newBuilder(base.resolve("/customers?page=0&size=1"))
                            .header("Authorization", "Bearer " + token)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
        } finally {
            process.destroy();
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
    }
}
