package dev.apiguard.spring.boot.autoconfigure;

import dev.apiguard.redis.RedisFailurePolicy;
import dev.apiguard.redis.RedisGuardState;
import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * With api-guard-redis on the classpath and {@code apiguard.redis.uri}, {@code apiguard.redis.cluster}
 * or {@code spring.data.redis.url} set: one {@link RedisGuardState} (closed with the context) whose
 * stores the guard's rate limit, anomaly scoring, DPoP replay cache and inventory share.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = "dev.apiguard.redis.RedisGuardState")
@Conditional(RedisStateConfiguration.RedisConfigured.class)
class RedisStateConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    RedisGuardState apiGuardRedisState(ApiGuardProperties properties, Environment environment) {
        ApiGuardProperties.Redis redis = properties.getRedis();
        String property;
        RedisGuardState.Builder builder;
        if (!redis.getCluster().isEmpty()) {
            property = "apiguard.redis.cluster";
            builder = ApiGuardAutoConfiguration.configure(property, () -> RedisGuardState.cluster(redis.getCluster()));
        } else if (redis.getUri() != null) {
            property = "apiguard.redis.uri";
            builder = ApiGuardAutoConfiguration.configure(property, () -> RedisGuardState.builder(redis.getUri()));
        } else {
            property = "spring.data.redis.url";
            String url = environment.getProperty(property);
            builder = ApiGuardAutoConfiguration.configure(property, () -> RedisGuardState.builder(url));
        }
        builder.failurePolicy(
                redis.getFailurePolicy() == ApiGuardProperties.FailurePolicy.CLOSED
                        ? RedisFailurePolicy.CLOSED
                        : RedisFailurePolicy.OPEN);
        ApiGuardProperties.BucketLeases leases = redis.getBucketLeases();
        // the validity checked alone first, so that an error names the property at fault
        ApiGuardAutoConfiguration.configure(
                "apiguard.redis.bucket-leases.validity", () -> builder.bucketLeases(1, leases.getValidity()));
        ApiGuardAutoConfiguration.configure(
                "apiguard.redis.bucket-leases.requests",
                () -> builder.bucketLeases(leases.getRequests(), leases.getValidity()));
        builder.bucketBatches(redis.isBucketBatches());
        ApiGuardAutoConfiguration.configure(
                "apiguard.redis.evidence-linger", () -> builder.evidenceLinger(redis.getEvidenceLinger()));
        return ApiGuardAutoConfiguration.configure(property, builder::build);
    }

    @Bean
    SharedStores apiGuardSharedStores(RedisGuardState redis) {
        return new SharedStores(
                redis.bucketStore(),
                redis.quarantineStore(),
                redis.evidenceStore(),
                redis.replayCache(),
                redis.ledgerStore());
    }

    @Bean
    ApiGuardHealth.SharedState apiGuardSharedState(RedisGuardState redis) {
        return new ApiGuardHealth.SharedState(
                redis::isUnavailable, redis.failurePolicy() == RedisFailurePolicy.CLOSED ? "closed" : "open");
    }

    /** Any of apiguard.redis.uri, apiguard.redis.cluster, spring.data.redis.url is set. */
    static final class RedisConfigured extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            Binder binder = Binder.get(context.getEnvironment());
            boolean configured = binder.bind("apiguard.redis.uri", String.class).isBound()
                    || !binder.bind("apiguard.redis.cluster", Bindable.listOf(String.class))
                            .orElse(List.of())
                            .isEmpty()
                    || binder.bind("spring.data.redis.url", String.class).isBound();
            return configured
                    ? ConditionOutcome.match("a Redis uri for api-guard is set")
                    : ConditionOutcome.noMatch(
                            "no apiguard.redis.uri, apiguard.redis.cluster or spring.data.redis.url");
        }
    }
}
