/**
 * The api-guard test kit: everything a host application needs to unit-test its guard
 * configuration and to drive it over real TLS, without a servlet container.
 *
 * <ul>
 *   <li>{@link dev.apiguard.test.LocalIssuer} and {@link dev.apiguard.test.TokenBuilder}: an
 *       in-process token issuer minting good and broken RFC 9068 access tokens;
 *       {@link dev.apiguard.test.BrokenTokens} for malformed strings.</li>
 *   <li>{@link dev.apiguard.test.TestCertificates}: a CA, a {@code localhost} server
 *       certificate and client certificates, key stores and TLS contexts.</li>
 *   <li>{@link dev.apiguard.test.TestRequest}, {@link dev.apiguard.test.GuardTester} and
 *       {@link dev.apiguard.test.TestResponse}: run a guard and assert what the client sees.</li>
 *   <li>{@link dev.apiguard.test.RecordingListener} and {@link dev.apiguard.test.MutableClock}:
 *       fakes for events and time.</li>
 *   <li>{@link dev.apiguard.test.servlet}: the same requests through servlet filters, without a
 *       container ({@code ServletTester}); needs the Servlet API.</li>
 * </ul>
 *
 * <p>Types in {@code dev.apiguard.test.internal} are not API.
 */
package dev.apiguard.test;
