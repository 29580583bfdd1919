package dev.apiguard.examples.spring;

import dev.apiguard.Caller;
import dev.apiguard.servlet.Callers;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import java.util.TreeSet;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** The example's API: what sits behind the guard. */
@RestController
public class CustomerController {

    /** {@code GET /health}: open to anyone. */
    @GetMapping("/health")
    public Map<String, String> health() {
        return Map.of("status", "ok");
    }

    /**
     * {@code GET /customers/{serviceTag}}: the guard has verified the token and the
     * {@code customers:read} scope; the caller is the request's principal.
     */
    @GetMapping("/customers/{serviceTag}")
    public Map<String, Object> customer(@PathVariable("serviceTag") String serviceTag, HttpServletRequest request) {
        Caller caller = Callers.require(request); // also request.getUserPrincipal()
        return Map.of("serviceTag", serviceTag, "readBy", caller.id(), "scopes", new TreeSet<>(caller.scopes()));
    }
}
