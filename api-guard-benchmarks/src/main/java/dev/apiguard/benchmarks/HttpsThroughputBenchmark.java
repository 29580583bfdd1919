package dev.apiguard.benchmarks;

import dev.apiguard.ApiGuard;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.redis.RedisBucketStore;
import dev.apiguard.redis.RedisGuardState;
import dev.apiguard.redis.RedisServer;
import dev.apiguard.servlet.ApiGuardFilter;
import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.TestCertificates;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.io.ConnectionStatistics;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * Requests per second over HTTPS (TLS 1.3, keep-alive, HTTP/1.1) on embedded Jetty 12, the same
 * trivial servlet without the guard, with {@link ApiGuardFilter} over {@link FullChain} (local
 * stores), and on a fleet: two guards, each with its own {@link RedisGuardState} on one private
 * {@code redis-server} (buckets, quarantine with its near cache, the scorer's evidence), the client
 * alternating its requests between them; and the same fleet with bucket leases of up to
 * {@value #LEASE_REQUESTS} requests ({@link RedisGuardState.Builder#bucketLeases}; another size
 * with {@code -DleaseRequests=<n>}); and that fleet with leases but each node's anomaly evidence
 * its own (what sharing evidence costs). All in one
 * server (one context each). The client is the JDK {@link HttpClient} presenting a client
 * certificate, with {@value #IN_FLIGHT} requests in flight at all times; the token is bound to the
 * client certificate and reused (the cached path, as a real client does until its token expires).
 * The fleet's evidence linger is the default ({@code -DevidenceLinger=<ms>} sets another).
 *
 * <p>Throughput climbs for a minute as the JIT compiles client, TLS and server alike: a phase run
 * after another gains from the warm-up the first paid for. An earlier version measured one round,
 * unguarded first, and reported the guarded server twice as fast (214 %): that was the order, not
 * the guard (the same responses, byte for byte, over the same pooled connections; run in the
 * other order the ratio turned). So: {@value #WARM_UP_ROUNDS} rounds of every phase unreported,
 * then {@value #ROUNDS} rounds, each in another order (rotated), and the median of the rounds'
 * ratios with their range. Client and server share the machine, so the figures are a ratio more
 * than an absolute. Beside it, the median CPU time per request of the whole machine's work (this
 * JVM, client included, and redis-server): at full load the ratio of those is what the rate's
 * ratio tends to, and it moves less when a round is disturbed.
 *
 * <p>{@code -DthreadCpu=true} adds, for the last round, each phase's CPU per request by thread
 * (this JVM's threads, a pool's together): where a phase's cost goes.
 *
 * <p>{@code -DbucketBatches=true} runs the fleet of two with bucket batches
 * ({@link RedisGuardState.Builder#bucketBatches}).
 *
 * <pre>java [-DevidenceLinger=ms] [-DthreadCpu=true] [-DbucketBatches=true] -cp api-guard-benchmarks/target/benchmarks.jar dev.apiguard.benchmarks.HttpsThroughputBenchmark [seconds] [rounds]</pre>
 */
public final class HttpsThroughputBenchmark {

    static final int IN_FLIGHT = 16;
    static final int WARM_UP_SECONDS = 1;
    static final int MEASURE_SECONDS = 5;
    static final int WARM_UP_ROUNDS = 3;
    static final int ROUNDS = 5;
    /** The most requests' tokens a node of the leasing fleet takes in one round trip. */
    static final int LEASE_REQUESTS = 16;

    private HttpsThroughputBenchmark() {}

    /** The application: a short JSON answer. */
    static final class Hello extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("application/json");
            resp.getWriter().write("{\"ok\":true}");
        }
    }

    /** One measured configuration: the contexts its requests alternate between. */
    record Phase(String name, List<URI> targets) {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : MEASURE_SECONDS;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : ROUNDS;
        TestCertificates pki = TestCertificates.create();
        IssuedCertificate client = pki.client("partner-service");
        LocalIssuer issuer = LocalIssuer.rsa("https://issuer.example");
        String token = issuer.token()
                .scope(FullChain.SCOPE)
                .lifetime(Duration.ofMinutes(50))
                .boundToCertificate(client.certificate())
                .sign();

        Server server = new Server();
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setSslContext(pki.serverSslContext());
        tls.setWantClientAuth(true);
        HttpConfiguration http = new HttpConfiguration();
        // as the demo server: the guard reads Authorization as sent, not a case variant of an earlier line
        http.setHeaderCacheCaseSensitive(true);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false);
        http.addCustomizer(secure);
        ServerConnector connector =
                new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"), new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        ConnectionStatistics connections = new ConnectionStatistics();
        connector.addBean(connections);
        server.addConnector(connector);

        List<ServletContextHandler> contexts = new ArrayList<>();
        contexts.add(context("/plain", null));
        contexts.add(context("/guarded", FullChain.guard(issuer, true)));
        RedisServer redis = null;
        List<RedisGuardState> states = new ArrayList<>();
        if (RedisServer.binary() == null) {
            System.out.println("fleet phase skipped: redis-server is not on the PATH");
        } else {
            redis = RedisServer.start();
            for (String node : List.of(
                    "/fleet-a", "/fleet-b", "/leased-a", "/leased-b", "/local-evidence-a", "/local-evidence-b")) {
                RedisGuardState.Builder builder =
                        RedisGuardState.builder(redis.uri()).listener(SecurityEventListener.NONE);
                builder.evidenceLinger(Duration.ofMillis(
                        Long.getLong("evidenceLinger", RedisGuardState.DEFAULT_EVIDENCE_LINGER.toMillis())));
                if (node.startsWith("/fleet")) {
                    builder.bucketBatches(Boolean.getBoolean("bucketBatches"));
                } else {
                    builder.bucketLeases(
                            Integer.getInteger("leaseRequests", LEASE_REQUESTS),
                            RedisGuardState.DEFAULT_LEASE_VALIDITY);
                }
                RedisGuardState state = builder.build();
                states.add(state);
                Clock clock = Clock.systemUTC();
                contexts.add(context(
                        node,
                        FullChain.guard(
                                FullChain.tokenStep(issuer, FullChain.Caps.DEFAULTS, clock),
                                FullChain.Caps.DEFAULTS,
                                clock,
                                state.bucketStore(),
                                state.quarantineStore(),
                                // the leasing fleet without shared evidence: what evidence costs
                                node.startsWith("/local-evidence") ? null : state.evidenceStore())));
            }
        }
        server.setHandler(new ContextHandlerCollection(contexts.toArray(new ServletContextHandler[0])));
        server.start();

        // the server certificate names localhost; the benchmark connects to the loopback address
        System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
        HttpClient httpClient = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(pki.sslContext(client))
                .build();
        String base = "https://127.0.0.1:" + connector.getLocalPort();
        List<Phase> phases = new ArrayList<>();
        phases.add(new Phase("without guard", List.of(URI.create(base + "/plain" + FullChain.PATH))));
        phases.add(new Phase("with guard", List.of(URI.create(base + "/guarded" + FullChain.PATH))));
        if (redis != null) {
            phases.add(new Phase(
                    "fleet of two on Redis",
                    List.of(
                            URI.create(base + "/fleet-a" + FullChain.PATH),
                            URI.create(base + "/fleet-b" + FullChain.PATH))));
            phases.add(new Phase(
                    "leases, local evidence",
                    List.of(
                            URI.create(base + "/local-evidence-a" + FullChain.PATH),
                            URI.create(base + "/local-evidence-b" + FullChain.PATH))));
            phases.add(new Phase(
                    "fleet, bucket leases",
                    List.of(
                            URI.create(base + "/leased-a" + FullChain.PATH),
                            URI.create(base + "/leased-b" + FullChain.PATH))));
        }
        // the CPU the phase costs the machine: this JVM (server and client) and redis-server
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        io.lettuce.core.RedisClient cpuClient = redis == null ? null : io.lettuce.core.RedisClient.create(redis.uri());
        var cpuConnection = cpuClient == null ? null : cpuClient.connect();
        LongSupplier cpu = () -> os.getProcessCpuTime() + (cpuConnection == null ? 0 : redisCpuNanos(cpuConnection));
        try {
            System.out.printf(
                    "HTTPS, %d in flight, %d s a phase, %d rounds after %d unreported:%n",
                    IN_FLIGHT, seconds, rounds, WARM_UP_ROUNDS);
            double[][] rates = new double[rounds][phases.size()];
            double[][] cpus = new double[rounds][phases.size()];
            StringBuilder threadLines = new StringBuilder();
            for (int round = -WARM_UP_ROUNDS; round < rounds; round++) {
                long opened = connections.getConnectionsTotal();
                StringBuilder line = new StringBuilder(round < 0 ? "  warm-up" : "  round " + (round + 1));
                for (int k = 0; k < phases.size(); k++) {
                    // rotate the order, so that no phase always runs after another
                    int p = Math.floorMod(k + round, phases.size());
                    Result result = run(httpClient, phases.get(p).targets(), token, seconds, cpu);
                    double rate = result.rate();
                    if (round >= 0) {
                        rates[round][p] = rate;
                        cpus[round][p] = result.cpuMicros();
                    }
                    line.append(String.format("  %s %,.0f/s", phases.get(p).name(), rate));
                    if (THREAD_CPU && round == rounds - 1) {
                        threadLines.append(String.format(
                                "  %s, CPU us/request by thread:", phases.get(p).name()));
                        result.threadMicros().forEach((group, micros) -> {
                            if (micros >= 1) {
                                threadLines.append(String.format(" %s %.0f", group, micros));
                            }
                        });
                        threadLines.append(System.lineSeparator());
                    }
                }
                long newConnections = connections.getConnectionsTotal() - opened;
                System.out.println(line + (newConnections == 0 ? "" : "  (" + newConnections + " new connections)"));
            }
            System.out.printf("  %-24s %14s %22s %18s%n", "", "median req/s", "median ratio (range)", "CPU us/request");
            for (int p = 0; p < phases.size(); p++) {
                double[] rate = new double[rounds];
                double[] ratio = new double[rounds];
                double[] micros = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    rate[r] = rates[r][p];
                    ratio[r] = 100 * rates[r][p] / rates[r][0];
                    micros[r] = cpus[r][p];
                }
                Arrays.sort(ratio);
                System.out.printf(
                        "  %-24s %,14.0f %10.1f %% (%.1f-%.1f %%) %18.0f%n",
                        phases.get(p).name(), median(rate), median(ratio), ratio[0], ratio[rounds - 1], median(micros));
            }
            System.out.print(threadLines);
            if (redis != null) {
                // states 0-1 the fleet of two, 2-3 the leasing fleet (in the order the contexts were made)
                printRedisCommandsPerRequest(httpClient, phases.get(2), states.subList(0, 2), token, seconds, redis);
                printRedisCommandsPerRequest(httpClient, phases.get(4), states.subList(2, 4), token, seconds, redis);
            }
        } finally {
            if (cpuClient != null) {
                cpuClient.shutdown();
            }
            server.stop();
            states.forEach(RedisGuardState::close);
            if (redis != null) {
                redis.close();
            }
        }
    }

    private static ServletContextHandler context(String path, ApiGuard guard) {
        ServletContextHandler context = new ServletContextHandler(path);
        if (guard != null) {
            context.addFilter(new FilterHolder(new ApiGuardFilter(guard)), "/*", EnumSet.of(DispatcherType.REQUEST));
        }
        context.addServlet(new ServletHolder(new Hello()), FullChain.PATH);
        return context;
    }

    /**
     * One more fleet phase between a {@code CONFIG RESETSTAT} and an {@code INFO commandstats}: the
     * commands Redis ran per answered request, by command (scripts' own commands included under
     * their names, as Redis counts them), and of the scripts those of the anomaly evidence and the
     * requests that went in a bucket batch ({@code -DbucketBatches=true}), from the nodes' states.
     */
    private static void printRedisCommandsPerRequest(
            HttpClient client, Phase fleet, List<RedisGuardState> nodes, String token, int seconds, RedisServer redis)
            throws Exception {
        io.lettuce.core.RedisClient redisClient = io.lettuce.core.RedisClient.create(redis.uri());
        try (var connection = redisClient.connect()) {
            connection.sync().configResetstat();
            long evidenceBefore = evidenceScripts(nodes);
            long batchedBefore = batchedRequests(nodes);
            Result result = run(client, fleet.targets(), token, seconds, () -> 0);
            long evidence = evidenceScripts(nodes) - evidenceBefore;
            long batched = batchedRequests(nodes) - batchedBefore;
            String stats = connection.sync().info("commandstats");
            StringBuilder line = new StringBuilder(
                    "  Redis commands per request, " + fleet.name() + " (" + result.answered() + "):");
            RedisInfo.commandStats(stats).forEach((name, stat) -> {
                if (!name.startsWith("config") && !name.equals("info")) {
                    long calls = Long.parseLong(stat.get("calls"));
                    long usec = Long.parseLong(stat.get("usec"));
                    line.append(String.format(
                            " %s %.2f (%.1f us each)",
                            name, calls / (double) result.answered(), usec / (double) calls));
                }
            });
            line.append(String.format(
                    "; of the scripts, evidence %.2f; requests in bucket batches %.2f",
                    evidence / (double) result.answered(), batched / (double) result.answered()));
            System.out.println(line);
        } finally {
            redisClient.shutdown();
        }
    }

    private static long evidenceScripts(List<RedisGuardState> nodes) {
        return nodes.stream()
                .mapToLong(n -> n.evidenceStore().evidenceScripts())
                .sum();
    }

    private static long batchedRequests(List<RedisGuardState> nodes) {
        return nodes.stream()
                .mapToLong(n -> ((RedisBucketStore) n.bucketStore()).batchedRequests())
                .sum();
    }

    /** The CPU time redis-server used so far, system and user, from {@code INFO cpu}. */
    private static long redisCpuNanos(io.lettuce.core.api.StatefulRedisConnection<String, String> connection) {
        double seconds = 0;
        for (String line : connection.sync().info("cpu").split("\r?\n")) {
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                seconds +=
                        Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return (long) (seconds * 1e9);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /**
     * A phase's requests per second over the counted seconds, every request answered 200 (warm-up
     * included), and the CPU time per counted request (this JVM, client included, and Redis).
     */
    record Result(double rate, long answered, double cpuMicros, Map<String, Double> threadMicros) {}

    /** With {@code -DthreadCpu=true}: the last round's CPU per request by thread group, per phase. */
    static final boolean THREAD_CPU = Boolean.getBoolean("threadCpu");

    /** This JVM's threads' CPU time so far, by name with its digits dropped (a pool's threads together). */
    static Map<String, Long> threadCpu() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Long> byGroup = new TreeMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            long nanos = info == null ? -1 : threads.getThreadCpuTime(info.getThreadId());
            if (nanos >= 0) {
                byGroup.merge(info.getThreadName().replaceAll("\\d+", "#"), nanos, Long::sum);
            }
        }
        return byGroup;
    }

    /**
     * Requests per second answered 200 over the measured seconds, after the warm-up, the requests
     * going to the targets in turn (a load balancer's round robin).
     */
    static Result run(HttpClient client, List<URI> targets, String token, int seconds, LongSupplier cpu)
            throws Exception {
        List<HttpRequest> requests = targets.stream()
                .map(uri -> HttpRequest.newBuilder(uri)
                        .header("Authorization", "Bearer " + token)
                        .GET()
                        .build())
                .toList();
        Semaphore slots = new Semaphore(IN_FLIGHT);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long warmUpEnd = System.nanoTime() + WARM_UP_SECONDS * 1_000_000_000L;
        long end = warmUpEnd + seconds * 1_000_000_000L;
        long counted = 0;
        long cpuAtStart = 0;
        Map<String, Long> threadsAtStart = Map.of();
        long sent = 0;
        boolean measuring = false;
        while (System.nanoTime() < end) {
            slots.acquire();
            if (!measuring && System.nanoTime() >= warmUpEnd) {
                measuring = true;
                counted = ok.get();
                cpuAtStart = cpu.getAsLong();
                threadsAtStart = THREAD_CPU ? threadCpu() : Map.of();
            }
            HttpRequest request = requests.get((int) (sent++ % requests.size()));
            client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                if (error == null && response.statusCode() == 200) {
                    ok.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                }
                slots.release();
            });
        }
        slots.acquire(IN_FLIGHT);
        long cpuUsed = cpu.getAsLong() - cpuAtStart;
        Map<String, Long> threadsAtEnd = THREAD_CPU ? threadCpu() : Map.of();
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " requests to " + targets + " failed");
        }
        long answered = ok.get() - counted;
        Map<String, Double> threadMicros = new TreeMap<>();
        for (Map.Entry<String, Long> e : threadsAtEnd.entrySet()) {
            long used = e.getValue() - threadsAtStart.getOrDefault(e.getKey(), 0L);
            if (used > 0) {
                threadMicros.put(e.getKey(), used / 1_000.0 / answered);
            }
        }
        return new Result(answered / (double) seconds, ok.get(), cpuUsed / 1_000.0 / answered, threadMicros);
    }
}
