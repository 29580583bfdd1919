package dev.apiguard.spring.boot.autoconfigure;

import static dev.apiguard.spring.boot.autoconfigure.ApiGuardAutoConfigurationTest.token;
import static dev.apiguard.spring.boot.autoconfigure.ApiGuardAutoConfigurationTest.tokens;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.GuardObserver;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.Slf4jSecurityEventListener;
import dev.apiguard.micrometer.DefaultGuardObservationConvention;
import dev.apiguard.micrometer.GuardObservationContext;
import dev.apiguard.micrometer.GuardObservationConvention;
import dev.apiguard.micrometer.MicrometerSecurityEventListener;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.RecordingListener;
import dev.apiguard.test.TestRequest;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Micrometer: the event counters on the app's MeterRegistry, the decision observed on its ObservationRegistry. */
@Timeout(value = 30, unit = TimeUnit.SECONDS) // the suite runs on both Boot lines in CI
class ApiGuardObservabilityAutoConfigurationTest {

    @BeforeAll
    static void keys(@TempDir Path dir) throws Exception {
        ApiGuardAutoConfigurationTest.keys(dir);
    }

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    ApiGuardAutoConfiguration.class, ApiGuardObservabilityAutoConfiguration.class))
            .withPropertyValues(tokens());

    static double events(MeterRegistry registry, String event) {
        return registry.get("apiguard.events").tag("event", event).counter().count();
    }

    @Test
    void aMeterRegistryCountsTheEventsBesideTheApplicationsOwnListener() {
        RecordingListener recorded = new RecordingListener();
        runner.withBean(SimpleMeterRegistry.class)
                .withBean(RecordingListener.class, () -> recorded)
                .run(context -> {
                    assertThat(context).hasSingleBean(MicrometerSecurityEventListener.class);
                    GuardTester tester = GuardTester.of(context.getBean(ApiGuard.class));
                    tester.send(TestRequest.get("/customers/1").bearer(token("customers:read")))
                            .assertStatus(200);
                    tester.send(TestRequest.get("/customers/1").bearer("not.a.token"))
                            .assertStatus(401);
                    MeterRegistry meters = context.getBean(MeterRegistry.class);
                    assertThat(events(meters, "token.accepted")).isEqualTo(1);
                    assertThat(events(meters, "token.rejected")).isEqualTo(1);
                    assertThat(recorded.events()).hasSize(2);
                });
    }

    @Test
    void withoutAMeterRegistryOrWithoutTheModuleThereAreNoCounters() {
        runner.run(context -> assertThat(context)
                .hasNotFailed()
                .doesNotHaveBean(MicrometerSecurityEventListener.class)
                .doesNotHaveBean(GuardObserver.class));
        runner.withBean(SimpleMeterRegistry.class)
                .withBean(TestObservationRegistry.class, TestObservationRegistry::create)
                .withClassLoader(new FilteredClassLoader("dev.apiguard.micrometer"))
                .run(context -> assertThat(context)
                        .hasNotFailed()
                        .hasSingleBean(ApiGuard.class)
                        .doesNotHaveBean(GuardObserver.class));
    }

    @Test
    void theApplicationsListenersAllHearTheEventsAndTheLogStaysWhenItHasNone() {
        SecurityEventListener metrics = MicrometerSecurityEventListener.of(new SimpleMeterRegistry());
        SecurityEventListener own = new RecordingListener();
        assertThat(ApiGuardAutoConfiguration.listener(List.of())).isInstanceOf(Slf4jSecurityEventListener.class);
        assertThat(ApiGuardAutoConfiguration.listener(List.of(own))).isSameAs(own);
        assertThat(ApiGuardAutoConfiguration.listener(List.of(metrics))).isNotSameAs(metrics);

        RecordingListener first = new RecordingListener();
        RecordingListener second = new RecordingListener();
        runner.withBean("first", RecordingListener.class, () -> first)
                .withBean("second", RecordingListener.class, () -> second)
                .run(context -> {
                    GuardTester.of(context.getBean(ApiGuard.class))
                            .send(TestRequest.get("/customers/1").bearer(token("customers:read")));
                    assertThat(first.events()).hasSize(1);
                    assertThat(second.events()).hasSize(1);
                });
    }

    @Test
    void anObservationRegistryObservesEachDecision() {
        runner.withBean(TestObservationRegistry.class, TestObservationRegistry::create)
                .run(context -> {
                    assertThat(context).hasSingleBean(GuardObserver.class);
                    ApiGuard guard = context.getBean(ApiGuard.class);
                    assertThat(guard.observer()).isSameAs(context.getBean(GuardObserver.class));
                    GuardTester.of(guard)
                            .send(TestRequest.get("/customers/1").bearer(token("payments:write")))
                            .assertStatus(403);
                    TestObservationRegistryAssert.assertThat(context.getBean(TestObservationRegistry.class))
                            .hasSingleObservationThat()
                            .hasNameEqualTo(DefaultGuardObservationConvention.NAME)
                            .hasLowCardinalityKeyValue("apiguard.outcome", "refused")
                            .hasLowCardinalityKeyValue("apiguard.step", "scope")
                            .hasLowCardinalityKeyValue("apiguard.credential", "bearer_jwt")
                            .hasHighCardinalityKeyValue("apiguard.caller", "partner-a");
                });
    }

    @Test
    void aConventionBeanNamesTheKeyValues() {
        GuardObservationConvention renamed = new DefaultGuardObservationConvention() {
            @Override
            public KeyValues getLowCardinalityKeyValues(GuardObservationContext context) {
                return super.getLowCardinalityKeyValues(context).and("tenant", "eu");
            }
        };
        runner.withBean(TestObservationRegistry.class, TestObservationRegistry::create)
                .withBean(GuardObservationConvention.class, () -> renamed)
                .run(context -> {
                    GuardTester.of(context.getBean(ApiGuard.class))
                            .send(TestRequest.get("/health"))
                            .assertStatus(200);
                    TestObservationRegistryAssert.assertThat(context.getBean(TestObservationRegistry.class))
                            .hasSingleObservationThat()
                            .hasLowCardinalityKeyValue("tenant", "eu")
                            .hasLowCardinalityKeyValue("apiguard.outcome", "allowed")
                            .hasLowCardinalityKeyValue("apiguard.credential", "none");
                });
    }

    @Test
    void theApplicationsOwnObserverWins() {
        GuardObserver own = exchange -> GuardObserver.Evaluation.NONE;
        runner.withBean(TestObservationRegistry.class, TestObservationRegistry::create)
                .withBean(GuardObserver.class, () -> own)
                .run(context ->
                        assertThat(context.getBean(ApiGuard.class).observer()).isSameAs(own));
    }

    @Test
    void withoutAnObservationRegistryTheGuardObservesNothing() {
        runner.run(context ->
                assertThat(context.getBean(ApiGuard.class).observer()).isSameAs(GuardObserver.NONE));
        runner.withBean(ObservationRegistry.class, () -> ObservationRegistry.NOOP)
                .run(context ->
                        assertThat(context.getBean(ApiGuard.class).observer()).isNotSameAs(GuardObserver.NONE));
    }
}
