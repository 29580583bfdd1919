package dev.apiguard.token.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.factories.DefaultJWSSignerFactory;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * How the guard authenticates itself to an introspection endpoint (RFC 7662 §2.1 requires it):
 * {@code client_secret_basic} and {@code client_secret_post} (RFC 6749 §2.3.1),
 * {@code private_key_jwt} (RFC 7523 §2.2, a fresh assertion per call) or {@code tls_client_auth}
 * (RFC 8705 §2, the key is in the TLS context). Immutable; {@link #toString()} never shows a secret
 * or a key.
 */
public final class ClientAuthentication {

    /** How long a client assertion is valid: a minute covers any deadline, and it is used once. */
    static final Duration ASSERTION_LIFETIME = Duration.ofSeconds(60);

    private static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /** The method's name in RFC 8414 {@code token_endpoint_auth_methods_supported} terms. */
    private final String method;

    private final String clientId;
    private final @Nullable String secret;
    private final @Nullable JWSSigner signer;
    private final @Nullable JWSHeader header;
    // the Authorization header of client_secret_basic, made once
    private final @Nullable String basic;

    private ClientAuthentication(
            String method,
            String clientId,
            @Nullable String secret,
            @Nullable JWSSigner signer,
            @Nullable JWSHeader header) {
        this.method = method;
        this.clientId = clientId;
        this.secret = secret;
        this.signer = signer;
        this.header = header;
        this.basic = method.equals("client_secret_basic") && secret != null
                ? "Basic "
                        + Base64.getEncoder()
                                .encodeToString((form(clientId) + ":" + form(secret)).getBytes(StandardCharsets.UTF_8))
                : null;
    }

    /**
     * HTTP Basic with the client id and secret, each form-URL-encoded first (RFC 6749 §2.3.1: a
     * colon or a non-ASCII character in either is escaped).
     */
    public static ClientAuthentication clientSecretBasic(String clientId, String secret) {
        return new ClientAuthentication("client_secret_basic", clientId, secret, null, null);
    }

    /** The client id and secret as {@code client_id} and {@code client_secret} form parameters. */
    public static ClientAuthentication clientSecretPost(String clientId, String secret) {
        return new ClientAuthentication("client_secret_post", clientId, secret, null, null);
    }

    /**
     * A client assertion signed with the private key.
     *
     * @throws IllegalArgumentException when the key is not a private key fit for {@code alg}
     */
    public static ClientAuthentication privateKeyJwt(String clientId, JWK privateKey, JWSAlgorithm alg) {
        JWSSigner signer;
        try {
            signer = new DefaultJWSSignerFactory().createJWSSigner(privateKey, alg);
        } catch (JOSEException | RuntimeException e) {
            // the message may describe the key: only its type and the algorithm are named
            throw new IllegalArgumentException(
                    "privateKeyJwt: a private " + privateKey.getKeyType() + " key cannot sign " + alg.getName());
        }
        JWSHeader.Builder header = new JWSHeader.Builder(alg);
        if (privateKey.getKeyID() != null) {
            header.keyID(privateKey.getKeyID());
        }
        return new ClientAuthentication("private_key_jwt", clientId, null, signer, header.build());
    }

    /** The client id as the {@code client_id} form parameter; the TLS context holds the client's key. */
    public static ClientAuthentication tlsClientAuth(String clientId) {
        return new ClientAuthentication("tls_client_auth", clientId, null, null, null);
    }

    /** The method's RFC 8414 name, like {@code client_secret_basic}. */
    public String method() {
        return method;
    }

    /** The client id. */
    public String clientId() {
        return clientId;
    }

    /** The {@code Authorization} header to send, or null. */
    public @Nullable String authorization() {
        return basic;
    }

    /**
     * Appends this method's form parameters (each starting with {@code &}) to {@code form}.
     *
     * @param audience the assertion's {@code aud}: the endpoint
     * @param now the assertion's {@code iat}
     * @throws IllegalStateException when the assertion cannot be signed (a key fault, not client input)
     */
    public void appendTo(StringBuilder form, String audience, Instant now) {
        switch (method) {
            case "client_secret_post" ->
                form.append("&client_id=")
                        .append(form(clientId))
                        .append("&client_secret=")
                        .append(form(String.valueOf(secret)));
            case "tls_client_auth" -> form.append("&client_id=").append(form(clientId));
            case "private_key_jwt" ->
                form.append("&client_assertion_type=")
                        .append(form(ASSERTION_TYPE))
                        .append("&client_assertion=")
                        .append(assertion(audience, now));
            default -> {
                // client_secret_basic: the header only
            }
        }
    }

    private String assertion(String audience, Instant now) {
        JWSSigner s = signer;
        JWSHeader h = header;
        if (s == null || h == null) {
            throw new IllegalStateException("private_key_jwt without a signer");
        }
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(clientId)
                .subject(clientId)
                .audience(audience)
                .jwtID(UUID.randomUUID().toString())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ASSERTION_LIFETIME)))
                .build();
        SignedJWT jwt = new SignedJWT(h, claims);
        try {
            jwt.sign(s);
        } catch (JOSEException e) {
            throw new IllegalStateException(
                    "the client assertion cannot be signed: " + e.getClass().getName());
        }
        return jwt.serialize();
    }

    /** {@code application/x-www-form-urlencoded} encoding of one value. */
    public static String form(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return method + "(" + clientId + ")";
    }
}
