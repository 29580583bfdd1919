package dev.apiguard.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A token issuer for tests: one RSA 2048, one EC P-256 and one Ed25519 key, and a fluent minter
 * whose header and claims can be bent into any shape, including ones Nimbus would refuse to build.
 */
final class TestIssuer {

    static final String AUDIENCE = "https://api.example";
    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    private static final Map<String, TestIssuer> SHARED = new java.util.concurrent.ConcurrentHashMap<>();

    final String issuer;
    final RSAKey rsa;
    final ECKey ec;
    final OctetKeyPair ed;

    private TestIssuer(String issuer) {
        this.issuer = issuer;
        try {
            this.rsa = new RSAKeyGenerator(2048).keyID(issuer + "#rsa").generate();
            this.ec = new ECKeyGenerator(Curve.P_256).keyID(issuer + "#ec").generate();
            this.ed = new OctetKeyPairGenerator(Curve.Ed25519)
                    .keyID(issuer + "#ed")
                    .generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An issuer whose keys are generated once per test run (RSA generation is slow). */
    static TestIssuer named(String issuer) {
        return SHARED.computeIfAbsent(issuer, TestIssuer::new);
    }

    /** The public keys, as an authorization server would publish them. */
    JWKSet publicKeys() {
        return new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK(), ed.toPublicJWK()));
    }

    KeySource keySource() {
        return KeySource.fixed(publicKeys());
    }

    /** A policy accepting this issuer for {@link #AUDIENCE}, with every other setting default. */
    TokenPolicy.Builder policy() {
        return TokenPolicy.builder().issuer(issuer, keySource()).audience(AUDIENCE);
    }

    /** A valid RS256 at+jwt token, issued at {@link #NOW}, living 10 minutes. */
    Mint token() {
        return new Mint(this);
    }

    /** A mutable token under construction. */
    static final class Mint {
        final Map<String, Object> header = new LinkedHashMap<>();
        final Map<String, Object> claims = new LinkedHashMap<>();
        private JWK key;

        Mint(TestIssuer issuer) {
            key = issuer.rsa;
            header.put("alg", "RS256");
            header.put("typ", "at+jwt");
            header.put("kid", issuer.rsa.getKeyID());
            claims.put("iss", issuer.issuer);
            claims.put("aud", AUDIENCE);
            claims.put("sub", "user-1");
            claims.put("client_id", "client-1");
            claims.put("iat", NOW.getEpochSecond());
            claims.put("exp", NOW.plusSeconds(600).getEpochSecond());
            claims.put("jti", UUID.randomUUID().toString());
            claims.put("scope", "customers:read payments:write");
        }

        /** Signs with this key, setting alg and kid to match it. */
        Mint signedWith(JWK signingKey, JWSAlgorithm alg) {
            this.key = signingKey;
            header.put("alg", alg.getName());
            header.put("kid", signingKey.getKeyID());
            return this;
        }

        Mint header(String name, Object value) {
            if (value == null) {
                header.remove(name);
            } else {
                header.put(name, value);
            }
            return this;
        }

        Mint claim(String name, Object value) {
            if (value == null) {
                claims.remove(name);
            } else {
                claims.put(name, value);
            }
            return this;
        }

        Mint without(String name) {
            claims.remove(name);
            return this;
        }

        /** Signs the JSON as built. */
        String sign() {
            return signRaw(JSONObjectUtils.toJSONString(header), JSONObjectUtils.toJSONString(claims), key);
        }

        /** The token with an empty signature, as an {@code alg: none} token is sent. */
        String unsigned() {
            return b64(JSONObjectUtils.toJSONString(header)) + "." + b64(JSONObjectUtils.toJSONString(claims)) + ".";
        }

        /** Signs the given payload JSON text verbatim (for claims no map can express). */
        String signPayload(String payloadJson) {
            return signRaw(JSONObjectUtils.toJSONString(header), payloadJson, key);
        }
    }

    /** Signs header and payload JSON texts verbatim with the key, by the header's alg. */
    static String signRaw(String headerJson, String payloadJson, JWK key) {
        try {
            String input = b64(headerJson) + "." + b64(payloadJson);
            JWSHeader parsed = JWSHeader.parse(headerJson);
            Base64URL signature =
                    signer(key, parsed.getAlgorithm()).sign(parsed, input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + signature;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** HS256 over the JSON texts with an arbitrary secret (the key-confusion attack). */
    static String signHs256(String headerJson, String payloadJson, byte[] secret) {
        try {
            String input = b64(headerJson) + "." + b64(payloadJson);
            Base64URL sig = new MACSigner(pad(secret))
                    .sign(JWSHeader.parse(headerJson), input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + sig;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] pad(byte[] secret) {
        // MACSigner refuses secrets under 256 bits; every key encoding we try is longer anyway
        return secret.length >= 32 ? secret : java.util.Arrays.copyOf(secret, 32);
    }

    private static JWSSigner signer(JWK key, JWSAlgorithm alg) throws JOSEException {
        if (key instanceof RSAKey r) {
            return new RSASSASigner(r);
        }
        if (key instanceof ECKey e) {
            return new ECDSASigner(e);
        }
        if (key instanceof OctetKeyPair o) {
            return new Ed25519Signer(o);
        }
        throw new IllegalArgumentException("no signer for " + key.getKeyType() + " / " + alg);
    }

    static String b64(String json) {
        return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
    }

    static JOSEObjectType typ(String t) {
        return new JOSEObjectType(t);
    }
}
