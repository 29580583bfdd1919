package dev.apiguard.servlet;

import dev.apiguard.ApiGuard;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;

/** The guard as one {@link ApiGuardFilter}. */
class ApiGuardFilterTest extends GuardFilterContractTest {

    @Override
    void install(ServletContextHandler context, ApiGuard guard) {
        TestApp.addFilter(context, new ApiGuardFilter(guard));
    }
}
