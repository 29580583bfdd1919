package dev.apiguard.examples.attack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * security-cases §B (docs/security-cases.md), scopes and routes (OWASP API5), against the demo server over real HTTPS;
 * path variants go over the raw TLS client, which sends the request target byte for byte. The
 * demo's routes: {@code GET /health} public, {@code GET /customers[/{serviceTag}]} customers:read,
 * {@code POST /payments} sender-constrained payments:write, {@code GET /admin/inventory}
 * guard:admin; nothing else.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouteAttacksTest {

    static final String ADMIN_NEEDED = "Bearer error=\"insufficient_scope\", scope=\"guard:admin\"";
    static final String PAYMENTS_NEEDED = "Bearer error=\"insufficient_scope\", scope=\"payments:write\"";

    AttackServer s;
    String reader;
    String admin;
    String boundReader;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        s = AttackServer.start(dir);
        reader = s.token("customers:read");
        admin = s.issuer.token().clientId("guard-admin").scope("guard:admin").sign();
        boundReader = s.issuer
                .token()
                .clientId("partner-a")
                .scope("customers:read")
                .boundToCertificate(s.partnerA.certificate())
                .sign();
    }

    @AfterAll
    void stop() throws Exception {
        s.close();
    }

    @Test
    @DisplayName("B0 the admin token reads the inventory (so each refusal below is the attack's doing)")
    void b0_adminReadsTheInventory() throws Exception {
        s.bearer("/admin/inventory", admin).assertStatus(200);
    }

    // ---- B1 missing scope ----------------------------------------------------------------------

    @Test
    @DisplayName("B1 missing scope: 403 insufficient_scope naming the scope needed")
    void b1_missingScopeIs403WithTheNeededScope() throws Exception {
        s.bearer("/admin/inventory", reader).assertRefused(403, ADMIN_NEEDED);
        s.pay(s.clientA, "Authorization", "Bearer " + boundReader).assertRefused(403, PAYMENTS_NEEDED);
        s.bearer("/customers/" + s.tag, admin)
                .assertRefused(403, "Bearer error=\"insufficient_scope\", scope=\"customers:read\"");
    }

    // ---- B2 exact scope matching -----------------------------------------------------------------

    @ParameterizedTest(name = "scope \"{0}\"")
    @ValueSource(
            strings = {
                "customers",
                "customers:rea",
                "customers:read:all",
                "customers:readx",
                "Customers:read",
                "CUSTOMERS:READ",
                "customers:*",
                "*",
                "customers:read,other",
                "other\tcustomers:read",
                "customers:read\u00a0",
                "customers%3Aread",
                "\"customers:read\"",
                "customers:r\u0435ad",
                "",
                "customers:read\u0000",
                "customers:\u200bread",
                "read"
            })
    @DisplayName("B2 scope matching is exact per space-delimited token, case-sensitive: 403")
    void b2_nearlyTheScopeIs403(String scope) throws Exception {
        s.bearer("/customers/" + s.tag, s.token(scope))
                .assertRefused(403, "Bearer error=\"insufficient_scope\", scope=\"customers:read\"");
    }

    @ParameterizedTest(name = "scope \"{0}\"")
    @ValueSource(strings = {"guard", "admin", "guard:", "guard:admin:read", "GUARD:ADMIN", "guard:admins"})
    @DisplayName("B2 read does not satisfy read:all, guard does not satisfy guard:admin: 403")
    void b2_prefixesAndExtensionsOfTheAdminScopeAre403(String scope) throws Exception {
        s.bearer("/admin/inventory", s.token(scope)).assertRefused(403, ADMIN_NEEDED);
    }

    @Test
    @DisplayName("B2 the scope among others, with extra spaces, or as an scp array: accepted")
    void b2_theExactScopeAmongOthersIsAccepted() throws Exception {
        s.bearer("/customers/" + s.tag, s.token("  customers:read  ")).assertStatus(200);
        s.bearer("/customers/" + s.tag, s.token("a customers:read b")).assertStatus(200);
        s.bearer(
                        "/customers/" + s.tag,
                        s.issuer
                                .token()
                                .clientId("partner-a")
                                .claim("scp", List.of("customers:read"))
                                .sign())
                .assertStatus(200);
    }

    // ---- B3 deny by default ----------------------------------------------------------------------

    @ParameterizedTest(name = "GET {0}")
    @ValueSource(
            strings = {
                "/internal/export",
                "/admin",
                "/admin/inventory/x",
                "/customers/a/b",
                "/",
                "/payments/x",
                "/health/x",
                "/customers.json",
                "/admin/inventory.json"
            })
    @DisplayName("B3 an unmapped route: 404 for a caller, 401 without error for anonymous")
    void b3_unmappedRouteIsRefused(String path) throws Exception {
        s.bearer(path, admin).assertDocumentedRefusal().assertRefused(404);
        s.get(path, null).assertUnauthenticated();
    }

    @ParameterizedTest(name = "{0} /customers")
    @ValueSource(strings = {"DELETE", "PUT", "PATCH", "POST", "OPTIONS", "TRACE"})
    @DisplayName("B3 a mapped path with another method: 405 with Allow for a caller")
    void b3_otherMethodIs405(String method) throws Exception {
        Answer a = s.raw(s.rawRequest(
                        method, "/customers/" + s.tag, "Authorization: Bearer " + reader, "Content-Length: 0"))
                .assertDocumentedRefusal();
        assertThat(a.status()).isEqualTo(405);
        assertThat(a.first("Allow")).hasValue("GET, HEAD");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"X-HTTP-Method-Override: DELETE", "X-HTTP-Method: POST", "X-Method-Override: POST"})
    @DisplayName("B3 method-override headers are refused: 400")
    void b3_methodOverrideIs400(String header) throws Exception {
        s.rawGet("Authorization: Bearer " + reader, header)
                .assertDocumentedRefusal()
                .assertRefused(400);
    }

    // ---- B4 path variants --------------------------------------------------------------------

    @ParameterizedTest(name = "GET {0}")
    @ValueSource(
            strings = {
                "//admin/inventory",
                "/admin//inventory",
                "/admin/inventory/",
                "/admin/inventory;x",
                "/admin;x/inventory",
                "/%61dmin/inventory",
                "/admin/%69nventory",
                "/admin%2Finventory",
                "/admin%2finventory",
                "/a/../admin/inventory",
                "/%2e%2e/admin/inventory",
                "/%2E%2E/admin/inventory",
                "/./admin/inventory",
                "/admin/./inventory",
                "/admin/inventory/.",
                "/admin/inventory/..;/inventory",
                "/ADMIN/INVENTORY",
                "/admin\\inventory",
                "/admin%5Cinventory",
                "/admin/inventory%00",
                "/admin/inventory%20",
                "/%2561dmin/inventory",
                "/admin/inventory?format=json",
                "/admin/inventory#x",
                "/admin/inventory%3Fx",
                "/customers/../admin/inventory",
                "/customers/..;/admin/inventory",
                "/customers/%2e%2e/admin/inventory",
                "/customers/..%2Fadmin%2Finventory",
                "/customers%2F..%2Fadmin%2Finventory"
            })
    @DisplayName("B4 path variants of /admin/inventory never reach it without guard:admin")
    void b4_pathVariantsNeverReachTheInventoryWithoutTheScope(String target) throws Exception {
        for (String authorization : new String[] {"Authorization: Bearer " + reader, "X-Anonymous: yes"}) {
            Answer a = s.raw(s.rawRequest("GET", target, authorization)).assertDocumentedRefusal();
            assertThat(a.body()).doesNotContain("callers");
        }
    }

    @ParameterizedTest(name = "GET {0}")
    @ValueSource(
            strings = {
                "/health/../admin/inventory",
                "/health/..;/admin/inventory",
                "/health;/../admin/inventory",
                "/health/%2e%2e/admin/inventory",
                "/health%2F..%2Fadmin%2Finventory",
                "/health/..%2Fadmin/inventory",
                "/health/.%2e/admin/inventory",
                "/health/..\\admin/inventory",
                "/health/../customers/XYZ",
                "/health;jsessionid=1",
                "/health/",
                "//health"
            })
    @DisplayName("B4 the public /health is no door: its path variants never reach a protected route anonymously")
    void b4_publicRouteVariantsAreNoBypass(String target) throws Exception {
        Answer a = s.raw(null, s.rawRequest("GET", target)).assertDocumented(false, List.of(200));
        if (a.status() == 200) {
            assertThat(a.body()).isEqualTo("{\"status\":\"ok\"}");
        }
    }

    @ParameterizedTest(name = "POST {0}")
    @ValueSource(
            strings = {
                "/payments/",
                "//payments",
                "/payments;x",
                "/%70ayments",
                "/%2570ayments",
                "/a/../payments",
                "/%2e%2e/payments",
                "/./payments",
                "/payments/..;/payments",
                "/PAYMENTS",
                "/payments%2F",
                "/payments%00",
                "/customers/../payments",
                "/payments/.",
                "/payments?x=1",
                "https://127.0.0.1/payments"
            })
    @DisplayName("B4 path variants of /payments never create a payment without payments:write")
    void b4_pathVariantsNeverReachPaymentsWithoutTheScope(String target) throws Exception {
        Answer a = s.raw(s.rawRequest(
                                "POST",
                                target,
                                "Authorization: Bearer " + boundReader,
                                "Content-Type: application/json",
                                "Content-Length: 2")
                        .replace("\r\n\r\n", "\r\n\r\n{}"))
                .assertDocumentedRefusal();
        assertThat(a.body()).doesNotContain("paymentId");
    }

    @Test
    @DisplayName("B4 an absolute-form request target is the same route: 403 without the scope")
    void b4_absoluteFormTargetHitsTheSameRule() throws Exception {
        s.raw(s.rawRequest("GET", s.server.baseUri() + "/admin/inventory", "Authorization: Bearer " + reader))
                .assertDocumentedRefusal()
                .assertRefused(403, ADMIN_NEEDED);
    }

    @Test
    @DisplayName("B4 a path variant that the container dispatches to the inventory is checked as the inventory")
    void b4_decodedVariantIsCheckedAsTheRouteItReaches() throws Exception {
        // whatever the container makes of %69, the answer is the inventory rule's: 200 with the scope, 403 without
        Answer withScope = s.raw(s.rawRequest("GET", "/admin/%69nventory", "Authorization: Bearer " + admin));
        Answer without = s.raw(s.rawRequest("GET", "/admin/%69nventory", "Authorization: Bearer " + reader));
        without.assertDocumentedRefusal();
        if (withScope.status() == 200) {
            without.assertRefused(403, ADMIN_NEEDED);
        }
    }
}
