package dev.apiguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClaimsTest {

    private static Claims parsed() {
        // as a JSON parser hands them over: mutable maps and lists, numbers as Long or Double
        Map<String, Object> nested = new HashMap<>(Map.of("sub", "batch-job"));
        Map<String, Object> m = new HashMap<>();
        m.put("partner_id", "partner-42");
        m.put("one", "only");
        m.put("mixed", new ArrayList<>(Arrays.asList("a", 1L)));
        m.put("iat", 1_700_000_000L);
        m.put("fraction", 1.5d);
        m.put("far", 253_402_300_800L);
        m.put("negative", -1L);
        m.put("flag", true);
        m.put("act", nested);
        m.put("nothing", null);
        return Claims.of(m);
    }

    @Test
    void typedReadsAnswerOnlyForTheirType() {
        Claims c = parsed();
        assertThat(c.string("partner_id")).contains("partner-42");
        assertThat(c.string("iat")).isEmpty();
        assertThat(c.strings("one")).containsExactly("only");
        assertThat(c.strings("mixed")).as("never a partial list").isEmpty();
        assertThat(c.strings("absent")).isEmpty();
        assertThat(c.instant("iat")).contains(Instant.ofEpochSecond(1_700_000_000L));
        assertThat(c.instant("fraction")).isEmpty();
        assertThat(c.instant("far")).isEmpty();
        assertThat(c.instant("negative")).isEmpty();
        assertThat(c.bool("flag")).contains(true);
        assertThat(c.bool("partner_id")).isEmpty();
        assertThat(c.object("act")).hasValueSatisfying(a -> assertThat(a).containsEntry("sub", "batch-job"));
        assertThat(c.object("partner_id")).isEmpty();
        assertThat(c.has("nothing")).isTrue();
        assertThat(c.get("nothing")).isEmpty();
        assertThat(c.names()).contains("partner_id", "act", "nothing");
    }

    @Test
    void nothingReadCanChangeTheClaims() {
        Claims c = parsed();
        assertThatThrownBy(() -> c.asMap().put("partner_id", "other"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> c.object("act").orElseThrow().put("sub", "admin"))
                .isInstanceOf(UnsupportedOperationException.class);
        @SuppressWarnings("unchecked")
        List<Object> mixed = (List<Object>) c.get("mixed").orElseThrow();
        assertThatThrownBy(() -> mixed.add("b")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> c.names().remove("partner_id")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> c.asMap().entrySet().iterator().remove())
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(c.string("partner_id")).contains("partner-42");
    }

    @Test
    void printingNamesTheClaimsButNeverTheirValues() {
        assertThat(parsed().toString()).contains("partner_id").doesNotContain("partner-42", "batch-job");
        assertThat(Claims.none().names()).isEmpty();
        assertThat(Claims.of(Map.of())).isSameAs(Claims.none());
    }

    @Test
    void aCallerWithoutATokenHasNoClaimsAndCopiesKeepThem() {
        Caller keyed = Caller.builder("legacy", CredentialKind.API_KEY).build();
        assertThat(keyed.claims()).isSameAs(Claims.none());
        Caller token = Caller.builder("client-1", CredentialKind.BEARER_JWT)
                .issuer("https://issuer.example")
                .claims(parsed())
                .build();
        assertThat(token.withPlan("gold").claims().string("partner_id")).contains("partner-42");
        assertThat(token.boundTo(CredentialKind.MTLS_BOUND_JWT, "thumb")
                        .claims()
                        .string("partner_id"))
                .contains("partner-42");
    }
}
