/**
 * The api-guard test kit: everything a host application needs to unit-test its guard
 * configuration and to drive it over real TLS, without a servlet container.
 *
 * <ul>
 *   <li>{@link dev.apiguard.test.TestRequest}, {@link dev.apiguard.test.GuardTester} and
 *       {@link dev.apiguard.test.TestResponse}: run a guard and assert what the client sees.</li>
 *   <li>{@link dev.apiguard.test.RecordingListener}: a fake for events;
 *       {@link dev.apiguard.test.ReplayCacheContract}: the contract test of a replay cache.</li>
 *   <li>{@link dev.apiguard.test.servlet}: the same requests through servlet filters, without a
 *       container ({@code ServletTester}); needs the Servlet API.</li>
 *   <li>{@code dev.apiguard.test.fixtures} (module {@code api-guard-fixtures}, which the kit brings):
 *       the local token issuer ({@code LocalIssuer}, {@code TokenBuilder}, {@code BrokenTokens}),
 *       DPoP keys and proofs, certificates ({@code TestCertificates}) and the
 *       {@code MutableClock}.</li>
 * </ul>
 *
 * <p>Types in {@code dev.apiguard.test.internal} are not API.
 */
package dev.apiguard.test;
