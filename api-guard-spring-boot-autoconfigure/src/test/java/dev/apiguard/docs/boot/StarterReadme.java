package dev.apiguard.docs.boot;

import dev.apiguard.Caller;
import java.util.Map;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

// tag::controller[]
@RestController
class Customers {
    @GetMapping("/customers/{id}") // the guard checked token and scope first
    @PreAuthorize("hasAuthority('SCOPE_customers:read')") // optional, with Spring Security
    Map<String, String> customer(@PathVariable("id") String id, @AuthenticationPrincipal Caller caller) {
        return Map.of("id", id, "readBy", caller.id());
    }
}
// end::controller[]
