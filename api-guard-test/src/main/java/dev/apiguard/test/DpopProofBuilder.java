package dev.apiguard.test;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.apiguard.test.internal.Encoding;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Makes one DPoP proof (RFC 9449 §4.2) of a {@link DpopKey}, good by default and broken on
 * request.
 *
 * <p>Defaults: header {@code typ} {@code dpop+jwt}, {@code alg} (the key's), {@code jwk} (the
 * public key); claims {@code jti} a random UUID, {@code htm} and {@code htu} as given, {@code iat}
 * now (the key's clock), {@code ath} of the access token when one is given. The setters write
 * verbatim and check nothing, so that every broken proof an attacker could send can be made.
 * Not thread-safe.
 */
public final class DpopProofBuilder {

    private final DpopKey key;
    private final Map<String, Object> header = new LinkedHashMap<>();
    private final Map<String, Object> claims = new LinkedHashMap<>();

    DpopProofBuilder(DpopKey key, String method, String uri) {
        this.key = key;
        header.put("typ", "dpop+jwt");
        header.put("alg", key.algorithm().getName());
        header.put("jwk", key.publicJwk().toJSONObject());
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("htm", Objects.requireNonNull(method, "method cannot be null"));
        claims.put("htu", Objects.requireNonNull(uri, "uri cannot be null"));
        claims.put("iat", key.clock().instant().getEpochSecond());
    }

    /** Sets {@code ath} to base64url(SHA-256(token)); a null token removes {@code ath}. */
    public DpopProofBuilder accessToken(String token) {
        if (token == null) {
            claims.remove("ath");
        } else {
            claims.put("ath", athOf(token));
        }
        return this;
    }

    /** Sets {@code ath} verbatim (a wrong hash). */
    public DpopProofBuilder ath(Object value) {
        return claim("ath", value);
    }

    /** Sets {@code jti}, for example the same one twice. */
    public DpopProofBuilder jti(String jti) {
        return claim("jti", jti);
    }

    /** Sets {@code htm}. */
    public DpopProofBuilder htm(String htm) {
        return claim("htm", htm);
    }

    /** Sets {@code htu}. */
    public DpopProofBuilder htu(String htu) {
        return claim("htu", htu);
    }

    /** Sets {@code iat}. */
    public DpopProofBuilder issuedAt(Instant iat) {
        return claim("iat", iat.getEpochSecond());
    }

    /** Moves {@code iat} from the key's clock by the offset (negative: in the past). */
    public DpopProofBuilder iatOffset(Duration offset) {
        return claim("iat", key.clock().instant().plus(offset).getEpochSecond());
    }

    /** Sets {@code nonce} (RFC 9449 §8). */
    public DpopProofBuilder nonce(String nonce) {
        return claim("nonce", nonce);
    }

    /** Sets any claim to any JSON value (an {@link Instant} becomes epoch seconds). */
    public DpopProofBuilder claim(String name, Object value) {
        claims.put(
                Objects.requireNonNull(name, "claim name cannot be null"),
                value instanceof Instant i ? i.getEpochSecond() : value);
        return this;
    }

    /** Removes a claim. */
    public DpopProofBuilder without(String claim) {
        claims.remove(claim);
        return this;
    }

    /** Sets {@code typ} (default {@code dpop+jwt}). */
    public DpopProofBuilder type(String typ) {
        return header("typ", typ);
    }

    /** Sets a header member to any JSON value; {@code alg} changes only what the header says. */
    public DpopProofBuilder header(String name, Object value) {
        header.put(Objects.requireNonNull(name, "header name cannot be null"), value);
        return this;
    }

    /** Removes a header member ({@code typ}, {@code alg}, {@code jwk}). */
    public DpopProofBuilder withoutHeader(String name) {
        header.remove(name);
        return this;
    }

    /** Puts the private key, {@code d} and all, into the {@code jwk} header (RFC 9449 §4.3 step 7). */
    public DpopProofBuilder privateJwkInHeader() {
        return header("jwk", key.privateJwk().toJSONObject());
    }

    /** The header as it will be signed, compact JSON. */
    public String headerJson() {
        return JSONObjectUtils.toJSONString(header);
    }

    /** The claims as they will be signed, compact JSON. */
    public String payloadJson() {
        return JSONObjectUtils.toJSONString(claims);
    }

    /** The proof, signed with the key and its algorithm. */
    public String sign() {
        String input = input(headerJson());
        return input + "." + key.sign(key.algorithm(), input);
    }

    /** The proof signed by another key, with this key's {@code jwk} in the header: a bad signature. */
    public String signedBy(DpopKey other) {
        Map<String, Object> h = new LinkedHashMap<>(header);
        h.put("alg", other.algorithm().getName());
        String input = input(JSONObjectUtils.toJSONString(h));
        return input + "." + other.sign(other.algorithm(), input);
    }

    /** An unsecured proof: {@code alg} {@code none} and an empty signature. */
    public String unsigned() {
        Map<String, Object> h = new LinkedHashMap<>(header);
        h.put("alg", "none");
        return input(JSONObjectUtils.toJSONString(h)) + ".";
    }

    /** {@code alg} HS256, HMAC'd with the given secret. */
    public String signedWithHs256(byte[] secret) {
        Map<String, Object> h = new LinkedHashMap<>(header);
        h.put("alg", "HS256");
        String input = input(JSONObjectUtils.toJSONString(h));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return input + "." + Encoding.base64Url(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot compute HMAC-SHA256", e);
        }
    }

    /** Signs arbitrary header and payload texts with the key, byte for byte (a JSON array payload). */
    public String signRaw(String headerJson, String payloadJson) {
        String input = Encoding.base64Url(headerJson) + "." + Encoding.base64Url(payloadJson);
        return input + "." + key.sign(key.algorithm(), input);
    }

    private String input(String headerJson) {
        return Encoding.base64Url(headerJson) + "." + Encoding.base64Url(payloadJson());
    }

    /** base64url(SHA-256(ASCII token)): the {@code ath} of RFC 9449 §4.2. */
    public static String athOf(String accessToken) {
        try {
            return Encoding.base64Url(
                    MessageDigest.getInstance("SHA-256").digest(accessToken.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /** The algorithm of the key, for tests that assert the {@code alg} header. */
    JWSAlgorithm algorithm() {
        return key.algorithm();
    }
}
