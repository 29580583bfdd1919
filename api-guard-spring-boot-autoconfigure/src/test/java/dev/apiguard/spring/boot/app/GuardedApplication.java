package dev.apiguard.spring.boot.app;

import dev.apiguard.Caller;
import java.util.Map;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Boot application with the starter and Spring Security: the guard admits and authorizes by
 * route, Security's method security adds a finer check on the scopes the guard verified.
 */
@SpringBootApplication
@EnableMethodSecurity
public class GuardedApplication {

    /** The guard decides who gets in; Security keeps no session and needs no CSRF token (no cookies). */
    @Bean
    SecurityFilterChain api(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(a -> a.anyRequest().permitAll())
                .csrf(c -> c.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
        return http.build();
    }

    @RestController
    static class Customers {

        @GetMapping("/customers/{id}")
        Map<String, Object> customer(@PathVariable("id") String id, Authentication authentication) {
            Caller caller = (Caller) authentication.getPrincipal();
            return Map.of(
                    "id", id,
                    "readBy", caller.id(),
                    "authorities",
                            authentication.getAuthorities().stream()
                                    .map(Object::toString)
                                    .sorted()
                                    .toList());
        }

        @GetMapping("/reports")
        @PreAuthorize("hasAuthority('SCOPE_reports:export')")
        Map<String, String> report() {
            return Map.of("report", "ok");
        }

        @GetMapping("/health")
        Map<String, String> health() {
            return Map.of("status", "ok");
        }
    }
}
