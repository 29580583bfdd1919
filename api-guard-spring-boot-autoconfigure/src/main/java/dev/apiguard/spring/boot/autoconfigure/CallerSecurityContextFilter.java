package dev.apiguard.spring.boot.autoconfigure;

import dev.apiguard.Caller;
import dev.apiguard.servlet.Callers;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.context.RequestAttributeSecurityContextRepository;

/**
 * Puts the caller the guard verified into Spring Security's {@link SecurityContext}: an
 * {@link CallerAuthentication} whose principal is the {@link Caller} and whose authorities are
 * {@code SCOPE_x} for each granted scope. Runs right after the guard's filter and before Spring
 * Security's filter chain: the context is stored where Security's {@code SecurityContextHolderFilter}
 * loads it from (the request attribute of {@link RequestAttributeSecurityContextRepository}), and
 * held in the {@link SecurityContextHolder} for the rest of the chain, for applications that use
 * method security without Security's filter chain.
 */
final class CallerSecurityContextFilter implements Filter {

    private final SecurityContextHolderStrategy holder = SecurityContextHolder.getContextHolderStrategy();

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Optional<Caller> caller = Callers.of(request);
        if (caller.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        SecurityContext context = holder.createEmptyContext();
        context.setAuthentication(new CallerAuthentication(caller.get()));
        request.setAttribute(RequestAttributeSecurityContextRepository.DEFAULT_REQUEST_ATTR_NAME, context);
        SecurityContext previous = holder.getContext();
        holder.setContext(context);
        try {
            chain.doFilter(request, response);
        } finally {
            holder.setContext(previous);
        }
    }

    /** The verified caller as a Spring Security {@code Authentication}: authenticated, no credentials kept. */
    static final class CallerAuthentication extends AbstractAuthenticationToken {

        private static final long serialVersionUID = 1L;

        private final transient Caller caller;

        CallerAuthentication(Caller caller) {
            super(authorities(caller));
            this.caller = caller;
            setAuthenticated(true);
        }

        private static List<GrantedAuthority> authorities(Caller caller) {
            return caller.scopes().stream()
                    .sorted()
                    .<GrantedAuthority>map(s -> new SimpleGrantedAuthority("SCOPE_" + s))
                    .toList();
        }

        @Override
        public Object getCredentials() {
            return "";
        }

        @Override
        public Caller getPrincipal() {
            return caller;
        }

        @Override
        public String getName() {
            return caller.id();
        }
    }
}
