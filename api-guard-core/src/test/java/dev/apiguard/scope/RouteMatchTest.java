package dev.apiguard.scope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A match's variables: an unmodifiable copy in template order, however few or many. */
class RouteMatchTest {

    private static final RouteRule RULE = new RouteRule("GET", "/a/{x}", RouteRule.Access.PUBLIC, List.of(), false);

    @Test
    void theVariablesAreACopyThatCannotChange() {
        for (int n = 0; n <= 4; n++) {
            Map<String, String> given = new LinkedHashMap<>();
            for (int i = n; i > 0; i--) {
                given.put("v" + i, "value" + i);
            }
            RouteMatch m = new RouteMatch(RULE, given);
            given.put("later", "added");
            assertThat(m.variables())
                    .as("%d variables", n)
                    .doesNotContainKey("later")
                    .hasSize(n);
            assertThat(m.variables().keySet())
                    .as("template order")
                    .containsExactlyElementsOf(given.keySet().stream()
                            .filter(k -> !k.equals("later"))
                            .toList());
            assertThatThrownBy(() -> m.variables().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Test
    void aNullNameOrValueIsKeptAsGiven() {
        Map<String, String> given = new HashMap<>();
        given.put("x", null);
        assertThat(new RouteMatch(RULE, given).variables()).containsEntry("x", null);
        given.clear();
        given.put(null, "1");
        assertThat(new RouteMatch(RULE, given).variables()).containsEntry(null, "1");
    }
}
