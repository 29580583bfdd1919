package dev.apiguard.micrometer;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardObserver;
import dev.apiguard.binding.CertificateBindingStep;
import dev.apiguard.binding.ClientCertificates;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.TestCertificates;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One observation per guard decision, with the outcome, refusing step, credential and caller as key values. */
class ObservationGuardObserverTest {

    static final String ISSUER = "https://issuer.example";
    static final String AUDIENCE = "https://api.example";
    static LocalIssuer issuer;
    static TestCertificates certificates;
    static IssuedCertificate partnerCertificate;
    static IssuedCertificate otherCertificate;

    @BeforeAll
    static void keys() {
        issuer = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
        certificates = TestCertificates.create();
        partnerCertificate = certificates.client("partner-a");
        otherCertificate = certificates.client("someone-else");
    }

    static ApiGuard guard(GuardObserver observer) {
        return ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .observer(observer)
                .step(AccessTokenStep.of(TokenPolicy.builder()
                        .issuer(ISSUER, KeySource.fixed(issuer.publicJwks()))
                        .audience(AUDIENCE)
                        .build()))
                .step(CertificateBindingStep.of(ClientCertificates.tlsOnly()))
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/customers/{id}")
                        .requireScopes("customers:read")
                        .build()))
                .build();
    }

    static String token(String scope) {
        return issuer.token().clientId("partner-a").scope(scope).sign();
    }

    final TestObservationRegistry registry = TestObservationRegistry.create();
    final GuardTester tester = GuardTester.of(guard(ObservationGuardObserver.of(registry)));

    @Test
    void anAllowedRequestIsOneStoppedObservationWithItsCredentialAndCaller() {
        tester.send(TestRequest.get("/customers/1").bearer(token("customers:read")))
                .assertStatus(200);
        assertThat(registry)
                .hasNumberOfObservationsWithNameEqualTo(DefaultGuardObservationConvention.NAME, 1)
                .hasObservationWithNameEqualTo(DefaultGuardObservationConvention.NAME)
                .that()
                .hasContextualNameEqualTo(DefaultGuardObservationConvention.CONTEXTUAL_NAME)
                .hasBeenStarted()
                .hasBeenStopped()
                .doesNotHaveError()
                .hasLowCardinalityKeyValue("apiguard.outcome", "allowed")
                .hasLowCardinalityKeyValue("apiguard.step", "none")
                .hasLowCardinalityKeyValue("apiguard.credential", "bearer_jwt")
                .hasHighCardinalityKeyValue("apiguard.caller", "partner-a")
                .doesNotHaveLowCardinalityKeyValueWithKey("apiguard.caller");
    }

    @Test
    void aRefusalNamesTheStepThatRefusedIt() {
        tester.send(TestRequest.get("/customers/1").bearer(token("orders:read")))
                .assertStatus(403);
        assertThat(registry)
                .hasSingleObservationThat()
                .hasLowCardinalityKeyValue("apiguard.outcome", "refused")
                .hasLowCardinalityKeyValue("apiguard.step", "scope")
                .hasLowCardinalityKeyValue("apiguard.credential", "bearer_jwt")
                .hasHighCardinalityKeyValue("apiguard.caller", "partner-a");
    }

    @Test
    void anUnauthenticatedRefusalHasNoCredentialAndNoCaller() {
        tester.send(TestRequest.get("/customers/1").bearer("not.a.token")).assertStatus(401);
        assertThat(registry)
                .hasSingleObservationThat()
                .hasLowCardinalityKeyValue("apiguard.outcome", "refused")
                .hasLowCardinalityKeyValue("apiguard.step", "token")
                .hasLowCardinalityKeyValue("apiguard.credential", "none")
                .doesNotHaveHighCardinalityKeyValueWithKey("apiguard.caller");
    }

    @Test
    void aCertificateBoundTokenIsObservedAsSuchAndFromAnotherCertificateAsRefusedByTheBinding() {
        String bound = issuer.token()
                .clientId("partner-a")
                .scope("customers:read")
                .boundToCertificate(partnerCertificate.certificate())
                .sign();
        tester.send(TestRequest.get("/customers/1").bearer(bound).clientCertificate(partnerCertificate))
                .assertStatus(200);
        assertThat(registry)
                .hasSingleObservationThat()
                .hasLowCardinalityKeyValue("apiguard.outcome", "allowed")
                .hasLowCardinalityKeyValue("apiguard.credential", "mtls_bound_jwt");
        registry.clear();

        tester.send(TestRequest.get("/customers/1").bearer(bound).clientCertificate(otherCertificate))
                .assertStatus(401);
        assertThat(registry)
                .hasSingleObservationThat()
                .hasLowCardinalityKeyValue("apiguard.outcome", "refused")
                .hasLowCardinalityKeyValue("apiguard.step", "mtls-binding")
                .hasLowCardinalityKeyValue("apiguard.credential", "none");
    }

    @Test
    void noKeyValueEverHoldsTheToken() {
        String token = token("customers:read");
        List<KeyValue> seen = new ArrayList<>();
        ObservationRegistry recording = ObservationRegistry.create();
        recording.observationConfig().observationHandler(new io.micrometer.observation.ObservationHandler<>() {
            @Override
            public void onStop(Observation.Context context) {
                context.getAllKeyValues().forEach(seen::add);
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        GuardTester.of(guard(ObservationGuardObserver.of(recording)))
                .send(TestRequest.get("/customers/1").bearer(token))
                .assertStatus(200);
        assertThat(seen)
                .extracting(KeyValue::getKey)
                .containsExactlyInAnyOrder(
                        "apiguard.outcome", "apiguard.step", "apiguard.credential", "apiguard.caller");
        assertThat(seen).allSatisfy(kv -> {
            assertThat(token).doesNotContain(kv.getValue());
            assertThat(kv.getValue()).doesNotContain(token.substring(0, 20));
        });
    }

    @Test
    void theObservationIsAChildOfTheRequestsObservation() {
        Observation server = Observation.start("http.server.requests", registry);
        try (Observation.Scope scope = server.openScope()) {
            tester.send(TestRequest.get("/customers/1").bearer(token("customers:read")))
                    .assertStatus(200);
        }
        server.stop();
        assertThat(registry)
                .hasObservationWithNameEqualTo(DefaultGuardObservationConvention.NAME)
                .that()
                .hasParentObservationEqualTo(server);
    }

    @Test
    void aMeterRegistryHandlerMakesATimerTaggedWithTheLowCardinalityValuesOnly() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ObservationRegistry observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
        GuardTester timed = GuardTester.of(guard(ObservationGuardObserver.of(observations)));
        timed.send(TestRequest.get("/customers/1").bearer(token("customers:read")));
        timed.send(TestRequest.get("/customers/1").bearer(token("orders:read")));
        assertThat(meters.get("apiguard.decision")
                        .tags(
                                "apiguard.outcome",
                                "allowed",
                                "apiguard.step",
                                "none",
                                "apiguard.credential",
                                "bearer_jwt")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(meters.get("apiguard.decision")
                        .tags("apiguard.outcome", "refused", "apiguard.step", "scope")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(meters.getMeters())
                .allSatisfy(m -> assertThat(m.getId().getTag("apiguard.caller")).isNull());
    }

    @Test
    void aCustomConventionAddsItsOwnKeyValues() {
        GuardObservationConvention withRoute = new DefaultGuardObservationConvention() {
            @Override
            public io.micrometer.common.KeyValues getLowCardinalityKeyValues(GuardObservationContext context) {
                String route = context.exchange().routeTemplate();
                return super.getLowCardinalityKeyValues(context).and("apiguard.route", route == null ? "none" : route);
            }
        };
        GuardTester.of(guard(ObservationGuardObserver.of(registry, withRoute)))
                .send(TestRequest.get("/customers/1").bearer(token("customers:read")))
                .assertStatus(200);
        assertThat(registry)
                .hasSingleObservationThat()
                .hasLowCardinalityKeyValue("apiguard.route", "/customers/{id}")
                .hasLowCardinalityKeyValue("apiguard.outcome", "allowed");
    }

    @Test
    void aRegistryWithoutHandlersRecordsNothingAndAllocatesNoObservation() {
        ObservationGuardObserver noop = ObservationGuardObserver.of(ObservationRegistry.NOOP);
        ObservationGuardObserver unhandled = ObservationGuardObserver.of(ObservationRegistry.create());
        ApiGuard guard = guard(noop);
        GuardExchange exchange = guard.exchange(TestRequest.get("/customers/1"));
        assertThat(noop.start(exchange)).isSameAs(GuardObserver.Evaluation.NONE);
        assertThat(unhandled.start(exchange)).isSameAs(GuardObserver.Evaluation.NONE);
    }

    @Test
    void aFailedEvaluationIsAnObservationWithTheErrorAndOutcomeError() {
        ObservationGuardObserver observer = ObservationGuardObserver.of(registry);
        ApiGuard guard = guard(observer);
        GuardObserver.Evaluation evaluation = observer.start(guard.exchange(TestRequest.get("/")));
        evaluation.failed(new IllegalStateException("listener down"));
        assertThat(registry)
                .hasSingleObservationThat()
                .hasError()
                .hasLowCardinalityKeyValue("apiguard.outcome", "error");
    }
}
