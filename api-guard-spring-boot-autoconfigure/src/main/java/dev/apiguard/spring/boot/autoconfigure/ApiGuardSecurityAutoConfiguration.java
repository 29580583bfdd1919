package dev.apiguard.spring.boot.autoconfigure;

import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.context.RequestAttributeSecurityContextRepository;

/**
 * With Spring Security on the classpath: the caller the guard verified becomes Spring Security's
 * {@code Authentication} (principal the {@link dev.apiguard.Caller}, authorities {@code SCOPE_x}),
 * so that {@code @PreAuthorize("hasAuthority('SCOPE_customers:read')")} sees it. Registered at
 * {@link ApiGuardAutoConfiguration#FILTER_ORDER} {@code + 1}, after the guard, before Security's
 * filter chain.
 */
@AutoConfiguration(after = ApiGuardAutoConfiguration.class)
@ConditionalOnClass({SecurityContextHolder.class, RequestAttributeSecurityContextRepository.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnProperty(prefix = "apiguard", name = "enabled", havingValue = "true", matchIfMissing = true)
public class ApiGuardSecurityAutoConfiguration {

    /** The name of the caller-to-Security filter's registration bean. */
    public static final String FILTER_BEAN_NAME = "apiGuardSecurityContextFilterRegistration";

    /** The filter that fills Spring Security's context with the verified caller. */
    @Bean(FILTER_BEAN_NAME)
    @ConditionalOnMissingBean(name = FILTER_BEAN_NAME)
    FilterRegistrationBean<?> apiGuardSecurityContextFilterRegistration() {
        FilterRegistrationBean<CallerSecurityContextFilter> registration =
                new FilterRegistrationBean<>(new CallerSecurityContextFilter());
        registration.setName("apiGuardSecurityContextFilter");
        registration.addUrlPatterns("/*");
        registration.setDispatcherTypes(EnumSet.allOf(DispatcherType.class));
        registration.setOrder(ApiGuardAutoConfiguration.FILTER_ORDER + 1);
        return registration;
    }
}
