package dev.apiguard.token;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import dev.apiguard.internal.SignatureCheck;
import dev.apiguard.token.internal.DiscoveredJwks;
import dev.apiguard.token.internal.HttpUrls;
import dev.apiguard.token.internal.RemoteJwks;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Where one issuer's public signing keys come from: a fixed set, a JWKS file read once, a JWKS
 * URL fetched, cached and refreshed by Nimbus ({@code JWKSourceBuilder}), or the JWKS URL named
 * by the issuer's metadata ({@link #discovered(URI, JwksOptions)}).
 *
 * <p>Immutable and thread-safe; share one per issuer. Only public asymmetric keys are accepted:
 * a fixed set or file holding a private or symmetric ({@code oct}) key, or an RSA key shorter than
 * 2048 bits, is refused at build time (RFC 8725 §3.1, §3.5). Keys of a remote set are not checked
 * at build time, but the verifier only ever verifies with the public half of an asymmetric key
 * whose type matches the token's {@code alg}, so a symmetric key there is never used.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7517#section-5">RFC 7517 §5 (JWK Set)</a>
 */
public final class KeySource {

    private final JWKSource<SecurityContext> source;
    private final String description;
    private final @Nullable AtomicReference<KeySourceStatus> status;

    private KeySource(JWKSource<SecurityContext> source, String description) {
        this(source, description, null);
    }

    private KeySource(
            JWKSource<SecurityContext> source, String description, @Nullable AtomicReference<KeySourceStatus> status) {
        this.source = source;
        this.description = description;
        this.status = status;
    }

    /**
     * A fixed set of public keys.
     *
     * @throws IllegalArgumentException naming {@code publicKeys} when the set is empty or holds a
     *     private key, a symmetric key or an RSA key shorter than 2048 bits
     */
    public static KeySource fixed(JWKSet publicKeys) {
        Objects.requireNonNull(publicKeys, "publicKeys cannot be null");
        checkPublic("publicKeys", publicKeys);
        return new KeySource(new ImmutableJWKSet<>(publicKeys), "fixed(" + publicKeys.size() + " keys)");
    }

