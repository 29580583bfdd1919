package dev.apiguard.examples.attack;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.util.List;
import java.util.Map;

/**
 * The demo's {@code GET /admin/inventory} (JSON, schema version 1) as an administrator reads it
 * over HTTPS, with a few readers for the members the attack classes assert.
 *
 * @param json the parsed document
 */
record Inventory(Map<String, Object> json) {

    /** Reads the inventory with a token granting {@code guard:admin}; asserts 200 JSON. */
    static Inventory read(AttackServer s, String adminToken) throws Exception {
        Answer a = s.bearer("/admin/inventory", adminToken).assertStatus(200);
        assertThat(a.first("Content-Type")).hasValue("application/json");
        return new Inventory(JSONObjectUtils.parse(a.body()));
    }

    /** A member of {@code summary}. */
    long summary(String name) {
        return number(map(json.get("summary")).get(name));
    }

    /** Every caller entry with the id, in the report's order (by id, then issuer). */
    List<Map<String, Object>> callers(String id) {
        return list(json.get("callers")).stream()
                .map(Inventory::map)
                .filter(c -> id.equals(c.get("id")))
                .toList();
    }

    /** The one caller entry with the id and issuer. */
    Map<String, Object> caller(String id, String issuer) {
        List<Map<String, Object>> found =
                callers(id).stream().filter(c -> issuer.equals(c.get("issuer"))).toList();
        assertThat(found).as("callers %s of %s in %s", id, issuer, json).hasSize(1);
        return found.get(0);
    }

    /** The one credential of the type ({@code token}, {@code certificate}, {@code api_key}) of a caller entry. */
    static Map<String, Object> credential(Map<String, Object> caller, String type) {
        List<Map<String, Object>> found = list(caller.get("credentials")).stream()
                .map(Inventory::map)
                .filter(c -> type.equals(c.get("type")))
                .toList();
        assertThat(found).as("%s credentials of %s", type, caller).hasSize(1);
        return found.get(0);
    }

    static long number(Object value) {
        assertThat(value).isInstanceOf(Number.class);
        return ((Number) value).longValue();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value) {
        assertThat(value).isInstanceOf(List.class);
        return (List<Object>) value;
    }
}
