package dev.apiguard.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeySourceTest {

    private static final TestIssuer ISSUER = TestIssuer.named("https://issuer.example");

    @Test
    void fixedSetOfPublicKeysIsAccepted() {
        assertThat(KeySource.fixed(ISSUER.publicKeys()).jwkSource()).isNotNull();
    }

    @Test
    void fixedSetRefusesPrivateKeys() {
        assertThatThrownBy(() -> KeySource.fixed(new JWKSet(ISSUER.rsa)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("publicKeys")
                .hasMessageContaining("private");
        assertThatThrownBy(() -> KeySource.fixed(new JWKSet(ISSUER.ec)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("private");
        assertThatThrownBy(() -> KeySource.fixed(new JWKSet(ISSUER.ed)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("private");
    }

    @Test
    void fixedSetRefusesSymmetricKeys() throws Exception {
        OctetSequenceKey secret =
                new OctetSequenceKeyGenerator(256).keyID("hmac").generate();

        assertThatThrownBy(() -> KeySource.fixed(new JWKSet(secret)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("publicKeys")
                .hasMessageContaining("symmetric");
    }

    @Test
    void fixedSetRefusesShortRsaKeysAndEmptySets() throws Exception {
        RSAKey weak = new RSAKeyGenerator(1024, true).keyID("weak").generate().toPublicJWK();

        assertThatThrownBy(() -> KeySource.fixed(new JWKSet(weak)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2048");
        // zero bytes in front of n make Nimbus count 2048 bits; the modulus is still 1024 bits long
        byte[] n = weak.getModulus().decode();
        byte[] padded = new byte[256];
        System.arraycopy(n, 0, padded, 128, n.length);
        RSAKey weakPadded = new RSAKey.Builder(Base64URL.encode(padded), weak.getPublicExponent())
                .keyID("padded")
                .build();
        assertThatThrownBy(() -> KeySource.fixed(new JWKSet(weakPadded)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'padded'")
                .hasMessageContaining("2048");
        assertThatThrownBy(() -> KeySource.fixed(new JWKSet()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("publicKeys");
        assertThatThrownBy(() -> KeySource.fixed(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("publicKeys cannot be null");
    }

    @Test
    void jwksFileIsReadOnceAndChecked(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("jwks.json");
        Files.writeString(good, ISSUER.publicKeys().toString());
        Path withPrivate = dir.resolve("private.json");
        Files.writeString(withPrivate, new JWKSet(ISSUER.rsa).toString(false));
        Path garbage = dir.resolve("garbage.json");
        Files.writeString(garbage, "not json");

        KeySource keys = KeySource.jwksFile(good);
        Files.delete(good);
        AccessTokenVerifier verifier = AccessTokenVerifier.of(TokenPolicy.builder()
                .issuer(ISSUER.issuer, keys)
                .audience(TestIssuer.AUDIENCE)
                .build());

        assertThat(verifier.verify(ISSUER.token().sign(), TestIssuer.NOW).isVerified())
                .isTrue();
        assertThatThrownBy(() -> KeySource.jwksFile(withPrivate))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jwksFile")
                .hasMessageContaining("private");
        assertThatThrownBy(() -> KeySource.jwksFile(garbage))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jwksFile");
        assertThatThrownBy(() -> KeySource.jwksFile(dir.resolve("missing.json")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jwksFile");
    }

    @Test
    void jwksUrlAcceptsOnlyHttpAndHttps() {
        assertThat(KeySource.jwksUrl(URI.create("https://issuer.example/jwks")).toString())
                .contains("https://issuer.example/jwks");
        for (String bad : new String[] {
            "file:///etc/passwd", "ftp://issuer.example/jwks", "/relative/jwks", "jar:file:/x.jar!/jwks"
        }) {
            assertThatThrownBy(() -> KeySource.jwksUrl(URI.create(bad)))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("jwksUrl");
        }
    }

    @Test
    void aJwksUrlWithAPasswordIsRefusedWithoutQuotingIt() {
        assertThatThrownBy(() -> KeySource.jwksUrl(URI.create("https://user:s3cret@issuer.example/jwks")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("jwksUrl cannot hold user information (user:password@)")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void jwksUrlTakesHttpOnlyForALoopbackHost() {
        for (String loopback : new String[] {
            "http://localhost:8080/jwks", "http://127.0.0.1/jwks", "http://127.9.8.7:1/jwks", "http://[::1]:8080/jwks"
        }) {
            assertThat(KeySource.jwksUrl(URI.create(loopback)).toString())
                    .as(loopback)
                    .contains(loopback);
        }
        for (String remote : new String[] {
            "http://issuer.example/jwks",
            "http://localhost.example.com/jwks",
            "http://10.0.0.1/jwks",
            "http://[::]/jwks",
            "http://128.0.0.1/jwks",
            "http://0x7f.0.0.1/jwks",
            "http://127.0.0.999/jwks",
            "http://[::2]/jwks",
            "http://[::ffff:8.8.8.8]/jwks"
        }) {
            assertThatThrownBy(() -> KeySource.jwksUrl(URI.create(remote)))
                    .as(remote)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("jwksUrl must be")
                    .hasMessageEndingWith(": " + remote);
        }
    }

    @Test
    void jwksOptionsCheckTheirSettings() {
        JwksOptions d = JwksOptions.defaults();
        assertThat(d.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(d.readTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(d.sizeLimit()).isEqualTo(256 * 1024);
        assertThat(d.cacheTimeToLive()).isEqualTo(Duration.ofMinutes(5));
        assertThat(d.minRefreshInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(d.outageTolerance()).isEqualTo(Duration.ofMinutes(50));

        assertThatThrownBy(() -> JwksOptions.builder().connectTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("connectTimeout");
        assertThatThrownBy(() -> JwksOptions.builder().readTimeout(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("readTimeout cannot be null");
        assertThatThrownBy(() -> JwksOptions.builder().sizeLimit(10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sizeLimit");
        assertThatThrownBy(() -> JwksOptions.builder()
                        .cacheTimeToLive(Duration.ofSeconds(10))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("refreshAhead");
        assertThatThrownBy(() -> JwksOptions.builder()
                        .refreshAhead(Duration.ZERO)
                        .cacheTimeToLive(Duration.ofSeconds(10))
                        .minRefreshInterval(Duration.ofSeconds(10))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("minRefreshInterval");
        assertThatThrownBy(() -> JwksOptions.builder()
                        .outageTolerance(Duration.ofMinutes(1))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("outageTolerance");
        assertThat(JwksOptions.builder()
                        .cacheTimeToLive(Duration.ofSeconds(10))
                        .refreshAhead(Duration.ZERO)
                        .minRefreshInterval(Duration.ofSeconds(5))
                        .build()
                        .refreshAhead())
                .isZero();
    }
}
