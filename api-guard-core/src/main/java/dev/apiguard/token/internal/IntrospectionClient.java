package dev.apiguard.token.internal;

import java.io.IOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * Posts RFC 7662 §2.1 introspection requests to one endpoint over the JDK {@link HttpClient}: one
 * deadline for the whole exchange (connect, headers and body), the answer's body read up to a size
 * limit, redirects never followed, HTTP/1.1 only. Thread-safe.
 */
public final class IntrospectionClient {

    private static final String WHAT = "introspection";

    private final HttpClient client;
    private final URI endpoint;
    private final Duration deadline;
    private final int sizeLimit;

    /**
     * A client of {@code endpoint} (already checked by {@link HttpUrls#check}).
     *
     * @param sslContext the TLS context (private trust anchors, a client key for mTLS), or null for
     *     the JVM's default
     */
    public IntrospectionClient(URI endpoint, Duration deadline, int sizeLimit, @Nullable SSLContext sslContext) {
        HttpClient.Builder b = HttpClient.newBuilder()
                .connectTimeout(deadline)
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(ProxySelector.getDefault());
        if (sslContext != null) {
            b.sslContext(sslContext);
        }
        this.client = b.build();
        this.endpoint = endpoint;
        this.deadline = deadline;
        this.sizeLimit = sizeLimit;
    }

    /**
     * Posts the form ({@code application/x-www-form-urlencoded}, already encoded) with the given
     * {@code Authorization} header (or none) and returns the body of a 2xx answer.
     *
     * @throws IOException when the endpoint cannot be reached, answers another status, sends more
     *     than the size limit or takes longer than the deadline ({@link #faultCode} names which);
     *     the message never holds the form
     */
    public byte[] post(String form, @Nullable String authorization) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
                .timeout(deadline)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return LimitedBody.send(client, request.build(), WHAT, sizeLimit, deadline)
                .body();
    }

    /** A short code for why {@link #post} failed: {@code timeout}, {@code http_503}, {@code too_large}, ... */
    public static String faultCode(IOException e) {
        return LimitedBody.faultCode(e);
    }
}
