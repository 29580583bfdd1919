/**
 * Servlet-level fakes: run a host's servlet filters (the guard's {@code ApiGuardFilter}, per-step
 * filters, {@code ClientAssertionFilter}, the host's own) on a {@link dev.apiguard.test.TestRequest}
 * without a container, in one call.
 *
 * <ul>
 *   <li>{@link dev.apiguard.test.servlet.ServletTester}: the filters, a real filter chain and an
 *       application at its end; answers a {@link dev.apiguard.test.servlet.ServletResult}.</li>
 *   <li>{@link dev.apiguard.test.servlet.TestServletRequest} and
 *       {@link dev.apiguard.test.servlet.TestServletResponse}: the request as an
 *       {@code HttpServletRequest}, and a response that captures status, headers and body.</li>
 * </ul>
 *
 * <p>Only this package of the kit uses the Servlet API, which the kit declares {@code provided}:
 * a host testing servlet filters has it already, and one that does not never loads these
 * classes. The kit does not depend on {@code api-guard-servlet}: the filters are the host's.
 */
package dev.apiguard.test.servlet;
