package dev.apiguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The identity state is keyed by: namespace, issuer and id; namesakes never collide. */
class CallerKeyTest {

    private static Caller caller(String id, String issuer, CredentialKind kind) {
        return Caller.builder(id, kind).issuer(issuer).build();
    }

    @Test
    void namesakesOfTwoIssuersOrOfTwoNamespacesAreDifferentKeys() {
        List<CallerKey> keys = List.of(
                CallerKey.token("https://one", "partner-a"),
                CallerKey.token("https://two", "partner-a"),
                CallerKey.apiKey("partner-a"),
                CallerKey.mtlsClient("partner-a"),
                CallerKey.client("partner-a"));
        assertThat(keys).doesNotHaveDuplicates();
        assertThat(keys).extracting(CallerKey::digest).doesNotHaveDuplicates();
        assertThat(keys).extracting(CallerKey::value).doesNotHaveDuplicates();
    }

    @Test
    void theValueIsUnambiguousWhateverTheIssuerAndIdHold() {
        // a separator inside the issuer or id cannot make two keys read alike: the issuer is length-prefixed
        CallerKey a = CallerKey.token("https://a|b", "c");
        CallerKey b = CallerKey.token("https://a", "b|c");
        assertThat(a).isNotEqualTo(b);
        assertThat(a.value()).isEqualTo("token|11|https://a|b|c").isNotEqualTo(b.value());
        assertThat(b.value()).isEqualTo("token|9|https://a|b|c");
        assertThat(CallerKey.apiKey("k").value()).isEqualTo("apikey|k");
        assertThat(CallerKey.mtlsClient("m").toString()).isEqualTo("mtls|m");
    }

    @Test
    void theDigestIs128BitsOfSha256OfTheValueInAHashTag() throws Exception {
        CallerKey key = CallerKey.token("https://login.example.com", "partner-a");
        byte[] full = MessageDigest.getInstance("SHA-256").digest(key.value().getBytes(StandardCharsets.UTF_8));
        String expected = Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(full, 16));
        assertThat(key.digest())
                .isEqualTo(expected)
                .hasSize(CallerKey.DIGEST_LENGTH)
                .matches("[A-Za-z0-9_-]+");
        assertThat(key.hashTag()).isEqualTo("{" + expected + "}");
        assertThat(key.hashTag()).as("made once and kept").isSameAs(key.hashTag());
        assertThat(CallerKey.token("https://login.example.com", "partner-a").digest())
                .isEqualTo(expected);
    }

    @Test
    void aCallersKeyFollowsItsCredentialKindAndSurvivesBinding() {
        Caller bearer = caller("partner-a", "https://one", CredentialKind.BEARER_JWT);
        assertThat(bearer.key()).isEqualTo(CallerKey.token("https://one", "partner-a"));
        assertThat(bearer.boundTo(CredentialKind.DPOP_BOUND_JWT, null).key()).isSameAs(bearer.key());
        assertThat(bearer.boundTo(CredentialKind.MTLS_BOUND_JWT, "t").key()).isSameAs(bearer.key());
        assertThat(bearer.withPlan("gold").key()).isSameAs(bearer.key());
        assertThat(caller("partner-a", null, CredentialKind.API_KEY).key()).isEqualTo(CallerKey.apiKey("partner-a"));
        assertThat(caller("partner-a", null, CredentialKind.MTLS).key()).isEqualTo(CallerKey.mtlsClient("partner-a"));
        assertThat(caller("partner-a", null, CredentialKind.CLIENT_ASSERTION).key())
                .isEqualTo(CallerKey.client("partner-a"));
        // an API key caller named with an issuer still lives in its own namespace, without it
        assertThat(caller("partner-a", "https://one", CredentialKind.API_KEY).key())
                .isEqualTo(CallerKey.apiKey("partner-a"));
    }

    @Test
    void aKeyNeedsAnIdAndATokenKeyAnIssuer() {
        assertThatThrownBy(() -> CallerKey.token(null, "a")).hasMessageContaining("issuer");
        assertThatThrownBy(() -> CallerKey.apiKey(null)).hasMessageContaining("clientId");
        assertThatThrownBy(() -> CallerKey.mtlsClient("")).hasMessageContaining("clientId");
    }
}
