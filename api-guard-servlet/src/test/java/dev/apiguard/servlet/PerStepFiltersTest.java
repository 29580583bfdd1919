package dev.apiguard.servlet;

import dev.apiguard.ApiGuard;
import jakarta.servlet.Filter;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;

/** The guard as one {@link GuardStepFilter} per step: the same answers as {@link ApiGuardFilterTest}. */
class PerStepFiltersTest extends GuardFilterContractTest {

    @Override
    void install(ServletContextHandler context, ApiGuard guard) {
        for (Filter filter : ApiGuardFilters.perStep(guard)) {
            TestApp.addFilter(context, filter);
        }
    }
}
