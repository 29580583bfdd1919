package dev.apiguard.token.internal;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.token.JwksOptions;
import dev.apiguard.token.KeySourceStatus;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys of an issuer found through its metadata: RFC 8414 Authorization Server Metadata
 * ({@code /.well-known/oauth-authorization-server} inserted between the host and the issuer's path,
 * RFC 8414 §3.1), else OpenID Connect discovery ({@code /.well-known/openid-configuration}
 * appended to the issuer). The document's {@code issuer} must equal the configured issuer exactly
 * (RFC 8414 §3.3); its {@code jwks_uri} then becomes a {@link RemoteJwks} source with the same
 * options, as {@code KeySource.jwksUrl} would make it.
 *
 * <p>The metadata is fetched on first use, with the options' timeouts (one deadline per
 * document) and size limit, and without following redirects. Until it has been had, every
 * {@link #get} fails with a {@link KeySourceException} (the verifier refuses the token as
 * {@code keys_unavailable}); a failed attempt is retried no sooner than after a back-off that
 * starts at the options' minimum refresh interval and doubles up to their cache time to live, by
 * the options' clock, so that a flood of tokens never becomes a flood of fetches. Each new reason
 * of failure is logged once (logger {@code dev.apiguard.token.jwks}) and raised once as a
 * {@code keys.fetch_failed} event. Once found, the {@code jwks_uri} is kept for the life of the
 * source. Thread-safe.
 */
public final class DiscoveredJwks implements JWKSource<SecurityContext> {

    private static final Logger LOG = LoggerFactory.getLogger("dev.apiguard.token.jwks");
    /** RFC 8414 §3's well-known suffix. */
    public static final String OAUTH_METADATA = "/.well-known/oauth-authorization-server";
    /** OpenID Connect Discovery 1.0 §4's well-known suffix. */
    public static final String OIDC_METADATA = "/.well-known/openid-configuration";

    private final String issuer;
    private final List<URI> documents;
    private final JwksOptions options;
    private final JwksRetriever retriever;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile @Nullable JWKSource<SecurityContext> keys;
    private volatile @Nullable URI jwksUri;
    // guarded by lock
    private @Nullable Instant nextAttempt;
    private Duration backOff;
    private @Nullable String lastFault;
    private int attempts;

    private final AtomicReference<KeySourceStatus> status;

    private DiscoveredJwks(URI issuer, JwksOptions options, AtomicReference<KeySourceStatus> status) {
        this.status = status;
        this.issuer = issuer.toString();
        this.documents = metadataUrls(issuer);
        this.options = options;
        this.retriever = new JwksRetriever(
                options.connectTimeout(),
                options.readTimeout(),
                options.sizeLimit(),
                "metadata",
                JwksRetriever.METADATA_ACCEPT,
                options.sslContext());
        this.backOff = options.minRefreshInterval();
    }

    /**
     * The source for an issuer; fetches nothing yet.
     *
     * @throws IllegalArgumentException naming {@code issuerUri} when the issuer is not an https URL
     *     (http only on a loopback host) with a host and without query or fragment (RFC 8414 §2)
     */
    public static DiscoveredJwks of(URI issuer, JwksOptions options) {
        return of(issuer, options, new AtomicReference<>(KeySourceStatus.NOT_FETCHED));
    }

    /**
     * As {@link #of(URI, JwksOptions)}, recording in {@code status} each failure to get the
     * metadata and, once had, each fetch of the key set.
     */
    public static DiscoveredJwks of(URI issuer, JwksOptions options, AtomicReference<KeySourceStatus> status) {
        HttpUrls.check("issuerUri", issuer);
        if (issuer.getRawQuery() != null || issuer.getRawFragment() != null) {
            throw new IllegalArgumentException("issuerUri cannot have a query or a fragment (RFC 8414 §2): " + issuer);
        }
        return new DiscoveredJwks(issuer, options, status);
    }

    /**
     * Where the metadata of an issuer is looked for, in order: RFC 8414 §3.1 (the well-known
     * suffix between the host and the path, a terminating {@code /} of the path removed), then
     * OpenID Connect discovery (the suffix appended to the issuer, without its terminating
     * {@code /}).
     */
    public static List<URI> metadataUrls(URI issuer) {
        String origin = issuer.getScheme() + "://" + issuer.getRawAuthority();
        String path = issuer.getRawPath() == null ? "" : issuer.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return List.of(URI.create(origin + OAUTH_METADATA + path), URI.create(origin + path + OIDC_METADATA));
    }

