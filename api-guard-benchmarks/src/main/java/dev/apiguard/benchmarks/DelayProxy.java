package dev.apiguard.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP link that adds a fixed delay to every round trip, as a Redis in another zone or region
 * would: each byte is held for half the delay in each direction, in order. Enough for a benchmark
 * (one thread per direction and connection); not a network emulator.
 */
final class DelayProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final long halfDelayNanos;
    private final int targetPort;

    private DelayProxy(ServerSocket listener, int targetPort, long roundTripNanos) {
        this.listener = listener;
        this.targetPort = targetPort;
        this.halfDelayNanos = roundTripNanos / 2;
    }

    /** A link to 127.0.0.1:{@code targetPort} adding {@code roundTripMillis} to every round trip. */
    static DelayProxy start(int targetPort, long roundTripMillis) throws IOException {
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        DelayProxy proxy = new DelayProxy(s, targetPort, TimeUnit.MILLISECONDS.toNanos(roundTripMillis));
        Thread accept = new Thread(proxy::accept, "delay-proxy-accept");
        accept.setDaemon(true);
        accept.start();
        return proxy;
    }

    /** The port to connect to instead of the target's. */
    int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                pipe(client, server);
                pipe(server, client);
            } catch (IOException e) {
                return;
            }
        }
    }

    private record Chunk(long due, byte[] bytes) {}

    /** Bytes read from {@code from} are written to {@code to} half a delay later. */
    private void pipe(Socket from, Socket to) {
        BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        Thread reader = new Thread(
                () -> {
                    byte[] buffer = new byte[64 * 1024];
                    try (InputStream in = from.getInputStream()) {
                        for (int n; (n = in.read(buffer)) > 0; ) {
                            queue.put(new Chunk(System.nanoTime() + halfDelayNanos, Arrays.copyOf(buffer, n)));
                        }
                    } catch (IOException | InterruptedException e) {
                        // the link is closing
                    }
                    queue.add(new Chunk(0, null));
                },
                "delay-proxy-read");
        Thread writer = new Thread(
                () -> {
                    try (OutputStream out = to.getOutputStream()) {
                        while (true) {
                            Chunk c = queue.take();
                            if (c.bytes() == null) {
                                return;
                            }
                            for (long wait; (wait = c.due() - System.nanoTime()) > 0; ) {
                                LockSupport.parkNanos(wait);
                            }
                            out.write(c.bytes());
                            out.flush();
                        }
                    } catch (IOException | InterruptedException e) {
                        // the link is closing
                    } finally {
                        try {
                            to.close();
                            from.close();
                        } catch (IOException ignored) {
                            // closing
                        }
                    }
                },
                "delay-proxy-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
