package dev.apiguard.servlet;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

/** Reports a request's final status exactly once, now or when its async processing ends. */
final class Completion {

    private Completion() {}

    /**
     * After the chain returned: when the application threw, reports 500 now; when it started
     * async processing, reports the status once the async cycle completes (after an error or a
     * timeout, a status below 400 is reported as 500: the container answers with an error); else
     * reports the response's status now.
     */
    static void afterChain(
            HttpServletRequest request, HttpServletResponse response, boolean threw, IntConsumer report) {
        if (threw) {
            report.accept(500);
            return;
        }
        boolean async;
        try {
            async = request.isAsyncStarted();
        } catch (RuntimeException e) {
            async = false;
        }
        if (!async) {
            report.accept(response.getStatus());
            return;
        }
        AtomicBoolean reported = new AtomicBoolean();
        AtomicBoolean failed = new AtomicBoolean();
        request.getAsyncContext().addListener(new AsyncListener() {
            @Override
            public void onComplete(AsyncEvent event) {
                if (reported.compareAndSet(false, true)) {
                    int status = response.getStatus();
                    report.accept(failed.get() && status < 400 ? 500 : status);
                }
            }

            @Override
            public void onTimeout(AsyncEvent event) {
                failed.set(true);
            }

            @Override
            public void onError(AsyncEvent event) {
                failed.set(true);
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
                // a new async cycle: keep listening
                event.getAsyncContext().addListener(this);
            }
        });
    }
}