    /** The {@code jwks_uri} found, once the metadata has been had. */
    public @Nullable URI jwksUri() {
        return jwksUri;
    }

    /** How many times the metadata was fetched (each attempt tries both documents at most). */
    public int attempts() {
        lock.lock();
        try {
            return attempts;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<JWK> get(JWKSelector selector, @Nullable SecurityContext context) throws KeySourceException {
        JWKSource<SecurityContext> found = keys;
        if (found == null) {
            found = discover();
        }
        return found.get(selector, context);
    }

    private JWKSource<SecurityContext> discover() throws KeySourceException {
        boolean locked;
        try {
            // threads arriving while another fetches wait for it, at most one fetch of both documents
            locked = lock.tryLock(options.refreshTimeout().multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeySourceException("interrupted while waiting for the metadata of " + issuer);
        }
        if (!locked) {
            throw new KeySourceException("the metadata of " + issuer + " is being fetched");
        }
        try {
            JWKSource<SecurityContext> found = keys;
            if (found != null) {
                return found;
            }
            Instant now = options.clock().instant();
            if (nextAttempt != null && now.isBefore(nextAttempt)) {
                throw new KeySourceException("the metadata of " + issuer + " is unavailable (" + lastFault
                        + "); next attempt at " + nextAttempt);
            }
            attempts++;
            List<String> faults = new ArrayList<>();
            for (URI document : documents) {
                try {
                    URL jwks = jwksUriOf(document);
                    JWKSource<SecurityContext> source = RemoteJwks.build(jwks, options, status);
                    jwksUri = URI.create(jwks.toString());
                    keys = source;
                    nextAttempt = null;
                    lastFault = null;
                    LOG.info("metadata of issuer {} fetched from {}: jwks_uri {}", issuer, document, jwks);
                    return source;
                } catch (Failure f) {
                    faults.add(f.code);
                }
            }
            String fault = String.join(",", faults);
            status.updateAndGet(s -> s.failed(now, fault, false));
            nextAttempt = now.plus(backOff);
            Duration longer = backOff.multipliedBy(2);
            backOff = longer.compareTo(options.cacheTimeToLive()) > 0 ? options.cacheTimeToLive() : longer;
            if (!fault.equals(lastFault)) {
                LOG.warn(
                        "metadata of issuer {} could not be had ({}: {}); its tokens are refused; next attempt at {}",
                        issuer,
                        documents,
                        fault,
                        nextAttempt);
                emit(fault);
            } else {
                LOG.debug("metadata of issuer {} still unavailable: {}", issuer, fault);
            }
            lastFault = fault;
            throw new KeySourceException("the metadata of " + issuer + " is unavailable (" + fault + ")");
        } finally {
            lock.unlock();
        }
    }

    /** The checked {@code jwks_uri} of the document at {@code document}, else a failure with its code. */
    private URL jwksUriOf(URI document) throws Failure {
        String content;
        try {
            content = retriever.retrieveResource(document.toURL()).getContent();
        } catch (IOException e) {
            throw new Failure(LimitedBody.faultCode(e));
        }
        Map<String, Object> json;
        try {
            json = JSONObjectUtils.parse(content);
        } catch (ParseException | RuntimeException e) {
            throw new Failure("not_json");
        }
        if (!(json.get("issuer") instanceof String named) || !named.equals(issuer)) {
            throw new Failure("issuer_mismatch");
        }
        if (!(json.get("jwks_uri") instanceof String jwks)) {
            throw new Failure("jwks_uri_missing");
        }
        try {
            return HttpUrls.check("jwks_uri", new URI(jwks)).toURL();
        } catch (URISyntaxException | MalformedURLException | IllegalArgumentException e) {
            throw new Failure("jwks_uri_refused");
        }
    }

    private void emit(String fault) {
        SecurityEventListener listener = options.listener();
        if (listener == SecurityEventListener.NONE) {
            return;
        }
        try {
            listener.onEvent(new SecurityEvent(
                    SecurityEventType.KEY_SOURCE_FAILED,
                    options.clock().instant(),
                    null,
                    null,
                    null,
                    null,
                    Map.of("metadata", issuer, "fault", fault, "cached", "false")));
        } catch (RuntimeException e) {
            LOG.warn("security event listener failed on {}", SecurityEventType.KEY_SOURCE_FAILED.eventName(), e);
        }
    }

    @Override
    public String toString() {
        return "discovered(" + issuer + ")";
    }

    /** Why one document gave no usable {@code jwks_uri}: a short code, never the document's text. */
    private static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final String code;

        Failure(String code) {
            super(code, null, false, false);
            this.code = code;
        }
    }
}
