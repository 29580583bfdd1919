package dev.apiguard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.token.ClientAssertionPolicy;
import dev.apiguard.token.ClientAssertionVerifier;
import dev.apiguard.token.KeySource;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which dispatches the three filters guard. Jetty and Tomcat always set the dispatcher type, so
 * these use a fake request: a request whose type is {@code null} (a mocked request, a container
 * that does not set it) is guarded like a {@code REQUEST}; a redispatch (forward, include, error,
 * async) of a request the filter already ran on is not guarded twice, and one the filter never saw
 * is guarded.
 */
class DispatcherTypeTest {

    /** One filter under test, and how to tell whether it guarded a request. */
    interface Subject {
        Filter filter();

        /** Times the filter looked at a request (ran its step, or read the form). */
        int guarded();

        /** A request of this dispatch type, over these attributes. */
        HttpServletRequest request(DispatcherType type, Map<String, Object> attributes);
    }

    static Stream<Arguments> subjects() {
        return Stream.of(
                Arguments.of(Named.<Supplier<Subject>>of("ApiGuardFilter", () -> stepSubject(false))),
                Arguments.of(Named.<Supplier<Subject>>of("GuardStepFilter", () -> stepSubject(true))),
                Arguments.of(
                        Named.<Supplier<Subject>>of("ClientAssertionFilter", DispatcherTypeTest::assertionSubject)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    void aRequestWithoutADispatcherTypeIsGuarded(Supplier<Subject> make) throws Exception {
        Subject s = make.get();
        AtomicInteger chain = new AtomicInteger();

        s.filter().doFilter(s.request(null, new HashMap<>()), response(), (q, r) -> chain.incrementAndGet());

        assertThat(s.guarded()).as("guarded").isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    void aRedispatchOfAGuardedRequestIsNotGuardedTwice(Supplier<Subject> make) throws Exception {
        for (DispatcherType redispatch : List.of(
                DispatcherType.FORWARD,
                DispatcherType.INCLUDE,
                DispatcherType.ERROR,
                DispatcherType.ASYNC,
                DispatcherType.REQUEST)) {
            for (DispatcherType first : new DispatcherType[] {DispatcherType.REQUEST, null}) {
                Subject s = make.get();
                Map<String, Object> attributes = new HashMap<>();
                AtomicInteger chain = new AtomicInteger();
                s.filter().doFilter(s.request(first, attributes), response(), (q, r) -> chain.incrementAndGet());
                int once = s.guarded();

                s.filter().doFilter(s.request(redispatch, attributes), response(), (q, r) -> chain.incrementAndGet());

                assertThat(once).as("first dispatch %s guarded", first).isEqualTo(1);
                assertThat(s.guarded()).as("%s after %s", redispatch, first).isEqualTo(1);
                assertThat(chain).as("%s after %s passed on", redispatch, first).hasValue(2);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    void aForwardOfARequestTheFilterNeverSawIsGuarded(Supplier<Subject> make) throws Exception {
        Subject s = make.get();

        s.filter().doFilter(s.request(DispatcherType.FORWARD, new HashMap<>()), response(), (q, r) -> {});

        assertThat(s.guarded()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(
            value = DispatcherType.class,
            names = {"INCLUDE", "ERROR", "ASYNC"})
    void anyOtherDispatchOfARequestTheGuardNeverSawIsGuarded(DispatcherType type) throws Exception {
        for (boolean perStep : new boolean[] {false, true}) {
            Subject s = stepSubject(perStep);
            s.filter().doFilter(s.request(type, new HashMap<>()), response(), (q, r) -> {});
            assertThat(s.guarded()).as("%s, per step %s", type, perStep).isEqualTo(1);
        }
    }

    // ---- subjects ---------------------------------------------------------------------------------

    private static Subject stepSubject(boolean perStep) {
        AtomicInteger evaluations = new AtomicInteger();
        GuardStep counting = new GuardStep() {
            @Override
            public String name() {
                return "counting";
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                evaluations.incrementAndGet();
                return Decision.ALLOW;
            }
        };
        ApiGuard guard = ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(counting)
                .build();
        Filter filter = perStep ? ApiGuardFilters.perStep(guard).get(0) : ApiGuardFilters.single(guard);
        return new Subject() {
            @Override
            public Filter filter() {
                return filter;
            }

            @Override
            public int guarded() {
                return evaluations.get();
            }

            @Override
            public HttpServletRequest request(DispatcherType type, Map<String, Object> attributes) {
                return DispatcherTypeTest.request("GET", type, attributes, Map.of());
            }
        };
    }

    private static Subject assertionSubject() {
        ClientAssertionVerifier verifier;
        try {
            verifier = ClientAssertionVerifier.of(ClientAssertionPolicy.builder()
                    .client(
                            "client-a",
                            KeySource.fixed(new JWKSet(
                                    new ECKeyGenerator(Curve.P_256).generate().toPublicJWK())))
                    .audience("https://token.test/token")
                    .build());
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
        Filter filter = ClientAssertionFilter.builder(verifier)
                .listener(SecurityEventListener.NONE)
                .build();
        AtomicInteger reads = new AtomicInteger();
        return new Subject() {
            @Override
            public Filter filter() {
                return filter;
            }

            @Override
            public int guarded() {
                return reads.get();
            }

            @Override
            public HttpServletRequest request(DispatcherType type, Map<String, Object> attributes) {
                // a form POST without an assertion: the filter reads its parameters, then passes it on
                return DispatcherTypeTest.request(
                        "POST",
                        type,
                        attributes,
                        Map.of(
                                "getContentType", (m, a) -> "application/x-www-form-urlencoded",
                                "getContentLengthLong", (m, a) -> 24L,
                                "getParameterValues",
                                        (m, a) -> {
                                            if ("client_assertion".equals(a[0])) {
                                                reads.incrementAndGet();
                                            }
                                            return null;
                                        }));
            }
        };
    }

    static HttpServletRequest request(
            String method,
            DispatcherType type,
            Map<String, Object> attributes,
            Map<String, BiFunction<String, Object[], Object>> more) {
        Map<String, BiFunction<String, Object[], Object>> answers = new HashMap<>(more);
        answers.put("getDispatcherType", (m, a) -> type);
        answers.put("getMethod", (m, a) -> method);
        answers.put("getServletPath", (m, a) -> "/token");
        answers.put("getRemoteAddr", (m, a) -> "192.0.2.1");
        answers.put("getHeaders", (m, a) -> Collections.emptyEnumeration());
        answers.put("getAttribute", (m, a) -> attributes.get((String) a[0]));
        answers.put("setAttribute", (m, a) -> attributes.put((String) a[0], a[1]));
        answers.put("removeAttribute", (m, a) -> attributes.remove((String) a[0]));
        return Fakes.fake(HttpServletRequest.class, new ArrayList<>(), answers);
    }

    static HttpServletResponse response() {
        return Fakes.fake(
                HttpServletResponse.class,
                Map.of("getStatus", (m, a) -> 200, "getOutputStream", (m, a) -> new AdapterUnitTest.BufferedOut()));
    }
}
