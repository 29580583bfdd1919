package dev.apiguard.docs.boot;

// tag::controller[]
import dev.apiguard.Caller;
import java.util.Map;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

@RestController
class CustomerController {

    // the guard has checked the token and the route's scopes before this runs
    @GetMapping("/customers/{id}")
    Map<String, String> customer(@PathVariable("id") String id, @AuthenticationPrincipal Caller caller) {
        return Map.of("id", id, "readBy", caller.id());
    }

    // with Spring Security, each verified scope is an authority SCOPE_<scope>
    @GetMapping("/customers/{id}/export")
    @PreAuthorize("hasAuthority('SCOPE_customers:export')")
    Map<String, String> export(@PathVariable("id") String id) {
        return Map.of("id", id, "export", "queued");
    }
}
// end::controller[]
