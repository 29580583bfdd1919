package dev.apiguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CallerTest {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void aCallerNeedsOnlyAnIdAndAKindAndTheRestDefaultsToNothing() {
        Caller c = Caller.builder("partner-a", CredentialKind.MTLS).build();
        assertThat(c.id()).isEqualTo("partner-a");
        assertThat(c.getName()).isEqualTo("partner-a");
        assertThat(c.kind()).isEqualTo(CredentialKind.MTLS);
        assertThat(c.scopes()).isEmpty();
        assertThat(c.confirmation()).isEqualTo(Caller.Confirmation.NONE);
        assertThat(c.issuer()).isNull();
        assertThat(c.subject()).isNull();
        assertThat(c.plan()).isNull();
        assertThat(c.key()).isEqualTo(CallerKey.mtlsClient("partner-a"));
        assertThatThrownBy(() -> Caller.builder(null, CredentialKind.MTLS)).hasMessageContaining("id");
        assertThatThrownBy(() -> Caller.builder("a", null)).hasMessageContaining("kind");
    }

    @Test
    void everyFieldSetIsKeptAndTheScopesAreCopied() {
        Set<String> scopes = new HashSet<>(Set.of("customers:read"));
        Caller.Confirmation cnf = new Caller.Confirmation(null, "jkt-1");
        Caller c = Caller.builder("partner-a", CredentialKind.BEARER_JWT)
                .subject("sub-1")
                .issuer("https://issuer.example")
                .scopes(scopes)
                .issuedAt(T0)
                .expiresAt(T0.plusSeconds(600))
                .tokenId("jti-1")
                .confirmation(cnf)
                .certificateThumbprint("thumb")
                .plan("gold")
                .build();
        scopes.add("payments:write");
        assertThat(c.scopes()).containsExactly("customers:read");
        assertThat(c.hasScope("customers:read")).isTrue();
        assertThat(c.subject()).isEqualTo("sub-1");
        assertThat(c.issuer()).isEqualTo("https://issuer.example");
        assertThat(c.issuedAt()).isEqualTo(T0);
        assertThat(c.expiresAt()).isEqualTo(T0.plusSeconds(600));
        assertThat(c.tokenId()).isEqualTo("jti-1");
        assertThat(c.confirmation()).isEqualTo(cnf);
        assertThat(c.certificateThumbprint()).isEqualTo("thumb");
        assertThat(c.plan()).isEqualTo("gold");
        assertThat(c.key()).isEqualTo(CallerKey.token("https://issuer.example", "partner-a"));
        assertThat(c)
                .isEqualTo(Caller.builder("partner-a", CredentialKind.BEARER_JWT)
                        .subject("sub-1")
                        .issuer("https://issuer.example")
                        .scopes("customers:read")
                        .issuedAt(T0)
                        .expiresAt(T0.plusSeconds(600))
                        .tokenId("jti-1")
                        .confirmation(cnf)
                        .certificateThumbprint("thumb")
                        .plan("gold")
                        .build());
        assertThat(c.withPlan("silver").plan()).isEqualTo("silver");
        assertThat(c.withPlan("silver").key()).isEqualTo(c.key());
        assertThat(c.toString()).doesNotContain("jti-1", "thumb");
    }

    @Test
    void aNullConfirmationIsNone() {
        assertThat(Caller.builder("a", CredentialKind.BEARER_JWT)
                        .confirmation(null)
                        .build()
                        .confirmation())
                .isEqualTo(Caller.Confirmation.NONE);
        assertThatThrownBy(() -> Caller.builder("a", CredentialKind.BEARER_JWT).scopes((Set<String>) null))
                .hasMessageContaining("scopes");
    }
}
