package dev.apiguard.redis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Redis {@code MONITOR} on a raw connection: the commands that clients send, each one round trip,
 * told apart from those a Lua script runs inside one ({@code [0 lua]} in the feed). For tests and
 * benchmarks that count round trips.
 *
 * <pre>{@code
 * try (RedisMonitor monitor = RedisMonitor.start(redis)) {
 *     ... commands ...
 *     List<String> sent = monitor.clientCommands(); // ["evalsha", "evalsha", ...]
 * }
 * }</pre>
 */
public final class RedisMonitor implements AutoCloseable {

    private final RedisServer server;
    private final Socket socket;
    private final BufferedReader feed;

    private RedisMonitor(RedisServer server, Socket socket, BufferedReader feed) {
        this.server = server;
        this.socket = socket;
        this.feed = feed;
    }

    /** Starts monitoring: commands sent from now on are seen. */
    public static RedisMonitor start(RedisServer server) throws IOException {
        Socket socket = new Socket("127.0.0.1", server.port());
        socket.setSoTimeout(30_000);
        BufferedReader feed =
                new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        send(socket, "MONITOR");
        String ok = feed.readLine();
        if (!"+OK".equals(ok)) {
            socket.close();
            throw new IllegalStateException("MONITOR answered " + ok);
        }
        return new RedisMonitor(server, socket, feed);
    }

    /**
     * The names (lower case) of the commands that clients sent since the start or the previous
     * call, in order, leaving out those run by scripts and {@code PING}s (a near cache checks its
     * subscription with them on its own schedule). Sends a marker from a connection of its
     * own and reads the feed up to it, so nothing sent before the call is missed.
     */
    public List<String> clientCommands() throws IOException {
        String marker = "apiguard-monitor-" + UUID.randomUUID();
        try (Socket other = new Socket("127.0.0.1", server.port())) {
            other.setSoTimeout(30_000);
            send(other, "ECHO " + marker);
            other.getInputStream().read(new byte[256]); // the echo: the marker is in the feed now
        }
        List<String> commands = new ArrayList<>();
        for (String line = feed.readLine(); line != null; line = feed.readLine()) {
            // +1700000000.123456 [0 127.0.0.1:43236] "evalsha" "..." ...   or   [0 lua] "GET" ...
            if (line.contains(marker)) {
                return commands;
            }
            int source = line.indexOf('[');
            int end = line.indexOf(']', source);
            if (source < 0 || end < 0 || line.substring(source, end).endsWith(" lua")) {
                continue;
            }
            int open = line.indexOf('"', end);
            String command =
                    line.substring(open + 1, line.indexOf('"', open + 1)).toLowerCase(Locale.ROOT);
            // a near cache pings its subscription now and then, on its own clock: never a request's
            if (!command.equals("ping")) {
                commands.add(command);
            }
        }
        throw new IOException("MONITOR feed closed before the marker");
    }

    private static void send(Socket socket, String inlineCommand) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write((inlineCommand + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
