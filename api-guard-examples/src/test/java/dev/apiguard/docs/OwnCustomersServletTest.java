package dev.apiguard.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.Caller;
import dev.apiguard.Claims;
import dev.apiguard.CredentialKind;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.servlet.TestServletRequest;
import dev.apiguard.test.servlet.TestServletResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The object-level authorization example of docs/tokens.md: a partner reads only its own customers. */
class OwnCustomersServletTest {

    private final OwnCustomersServlet servlet =
            new OwnCustomersServlet(Map.of("svc-1", "partner-a", "svc-2", "partner-b"));

    private TestServletResponse get(String tag, Caller caller) throws Exception {
        TestServletRequest request = TestServletRequest.of(TestRequest.get("/customers/" + tag));
        request.setServletPath("/customers").setPathInfo("/" + tag);
        if (caller != null) {
            request.setAttribute(Caller.REQUEST_ATTRIBUTE, caller);
        }
        TestServletResponse response = new TestServletResponse();
        servlet.service(request, response);
        return response;
    }

    private static Caller partner(String id) {
        return Caller.builder("client-of-" + id, CredentialKind.BEARER_JWT)
                .issuer("https://issuer.example")
                .claims(Claims.of(Map.of("partner_id", id)))
                .build();
    }

    @Test
    void aPartnerReadsItsOwnCustomer() throws Exception {
        TestServletResponse own = get("svc-1", partner("partner-a"));
        assertThat(own.getStatus()).isEqualTo(200);
        assertThat(own.bodyAsString()).isEqualTo("{\"customer\":\"svc-1\"}");
    }

    @Test
    void anotherPartnersCustomerAndAnUnknownOneAnswerAlike() throws Exception {
        assertThat(get("svc-2", partner("partner-a")).getStatus()).isEqualTo(404);
        assertThat(get("svc-9", partner("partner-a")).getStatus()).isEqualTo(404);
    }

    @Test
    void aRouteLeftOutsideTheGuardFailsInsteadOfAnswering() {
        assertThatThrownBy(() -> get("svc-1", null)).isInstanceOf(IllegalStateException.class);
    }
}
