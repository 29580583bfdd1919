package dev.apiguard.token.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Collects a response body up to a size limit and a deadline; past either, cancels the exchange
 * (its connection is closed), so that a body is never buffered beyond the limit.
 */
final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final String what;
    private final int sizeLimit;
    private final long deadlineNanos;
    private Flow.@Nullable Subscription subscription;

    LimitedBody(String what, int sizeLimit, long deadlineNanos) {
        this.what = what;
        this.sizeLimit = sizeLimit;
        this.deadlineNanos = deadlineNanos;
    }

    /**
     * Sends the request and waits for its answer at most {@code deadline} in all (connect, headers
     * and body); past it, the exchange is cancelled. Only a 2xx answer is returned: a 3xx (never
     * followed) or any other status is an {@link IOException} whose message starts with
     * {@code HTTP } and the status; a body over {@code sizeLimit} bytes, or a deadline passed, an
     * {@link IOException} naming {@code what} (the kind of document).
     */
    static HttpResponse<byte[]> send(
            HttpClient client, HttpRequest request, String what, int sizeLimit, Duration deadline) throws IOException {
        long deadlineNanos = System.nanoTime() + deadline.toNanos();
        CompletableFuture<HttpResponse<byte[]>> exchange =
                client.sendAsync(request, info -> new LimitedBody(what, sizeLimit, deadlineNanos));
        HttpResponse<byte[]> response;
        try {
            response = exchange.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new IOException(what + " fetch took longer than " + deadline.toMillis() + " ms");
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while fetching the " + what);
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw cause instanceof IOException io
                    ? io
                    : new IOException(cause.getClass().getSimpleName(), cause);
        }
        if (response.statusCode() >= 300 && response.statusCode() <= 399) {
            throw new IOException("HTTP " + response.statusCode() + ": redirects are not followed");
        }
        if (response.statusCode() < 200 || response.statusCode() > 299) {
            throw new IOException("HTTP " + response.statusCode());
        }
        return response;
    }

    /**
     * A short code for why {@link #send} failed, for events and logs (never the URL or a body):
     * {@code redirect}, {@code http_NNN}, {@code too_large}, {@code timeout}, else the exception's
     * class name.
     */
    static String faultCode(IOException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (message.startsWith("HTTP 3")) {
            return "redirect";
        }
        if (message.startsWith("HTTP ")) {
            return "http_" + message.substring(5, Math.min(message.length(), 8));
        }
        if (message.contains("exceeds the size limit")) {
            return "too_large";
        }
        if (e instanceof java.net.http.HttpTimeoutException
                || e instanceof java.net.SocketTimeoutException
                || message.contains("took longer")
                || message.contains("past its deadline")) {
            return "timeout";
        }
        return e.getClass().getName();
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        this.subscription = s;
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer b : buffers) {
            if (bytes.size() + b.remaining() > sizeLimit) {
                fail(new IOException(what + " document exceeds the size limit of " + sizeLimit + " bytes"));
                return;
            }
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            bytes.write(chunk, 0, chunk.length);
        }
        if (System.nanoTime() - deadlineNanos > 0) {
            fail(new IOException(what + " fetch past its deadline"));
        }
    }

    @Override
    public void onError(Throwable t) {
        result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        result.complete(bytes.toByteArray());
    }

    private void fail(IOException e) {
        if (subscription != null) {
            subscription.cancel();
        }
        result.completeExceptionally(e);
    }
}
