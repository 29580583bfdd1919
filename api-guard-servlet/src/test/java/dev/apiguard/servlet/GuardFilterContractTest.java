package dev.apiguard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The behaviour every way of installing the guard in a servlet container must show, over real
 * HTTP against embedded Jetty 12. Subclasses install the guard as one filter or as one filter
 * per step; both must give the same answers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class GuardFilterContractTest {

    private static final String PAYMENTS_WRITER = "partner-1;MTLS_BOUND_JWT;payments:write";
    private static final String READER = "partner-1;BEARER_JWT;customers:read";

    private TestApp app;
    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Puts the guard's filter(s) into the context. */
    abstract void install(ServletContextHandler context, ApiGuard guard);

    @BeforeAll
    void start() throws Exception {
        app = new TestApp(this::install);
    }

    @AfterAll
    void stop() throws Exception {
        app.close();
    }

    /** One request with a fresh request id, so that the recorders tell requests apart. */
    private final class Call {
        final String id = UUID.randomUUID().toString();
        final HttpRequest.Builder builder;

        Call(String method, String pathAndQuery, String caller) {
            builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + pathAndQuery))
                    .timeout(Duration.ofSeconds(30))
                    .header(TestApp.ID_HEADER, id)
                    .method(method, HttpRequest.BodyPublishers.noBody());
            if (caller != null) {
                builder.header(TestApp.CALLER_HEADER, caller);
            }
        }

        HttpResponse<String> send() throws IOException, InterruptedException {
            return client.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        }

        TestApp.Record record() throws InterruptedException {
            return app.record(id).awaitDone();
        }
    }

    private static void assertProblem(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.headers().allValues("Cache-Control")).containsExactly("no-store");
        assertThat(response.body())
                .startsWith("{\"type\":\"https://api-guard.dev/problems/" + code + "\"")
                .contains("\"status\":" + status);
        assertThat(response.headers().firstValueAsLong("Content-Length"))
                .hasValue(response.body().getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void anAllowedCallerReachesTheApplicationAsItsPrincipal() throws Exception {
        Call call = new Call("GET", "/customers/ABC1234", READER);
        HttpResponse<String> response = call.send();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
                .isEqualTo("principal=partner-1|principalIsCaller=true|remoteUser=partner-1"
                        + "|authType=Bearer|caller=partner-1 [customers:read]|path=/customers/ABC1234");
        assertThat(response.headers().firstValue("Cache-Control")).isEmpty();
        TestApp.Record record = call.record();
        assertThat(record.evaluations).hasValue(1);
        assertThat(record.completions).containsExactly(200);
    }

    @Test
    void theAuthTypeNamesTheCredential() throws Exception {
        HttpResponse<String> dpop = new Call("GET", "/customers/A", "p;DPOP_BOUND_JWT;customers:read").send();
        HttpResponse<String> mtls = new Call("GET", "/customers/A", "p;MTLS;customers:read").send();
        assertThat(dpop.body()).contains("|authType=DPoP|");
        assertThat(mtls.body()).contains("|authType=CLIENT_CERT|");
    }

    @Test
    void aPublicRouteNeedsNoCredentialAndExposesNoPrincipal() throws Exception {
        Call call = new Call("GET", "/health", null);
        HttpResponse<String> response = call.send();
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"status\":\"ok\"}");
        assertThat(call.record().completions).containsExactly(200);
    }

    @Test
    void noCredentialIs401WithEveryChallengeAndNoError() throws Exception {
        Call call = new Call("GET", "/customers/ABC1234", null);
        HttpResponse<String> response = call.send();

        assertProblem(response, 401, "unauthenticated");
        assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly("Bearer", "DPoP algs=\"ES256\"");
        TestApp.Record record = call.record();
        assertThat(record.servletCalls).hasValue(0);
        assertThat(record.completions).containsExactly(401);
    }

    /**
     * A refusal is counted before the client has it: a client that sends its next request as soon
     * as it has the answer (on a new connection when a body left unread closes this one) finds the
     * refusal counted (the per-address budget of unauthenticated requests), instead of racing the
     * count. The recording step holds its completion until the test has the answer or a second
     * has passed.
     */
    @Test
    void theStepsAreToldOfARefusalBeforeTheClientHasIt() throws Exception {
        Call call = new Call("GET", "/customers/ABC1234", null);
        call.builder.header(TestApp.HOLD_HEADER, "1");
        HttpResponse<String> response = call.send();
        TestApp.Record record = app.record(call.id);
        record.answered.countDown();

        assertProblem(response, 401, "unauthenticated");
        record.awaitDone();
        assertThat(record.completions).containsExactly(401);
        assertThat(record.answeredBeforeCompletion)
                .as("the client had the refusal before the steps were told of it")
                .isFalse();
    }

    @Test
    void aMissingScopeIs403WithTheExactChallenge() throws Exception {
        Call call = new Call("POST", "/payments", "partner-1;MTLS_BOUND_JWT;customers:read");
        HttpResponse<String> response = call.send();

        assertProblem(response, 403, "insufficient-scope");
        assertThat(response.headers().allValues("WWW-Authenticate"))
                .containsExactly("Bearer error=\"insufficient_scope\", scope=\"payments:write\"");
        TestApp.Record record = call.record();
        assertThat(record.servletCalls).hasValue(0);
        assertThat(record.completions).containsExactly(403);
    }

    @Test
    void aBearerTokenOnASenderConstrainedRouteIs401InvalidToken() throws Exception {
        HttpResponse<String> response = new Call("POST", "/payments", "partner-1;BEARER_JWT;payments:write").send();
        assertProblem(response, 401, "invalid-token");
        assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly("Bearer error=\"invalid_token\"");
    }

    @Test
    void anUnmappedRouteIs404ForACallerAnd401ForAnAnonymousClient() throws Exception {
        assertProblem(new Call("GET", "/nothing/here", READER).send(), 404, "not-found");
        HttpResponse<String> anonymous = new Call("GET", "/nothing/here", null).send();
        assertProblem(anonymous, 401, "unauthenticated");
        assertThat(anonymous.headers().allValues("WWW-Authenticate")).containsExactly("Bearer", "DPoP algs=\"ES256\"");
    }

    @Test
    void anotherMethodOnAKnownRouteIs405WithAllow() throws Exception {
        HttpResponse<String> response = new Call("DELETE", "/customers/A", READER).send();
        assertProblem(response, 405, "method-not-allowed");
        assertThat(response.headers().allValues("Allow")).containsExactly("GET, HEAD");
    }

    @Test
    void headIsAnsweredUnderTheGetRule() throws Exception {
        Call allowed = new Call("HEAD", "/customers/A", READER);
        assertThat(allowed.send().statusCode()).isEqualTo(200);
        assertThat(allowed.record().completions).containsExactly(200);
        assertThat(new Call("HEAD", "/customers/A", "p;BEARER_JWT;other").send().statusCode())
                .isEqualTo(403);
    }

    @Test
    void aMethodOverrideHeaderIsRefused() throws Exception {
        Call call = new Call("POST", "/payments", PAYMENTS_WRITER);
        call.builder.header("X-HTTP-Method-Override", "DELETE");
        HttpResponse<String> response = call.send();
        assertProblem(response, 400, "method-override");
        assertThat(response.headers().allValues("WWW-Authenticate")).isEmpty();
        assertThat(call.record().servletCalls).hasValue(0);
    }

    @Test
    void aStepThatThrowsIsAnswered503WithAProblemNotAContainerError() throws Exception {
        Call call = new Call("GET", "/customers/A", READER);
        call.builder.header(TestApp.BOOM_HEADER, "1");
        HttpResponse<String> response = call.send();

        assertProblem(response, 503, "unavailable");
        assertThat(response.body()).doesNotContain("secret", "Exception", "at dev.");
        TestApp.Record record = call.record();
        assertThat(record.servletCalls).hasValue(0);
        assertThat(record.completions).containsExactly(503);
    }

    @Test
    void theGuardRunsOnceWhenTheApplicationForwards() throws Exception {
        Call call = new Call("GET", "/forward", READER);
        HttpResponse<String> response = call.send();

        // the forward target is guarded by its own rule only when requested directly
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("principal=partner-1", "path=/customers/INNER");
        TestApp.Record record = call.record();
        assertThat(record.evaluations).hasValue(1);
        assertThat(record.completions).containsExactly(200);
    }

    @Test
    void theGuardRunsOnceWhenTheApplicationIncludes() throws Exception {
        Call call = new Call("GET", "/include", READER);
        HttpResponse<String> response = call.send();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).startsWith("before|principal=partner-1").endsWith("|after");
        TestApp.Record record = call.record();
        assertThat(record.evaluations).hasValue(1);
        assertThat(record.completions).containsExactly(200);
    }

    @Test
    void theGuardRunsOnceWhenTheApplicationSendsAnErrorAndReportsItsStatus() throws Exception {
        Call call = new Call("GET", "/teapot", READER);
        HttpResponse<String> response = call.send();

        // the error page is served by an ERROR dispatch that the guard lets through
        assertThat(response.statusCode()).isEqualTo(418);
        assertThat(response.body()).isEqualTo("error page");
        TestApp.Record record = call.record();
        assertThat(record.evaluations).hasValue(1);
        assertThat(record.completions).containsExactly(418);
    }

    @Test
    void anApplicationThatThrowsIsReportedAs500() throws Exception {
        Call call = new Call("GET", "/throw", READER);
        assertThat(call.send().statusCode()).isEqualTo(500);
        TestApp.Record record = call.record();
        assertThat(record.evaluations).hasValue(1);
        assertThat(record.completions).containsExactly(500);
    }

    @Test
    void anAsyncRequestIsReportedOnceWhenItCompletes() throws Exception {
        Call call = new Call("GET", "/async", READER);
        HttpResponse<String> response = call.send();

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.body()).contains("principal=partner-1", "caller=partner-1", "unwrappedCaller=true");
        TestApp.Record record = call.record();
        assertThat(record.evaluations).hasValue(1);
        assertThat(record.completions).containsExactly(202);
    }

    @Test
    void anAsyncRequestThatTimesOutIsReportedOnceAs500() throws Exception {
        Call call = new Call("GET", "/async-timeout", READER);
        assertThat(call.send().statusCode()).isEqualTo(500);
        TestApp.Record record = call.record();
        assertThat(record.evaluations).hasValue(1);
        assertThat(record.completions).containsExactly(500);
    }

    @Test
    void theQueryCheckNeverConsumesAFormBody() throws Exception {
        Call call = new Call("POST", "/payments?x=1&y", PAYMENTS_WRITER);
        call.builder
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("access_token=abc&amount=10"));
        HttpResponse<String> response = call.send();

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.body()).endsWith("|body=access_token=abc&amount=10");
        assertThat(call.record().completions).containsExactly(201);
    }

    @ParameterizedTest
    @ValueSource(strings = {"?access_token=abc", "?a=1&access_token", "?access%5Ftoken=x", "?b=%25zz&access_token="})
    void aTokenNamedInTheQueryStringIsSeen(String query) throws Exception {
        HttpResponse<String> response = new Call("GET", "/customers/A" + query, READER).send();
        assertProblem(response, 400, "invalid-request");
    }

    @ParameterizedTest
    @ValueSource(strings = {"?access_tokenx=1", "?xaccess_token=1", "?q=access_token", "?access_token%00=1"})
    void otherQueryParametersAreNotTakenForAToken(String query) throws Exception {
        assertThat(new Call("GET", "/customers/A" + query, READER).send().statusCode())
                .isEqualTo(200);
    }

    @Test
    void aMalformedEscapeInTheQueryStringMatchesNothingAndBreaksNothing() throws Exception {
        // java.net.URI refuses to send these, so they go over a raw socket
        String request = "GET /customers/A?access%zz_token=1&b=%E0%A4 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + TestApp.CALLER_HEADER + ": " + READER + "\r\nConnection: close\r\n\r\n";
        assertThat(rawRequest(request)).matches("HTTP/1.1 (200|400) .*");
    }

    /**
     * B4 over a raw socket: whatever Jetty makes of each variant of {@code POST /payments}, a caller
     * without {@code payments:write} never reaches the application: Jetty refuses it, or the guard
     * refuses it as not canonical, or it hits the {@code /payments} rule (403) or no rule (404).
     */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "//payments",
                "/payments;x",
                "/%2570ayments",
                "/a/../payments",
                "/./payments",
                "/payments/.",
                "/payments/",
                "/%70ayments",
                "/pay%2Fments",
                "/payments%00",
                "/%2e/payments",
                "/payments;/",
                "/%2F/payments",
                "/payments%3Bx",
                "/.;/payments",
                "/payments/..;/payments"
            })
    void pathVariantsNeverReachTheApplicationWithoutTheScope(String path) throws Exception {
        String id = UUID.randomUUID().toString();
        String status = rawRequest("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + TestApp.ID_HEADER + ": " + id + "\r\n"
                + TestApp.CALLER_HEADER + ": partner-1;MTLS_BOUND_JWT;customers:read\r\n"
                + "Content-Length: 2\r\nConnection: close\r\n\r\n{}");

        assertThat(status).matches("HTTP/1.1 (400|403|404) .*");
        assertThat(app.record(id).servletCalls).hasValue(0);
    }

    @Test
    void theRawPathsHitTheSameRuleAsTheContainerDispatches() throws Exception {
        // Jetty strips ';x' and removes dot segments before dispatch: the /payments rule answers 403
        for (String path : new String[] {"/payments;x", "/a/../payments"}) {
            String status = rawRequest("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + TestApp.CALLER_HEADER + ": partner-1;MTLS_BOUND_JWT;customers:read\r\n"
                    + "Content-Length: 0\r\nConnection: close\r\n\r\n");
            assertThat(status).as(path).startsWith("HTTP/1.1 403");
        }
        // a double-encoded path arrives as '/%70ayments' after decoding and is refused
        assertThat(rawRequest("POST /%2570ayments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + TestApp.CALLER_HEADER + ": " + PAYMENTS_WRITER + "\r\n"
                        + "Content-Length: 0\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 400");
    }

    /**
     * A refused request whose body the guard never read ends its connection, so a client cannot
     * send its next request into a socket the container is about to close; a refused request
     * without a body keeps the connection.
     */
    @Test
    void aRefusedRequestWithAnUnreadBodyClosesTheConnection() throws Exception {
        String withBody = rawHead("POST /payments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: 17\r\n\r\n{\"amount\":\"3.00\"}");
        assertThat(withBody).startsWith("HTTP/1.1 401").containsIgnoringCase("\r\nConnection: close\r\n");

        String chunked = rawHead("POST /payments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
        assertThat(chunked).startsWith("HTTP/1.1 401").containsIgnoringCase("\r\nConnection: close\r\n");

        String withoutBody = rawHead("GET /customers/A HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertThat(withoutBody).startsWith("HTTP/1.1 401").doesNotContainIgnoringCase("Connection: close");
    }

    /** The status line and headers of the answer to one request on a keep-alive connection. */
    private String rawHead(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", app.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != -1) {
                head.write(b);
                if (head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    break;
                }
            }
            return head.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** The status line of the answer to one raw request. */
    private String rawRequest(String request) throws IOException {
        return rawHead(request).lines().findFirst().orElse("").trim();
    }
}