    /**
     * A JWKS document read once from a file, now. The same checks as {@link #fixed(JWKSet)} apply.
     *
     * @throws IllegalArgumentException naming {@code jwksFile} when the file cannot be read, is not a
     *     JWK set, or fails the checks of {@link #fixed(JWKSet)}
     */
    public static KeySource jwksFile(Path file) {
        Objects.requireNonNull(file, "jwksFile cannot be null");
        JWKSet set;
        try {
            set = JWKSet.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "jwksFile: cannot read " + file + ": " + e.getClass().getSimpleName(), e);
        } catch (ParseException e) {
            throw new IllegalArgumentException("jwksFile: " + file + " is not a JWK set", e);
        }
        checkPublic("jwksFile", set);
        return new KeySource(new ImmutableJWKSet<>(set), "jwksFile(" + file + ")");
    }

    /** A JWKS URL with {@link JwksOptions#defaults() the default options}. */
    public static KeySource jwksUrl(URI url) {
        return jwksUrl(url, JwksOptions.defaults());
    }

    /**
     * A JWKS URL, fetched on first use and then cached, refreshed ahead of expiry, refreshed on an
     * unknown {@code kid} at most twice per minimum refresh interval, and kept serving through
     * outages, as {@code options} says. A failed fetch is logged through SLF4J (logger
     * {@code dev.apiguard.token.jwks}) and never thrown to a request: tokens whose keys are not
     * available are refused. Redirects are not followed (a 3xx answer is a failed fetch).
     *
     * @throws IllegalArgumentException naming {@code jwksUrl} when the URI is not an absolute
     *     {@code https} URL with a host, or an {@code http} one whose host is not a loopback one
     *     ({@code localhost}, {@code 127.0.0.0/8}, {@code [::1]})
     */
    public static KeySource jwksUrl(URI url, JwksOptions options) {
        Objects.requireNonNull(url, "jwksUrl cannot be null");
        Objects.requireNonNull(options, "options cannot be null");
        HttpUrls.check("jwksUrl", url);
        AtomicReference<KeySourceStatus> status = new AtomicReference<>(KeySourceStatus.NOT_FETCHED);
        try {
            return new KeySource(RemoteJwks.build(url.toURL(), options, status), "jwksUrl(" + url + ")", status);
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("jwksUrl is not a valid URL: " + url, e);
        }
    }

    /** An issuer's keys found through its metadata, with {@link JwksOptions#defaults() the default options}. */
    public static KeySource discovered(URI issuer) {
        return discovered(issuer, JwksOptions.defaults());
    }

    /**
     * An issuer's keys found through its metadata: RFC 8414 Authorization Server Metadata at
     * {@code /.well-known/oauth-authorization-server} (inserted between the host and the issuer's
     * path, RFC 8414 §3.1), else OpenID Connect discovery at
     * {@code /.well-known/openid-configuration} (appended to the issuer). The document's
     * {@code issuer} must equal {@code issuer} exactly (RFC 8414 §3.3), and its {@code jwks_uri}
     * follows the rules of {@link #jwksUrl(URI, JwksOptions)}; that URL is then fetched, cached and
     * refreshed exactly as a {@code jwksUrl} source with the same {@code options}.
     *
     * <p>Nothing is fetched now: a metadata document that cannot be had (down, slow past the
     * timeouts, over the size limit, not JSON, a redirect, no {@code jwks_uri}, another issuer)
     * never stops start-up. Until it is had, tokens of the issuer are refused
     * ({@code keys_unavailable}); the reason is logged once per change (logger
     * {@code dev.apiguard.token.jwks}) and raised as a {@code keys.fetch_failed} event with details
     * {@code metadata} (the issuer), {@code fault} and {@code cached=false}; the metadata is fetched
     * again no sooner than after a back-off that starts at the minimum refresh interval and doubles
     * up to the cache time to live, by the options' clock. Once had, the {@code jwks_uri} is kept.
     *
     * @throws IllegalArgumentException naming {@code issuerUri} when the issuer is not an absolute
     *     {@code https} URL with a host (http only on a loopback host), or has a query or fragment
     */
    public static KeySource discovered(URI issuer, JwksOptions options) {
        Objects.requireNonNull(issuer, "issuerUri cannot be null");
        Objects.requireNonNull(options, "options cannot be null");
        AtomicReference<KeySourceStatus> status = new AtomicReference<>(KeySourceStatus.NOT_FETCHED);
        return new KeySource(DiscoveredJwks.of(issuer, options, status), "discovered(" + issuer + ")", status);
    }

    /**
     * Any Nimbus key source, for sources the other factories do not cover (a custom retriever, a
     * failover chain). No key checks are made; as for URL sources, the verifier uses only public
     * asymmetric keys whose type matches the token's {@code alg}.
     */
    public static KeySource of(JWKSource<SecurityContext> source) {
        Objects.requireNonNull(source, "source cannot be null");
        return new KeySource(source, "custom(" + source.getClass().getName() + ")");
    }

    /**
     * How fresh the fetched keys are now (for a health check): present for a JWKS URL and for keys
     * found through issuer metadata, empty for fixed keys, a file read once and a custom source.
     */
    public Optional<KeySourceStatus> status() {
        return status == null ? Optional.empty() : Optional.ofNullable(status.get());
    }

    /** The Nimbus key source, for the verifier. */
    public JWKSource<SecurityContext> jwkSource() {
        return source;
    }

    @Override
    public String toString() {
        return "KeySource[" + description + "]";
    }

    private static void checkPublic(String setting, JWKSet set) {
        if (set.isEmpty()) {
            throw new IllegalArgumentException(setting + ": the key set holds no key");
        }
        for (JWK jwk : set.getKeys()) {
            String name = jwk.getKeyID() == null ? "without kid" : "'" + jwk.getKeyID() + "'";
            if (KeyType.OCT.equals(jwk.getKeyType())) {
                throw new IllegalArgumentException(
                        setting + ": key " + name + " is symmetric (oct); only public asymmetric keys are accepted");
            }
            if (jwk.isPrivate()) {
                throw new IllegalArgumentException(setting + ": key " + name
                        + " holds private key material; give only public keys (JWK.toPublicJWK())");
            }
            if (jwk instanceof RSAKey rsa && SignatureCheck.rsaBits(rsa) < SignatureCheck.MIN_RSA_BITS) {
                throw new IllegalArgumentException(setting + ": RSA key " + name + " is shorter than 2048 bits");
            }
        }
    }
}
