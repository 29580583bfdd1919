package dev.apiguard.redis;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away {@code redis-server} on a free loopback port, without persistence, for tests and
 * benchmarks: never the machine's own Redis.
 */
public final class RedisServer implements AutoCloseable {

    /** The environment variable that turns a missing {@code redis-server} into a failure. */
    public static final String REQUIRE_ENV = "APIGUARD_REQUIRE_REDIS";

    private final int port;
    private final Path dir;
    private final Path conf;
    private final List<String> tlsArgs;
    private Process process;

    private RedisServer(int port, Path dir) {
        this(port, dir, null, List.of());
    }

    private RedisServer(int port, Path dir, Path confOrNull, List<String> tlsArgs) {
        this.port = port;
        this.dir = dir;
        this.conf = confOrNull;
        this.tlsArgs = List.copyOf(tlsArgs);
    }

    /** The {@code redis-server} binary on the PATH, or {@code null}. */
    public static String binary() {
        for (String p : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(p, "redis-server");
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }

    /** Starts a server on a free port; fails when the binary is missing. */
    public static RedisServer start() throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RedisServer server = new RedisServer(port, Files.createTempDirectory("api-guard-redis"));
        launchOrClose(server);
        return server;
    }

    /**
     * Starts a server that speaks only TLS, on a free port ({@code --port 0 --tls-port PORT}),
     * presenting the certificate and key (PEM) and not asking clients for one; {@link #tlsUri()}
     * is its address. {@link RedisCertificates} makes the files.
     */
    public static RedisServer startTls(Path certPem, Path keyPem, Path caPem) throws IOException, InterruptedException {
        return builder().tls(certPem, keyPem, caPem).start();
    }

    /** Options for a server with TLS, or a required user, or both. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A server's options: TLS ({@link #tls}) and a required ACL user ({@link #user}).
     *
     * <pre>{@code
     * try (RedisCertificates certs = RedisCertificates.create();
     *         RedisServer redis = RedisServer.builder().tls(certs).user("guard", "s3cret").start()) {
     *     RedisURI uri = RedisURI.builder(RedisURI.create(redis.tlsUri()))
     *             .withAuthentication("guard", "s3cret")
     *             .build(); // and SslOptions trusting certs.caPem()
     * }
     * }</pre>
     */
    public static final class Builder {

        private final List<String> conf = new ArrayList<>();
        private final List<String> tlsArgs = new ArrayList<>();

        private Builder() {}

        /** TLS only, with the files of {@link RedisCertificates}. */
        public Builder tls(RedisCertificates certificates) {
            return tls(certificates.certPem(), certificates.keyPem(), certificates.caPem());
        }

        /**
         * TLS only: {@code --port 0 --tls-port PORT} with the server's certificate and key and the
         * CA (PEM files), and {@code --tls-auth-clients no}: clients need no certificate.
         */
        public Builder tls(Path certPem, Path keyPem, Path caPem) {
            tlsArgs.clear();
            tlsArgs.addAll(List.of(
                    "--tls-cert-file",
                    certPem.toString(),
                    "--tls-key-file",
                    keyPem.toString(),
                    "--tls-ca-cert-file",
                    caPem.toString(),
                    "--tls-auth-clients",
                    "no"));
            return this;
        }

        /**
         * Requires a login: the {@code default} user is turned off and {@code name} may do anything
         * ({@code user NAME on >PASSWORD ~* &* +@all}, written to the server's configuration file).
         *
         * @throws IllegalArgumentException when the name or password is empty or has blanks
         */
        public Builder user(String name, String password) {
            for (String word : List.of(name, password)) {
                if (word.isEmpty() || word.chars().anyMatch(Character::isWhitespace)) {
                    throw new IllegalArgumentException("an ACL user name or password is one word");
                }
            }
            conf.add("user default off");
            conf.add("user " + name + " on >" + password + " ~* &* +@all");
            return this;
        }

        /** Starts the server on a free port; fails when the binary is missing. */
        public RedisServer start() throws IOException, InterruptedException {
            int port = RedisNode.freePorts(1)[0];
            Path dir = Files.createTempDirectory("api-guard-redis");
            Path file = null;
            if (!conf.isEmpty()) {
                file = dir.resolve("redis.conf");
                Files.write(file, conf);
            }
            RedisServer server = new RedisServer(port, dir, file, tlsArgs);
            launchOrClose(server);
            return server;
        }
    }

    private static void launchOrClose(RedisServer server) throws IOException, InterruptedException {
        try {
            server.launch();
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** Starts (again) on the same port, after {@link #kill()}. */
    public void launch() throws IOException, InterruptedException {
        String bin = binary();
        if (bin == null) {
            throw new IllegalStateException("redis-server is not on the PATH");
        }
        List<String> command = new ArrayList<>();
        command.add(bin);
        if (conf != null) {
            command.add(conf.toString()); // the configuration file comes first
        }
        if (tlsArgs.isEmpty()) {
            command.addAll(List.of("--port", Integer.toString(port)));
        } else {
            command.addAll(List.of("--port", "0", "--tls-port", Integer.toString(port)));
            command.addAll(tlsArgs);
        }
        command.addAll(List.of("--save", "", "--appendonly", "no", "--bind", "127.0.0.1", "--dir", dir.toString()));
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(
                            "redis-server exited: " + Files.readString(dir.resolve("redis.log")));
                }
                Thread.sleep(20); // waiting for a child process to listen, not for time to pass in a test
            }
        }
        throw new IllegalStateException("redis-server did not listen on " + port + " within 10 s");
    }

    /** Kills the server at once (SIGKILL), as a crash would. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Holds every other client's commands for {@code d} ({@code CLIENT PAUSE ALL}), as a server
     * too busy to answer would; returns once the pause is in force. Not for a TLS server.
     */
    public void pauseClients(Duration d) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            String ms = Long.toString(d.toMillis());
            String command = "*4\r\n$6\r\nCLIENT\r\n$5\r\nPAUSE\r\n$" + ms.length() + "\r\n" + ms + "\r\n$3\r\nALL\r\n";
            s.getOutputStream().write(command.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.setSoTimeout(5000);
            byte[] reply = s.getInputStream().readNBytes(5);
            String answer = new String(reply, StandardCharsets.US_ASCII);
            if (!answer.equals("+OK\r\n")) {
                throw new IOException("CLIENT PAUSE answered " + answer.strip());
            }
        }
    }

    /** The port: the TLS port for a TLS server. */
    public int port() {
        return port;
    }

    /**
     * {@code redis://127.0.0.1:PORT}.
     *
     * @throws IllegalStateException for a TLS server: use {@link #tlsUri()}
     */
    public String uri() {
        if (isTls()) {
            throw new IllegalStateException("this redis-server speaks only TLS: use tlsUri()");
        }
        return "redis://127.0.0.1:" + port;
    }

    /**
     * {@code rediss://127.0.0.1:PORT}, for a server started with TLS.
     *
     * @throws IllegalStateException for a server without TLS: use {@link #uri()}
     */
    public String tlsUri() {
        if (!isTls()) {
            throw new IllegalStateException("this redis-server does not speak TLS: use uri()");
        }
        return "rediss://127.0.0.1:" + port;
    }

    /** Whether the server speaks only TLS (then {@link #port()} is its TLS port). */
    public boolean isTls() {
        return !tlsArgs.isEmpty();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
