package dev.apiguard.redis;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * One {@code redis-server} child process of a {@link RedisCluster} or {@link RedisSentinels}: its
 * port, its own directory and the command line it is (re)started with; plus the plumbing they
 * share (free ports, a minimal RESP client, waiting for processes, deleting a directory).
 */
final class RedisNode {

    private final int port;
    private final Path dir;
    private final List<String> command;
    private Process process;

    private RedisNode(int port, Path dir, List<String> command) {
        this.port = port;
        this.dir = dir;
        this.command = List.copyOf(command);
    }

    /**
     * A node not yet started: {@code redis-server [confFile] --port PORT} without persistence, on
     * 127.0.0.1, in {@code dir}, followed by {@code extraArgs}.
     */
    static RedisNode of(int port, Path dir, Path confOrNull, List<String> extraArgs) {
        String bin = RedisServer.binary();
        if (bin == null) {
            throw new IllegalStateException("redis-server is not on the PATH");
        }
        List<String> command = new ArrayList<>();
        command.add(bin);
        if (confOrNull != null) {
            command.add(confOrNull.toString());
        }
        command.addAll(List.of(
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                // a replica's first sync starts at once, not after the default 5 s wait for more replicas
                "--repl-diskless-sync-delay",
                "0",
                "--dir",
                dir.toString()));
        command.addAll(extraArgs);
        return new RedisNode(port, dir, command);
    }

    /** Starts the process (again, after {@link #kill()}), its output appended to {@code redis.log}. */
    void launch() throws IOException {
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                .start();
    }

    /** Waits until the process accepts connections; fails with its log when it exits first. */
    void awaitListening(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                if (!isAlive()) {
                    throw new IllegalStateException("redis-server on " + port + " exited: " + Files.readString(log()));
                }
                Thread.sleep(10); // waiting for a child process to listen, not for time to pass in a test
            }
        }
        throw new IllegalStateException("redis-server did not listen on " + port + " within " + timeout);
    }

    /** Kills the process at once (SIGKILL), as a crash would, and waits until it is gone. */
    void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    int port() {
        return port;
    }

    Path log() {
        return dir.resolve("redis.log");
    }

    // ---- shared plumbing ----------------------------------------------------------------------

    /** {@code n} distinct free loopback ports, all held open together so none is handed out twice. */
    static int[] freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    /**
     * Sends one command on a fresh connection and returns the reply: a {@code String} (simple or
     * bulk), a {@code Long}, a {@code List<Object>} or {@code null}; an error reply throws.
     */
    static Object call(int port, String... args) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            socket.setSoTimeout(5000);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
            for (String arg : args) {
                byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
                out.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.writeBytes(bytes);
                out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            OutputStream o = socket.getOutputStream();
            out.writeTo(o);
            o.flush();
            return read(new BufferedInputStream(socket.getInputStream()));
        }
    }

    /** {@link #call} for a reply that is text, such as {@code INFO} or {@code CLUSTER INFO}. */
    static String text(int port, String... args) throws IOException {
        return String.valueOf(call(port, args));
    }

    /** The value of {@code field:} in an {@code INFO}-style reply, or {@code null}. */
    static String field(String info, String field) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        return null;
    }

    private static Object read(InputStream in) throws IOException {
        String line = line(in);
        String rest = line.substring(1);
        switch (line.charAt(0)) {
            case '+':
                return rest;
            case '-':
                throw new IOException("redis answered " + rest);
            case ':':
                return Long.parseLong(rest);
            case '$': {
                int length = Integer.parseInt(rest);
                if (length < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(length + 2);
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(rest);
                if (count < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    items.add(read(in));
                }
                return items;
            }
            default:
                throw new IOException("not a RESP2 reply: " + line);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed mid-reply");
            }
            if (b != '\r') {
                buf.write(b);
            }
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    /**
     * Polls {@code probe} every 20 ms until it returns a value other than {@code null} (an
     * exception counts as not yet), and returns it; fails after {@code timeout} with {@code what}
     * and the last exception. It waits for child processes to converge, not for test time.
     */
    static <T> T await(String what, Duration timeout, Callable<T> probe) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                T value = probe.call();
                if (value != null) {
                    return value;
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                IllegalStateException failure = new IllegalStateException("timed out after " + timeout + ": " + what);
                if (last != null) {
                    failure.addSuppressed(last);
                }
                throw failure;
            }
            Thread.sleep(20); // waiting for child processes to agree, not for time to pass in a test
        }
    }

    /** Deletes a directory tree; a leftover file is harmless and ignored. */
    static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
