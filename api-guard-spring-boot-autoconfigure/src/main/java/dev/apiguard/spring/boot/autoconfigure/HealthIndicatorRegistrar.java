package dev.apiguard.spring.boot.autoconfigure;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.util.ClassUtils;

/**
 * Registers the {@code apiguard} health indicator ({@link ApiGuardHealth}) as the Boot line's own
 * {@code HealthIndicator}: Spring Boot 4.0 has it in {@value #BOOT_4} (module spring-boot-health),
 * 3.5 in {@value #BOOT_3}. One jar serves both lines, so the indicator is a proxy of whichever
 * interface is present, built through {@code Health.status(code).withDetails(map).build()}, which
 * both lines have; it is registered under the interface's type, so that Actuator finds it by type.
 * Imported by {@link ApiGuardActuatorAutoConfiguration}, whose bean methods are registered first:
 * the indicator is there when an {@link ApiGuardHealth} bean is.
 */
final class HealthIndicatorRegistrar implements ImportBeanDefinitionRegistrar, BeanFactoryAware {

    /** The package of Spring Boot 4.0's health contributors. */
    static final String BOOT_4 = "org.springframework.boot.health.contributor";

    /** The package of Spring Boot 3.5's health contributors. */
    static final String BOOT_3 = "org.springframework.boot.actuate.health";

    /** The bean's name: Actuator names the contributor {@code apiguard} (the name less {@code HealthIndicator}). */
    static final String BEAN_NAME = "apiguardHealthIndicator";

    private BeanFactory beanFactory;

    @Override
    public void setBeanFactory(BeanFactory factory) {
        this.beanFactory = factory;
    }

    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
        ClassLoader loader = getClass().getClassLoader();
        String health = ClassUtils.isPresent(BOOT_4 + ".HealthIndicator", loader)
                ? BOOT_4
                : ClassUtils.isPresent(BOOT_3 + ".HealthIndicator", loader) ? BOOT_3 : null;
        if (health == null
                || registry.containsBeanDefinition(BEAN_NAME)
                || !(beanFactory instanceof ListableBeanFactory beans)
                || beans.getBeanNamesForType(ApiGuardHealth.class, true, false).length == 0) {
            return; // no Actuator, an indicator of the application's, or the health switched off
        }
        Class<?> indicator = ClassUtils.resolveClassName(health + ".HealthIndicator", loader);
        Method status = ClassUtils.getStaticMethod(
                ClassUtils.resolveClassName(health + ".Health", loader), "status", String.class);
        RootBeanDefinition definition = new RootBeanDefinition(indicator);
        definition.setInstanceSupplier(
                () -> indicator(indicator, status, beanFactory.getBean(ApiGuardHealth.class), loader));
        registry.registerBeanDefinition(BEAN_NAME, definition);
    }

    private static Object indicator(Class<?> type, Method status, ApiGuardHealth health, ClassLoader loader) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("health") && method.getParameterCount() == 0) {
                ApiGuardHealth.Report report = health.check();
                Object builder = status.invoke(null, report.status().name());
                builder.getClass().getMethod("withDetails", Map.class).invoke(builder, report.details());
                return builder.getClass().getMethod("build").invoke(builder);
            }
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            return switch (method.getName()) {
                case "toString" -> "ApiGuardHealthIndicator";
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> throw new UnsupportedOperationException(method.getName());
            };
        };
        return Proxy.newProxyInstance(loader, new Class<?>[] {type}, handler);
    }
}
