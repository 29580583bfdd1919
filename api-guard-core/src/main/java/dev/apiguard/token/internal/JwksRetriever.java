package dev.apiguard.token.internal;

import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import java.io.IOException;
import java.net.ProxySelector;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * Fetches a JWKS document within one deadline for the whole exchange (connect, headers and body),
 * over the JDK {@link HttpClient}.
 *
 * <p>Nimbus' {@code DefaultResourceRetriever} over {@code HttpURLConnection} has a read timeout
 * per read only: an endpoint that trickles its answer a byte at a time, each within the read
 * timeout, holds the fetching request thread until the whole document has come (up to the size
 * limit times the read timeout: days). Here the caller waits at most connect plus read timeout,
 * then the exchange is cancelled and its connection closed. Bodies over the size limit are
 * refused as they arrive, never buffered beyond it. Thread-safe.
 */
final class JwksRetriever implements ResourceRetriever {

    static final String JWKS_ACCEPT = "application/jwk-set+json, application/json";
    static final String METADATA_ACCEPT = "application/json";

    private final HttpClient client;
    private final Duration deadline;
    private final int sizeLimit;
    private final String what;
    private final String accept;

    JwksRetriever(Duration connectTimeout, Duration readTimeout, int sizeLimit, @Nullable SSLContext tls) {
        this(connectTimeout, readTimeout, sizeLimit, "JWKS", JWKS_ACCEPT, tls);
    }

    /**
     * A retriever of documents of one kind ({@code what} names it in messages: {@code JWKS},
     * {@code metadata}). Redirects are never followed: a 3xx is a failed fetch, so that a document
     * never comes from another origin than the configured URL, nor over http from a host other
     * than a loopback one. {@code tls} null: the JVM's default TLS context (its trust store).
     */
    JwksRetriever(
            Duration connectTimeout,
            Duration readTimeout,
            int sizeLimit,
            String what,
            String accept,
            @Nullable SSLContext tls) {
        HttpClient.Builder builder = HttpClient.newBuilder();
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.client = builder.connectTimeout(connectTimeout)
                .version(HttpClient.Version.HTTP_1_1) // as HttpURLConnection did: no h2c upgrade on plain http
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(ProxySelector.getDefault())
                .build();
        this.deadline = connectTimeout.plus(readTimeout);
        this.sizeLimit = sizeLimit;
        this.what = what;
        this.accept = accept;
    }

    @Override
    public Resource retrieveResource(URL url) throws IOException {
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(url.toURI())
                    .timeout(deadline)
                    .GET()
                    .header("Accept", accept)
                    .build();
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IOException("not a valid " + what + " URL", e);
        }
        HttpResponse<byte[]> response = LimitedBody.send(client, request, what, sizeLimit, deadline);
        return new Resource(
                new String(response.body(), StandardCharsets.UTF_8),
                response.headers().firstValue("Content-Type").orElse(null));
    }
}
