package dev.apiguard.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.context.RequestAttributeSecurityContextRepository;

class CallerSecurityContextFilterTest {

    final CallerSecurityContextFilter filter = new CallerSecurityContextFilter();

    @AfterEach
    void clear() {
        SecurityContextHolder.clearContext();
    }

    @Test
    void theVerifiedCallerIsTheAuthenticationWithItsScopesAsAuthorities() throws Exception {
        Caller caller = Caller.builder("partner-a", CredentialKind.BEARER_JWT)
                .scopes(Set.of("customers:read", "payments:write"))
                .build();
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/customers/1");
        request.setAttribute(Caller.REQUEST_ATTRIBUTE, caller);
        AtomicReference<Authentication> seen = new AtomicReference<>();
        filter.doFilter(
                request,
                new MockHttpServletResponse(),
                (req, res) -> seen.set(SecurityContextHolder.getContext().getAuthentication()));

        Authentication authentication = seen.get();
        assertThat(authentication.isAuthenticated()).isTrue();
        assertThat(authentication.getPrincipal()).isSameAs(caller);
        assertThat(authentication.getName()).isEqualTo("partner-a");
        assertThat(authentication.getAuthorities())
                .extracting(GrantedAuthority::getAuthority)
                .containsExactly("SCOPE_customers:read", "SCOPE_payments:write");
        // where Spring Security's SecurityContextHolderFilter loads it from
        SecurityContext stored = (SecurityContext)
                request.getAttribute(RequestAttributeSecurityContextRepository.DEFAULT_REQUEST_ATTR_NAME);
        assertThat(stored.getAuthentication()).isSameAs(authentication);
        // and the thread is left as it was found
        assertThat(SecurityContextHolder.getContext().getAuthentication()).isNull();
    }

    @Test
    void anAnonymousRequestIsLeftAlone() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/health");
        AtomicReference<Authentication> seen = new AtomicReference<>();
        filter.doFilter(
                request,
                new MockHttpServletResponse(),
                (req, res) -> seen.set(SecurityContextHolder.getContext().getAuthentication()));
        assertThat(seen.get()).isNull();
        assertThat(request.getAttribute(RequestAttributeSecurityContextRepository.DEFAULT_REQUEST_ATTR_NAME))
                .isNull();
    }
}
