package dev.apiguard.redis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A throw-away Redis master, one replica and three Sentinels (each {@code redis-server CONF
 * --sentinel} with its own configuration file) on free loopback ports, without persistence: for
 * tests of clients that find the master through Sentinel, and of failover. The Sentinels call a
 * master down after 500 ms; a failover takes about 2 s.
 *
 * <pre>{@code
 * try (RedisSentinels sentinels = RedisSentinels.start()) {
 *     RedisClient client = RedisClient.create(sentinels.uri());
 *     sentinels.killMaster();
 *     int promoted = sentinels.awaitFailover(Duration.ofSeconds(15));
 * }
 * }</pre>
 *
 * <p>Needs {@code redis-server} on the PATH ({@link RedisSentinelsExtension} skips a test class
 * without it). Not thread-safe: one test drives it.
 */
public final class RedisSentinels implements AutoCloseable {

    /** The name the Sentinels monitor the master under. */
    public static final String MASTER_NAME = "mymaster";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final List<RedisNode> servers = new ArrayList<>();
    private final List<RedisNode> sentinels = new ArrayList<>();
    private RedisNode master;

    private RedisSentinels(Path dir) {
        this.dir = dir;
    }

    /**
     * Starts a master, a replica of it and three Sentinels monitoring it (quorum 2), and returns
     * once the replica is in sync and every Sentinel knows the master, its replica and the two
     * other Sentinels. Stops whatever it started when it fails.
     */
    public static RedisSentinels start() throws IOException, InterruptedException {
        RedisSentinels set = new RedisSentinels(Files.createTempDirectory("api-guard-redis-sentinel"));
        try {
            int[] ports = RedisNode.freePorts(5);
            set.master = RedisNode.of(ports[0], set.nodeDir(ports[0]), null, List.of());
            RedisNode replica = RedisNode.of(
                    ports[1],
                    set.nodeDir(ports[1]),
                    null,
                    List.of("--replicaof", "127.0.0.1", Integer.toString(ports[0])));
            set.servers.add(set.master);
            set.servers.add(replica);
            for (RedisNode server : set.servers) {
                server.launch();
            }
            for (int i = 2; i < 5; i++) {
                Path nodeDir = set.nodeDir(ports[i]);
                Path conf = nodeDir.resolve("sentinel.conf"); // Sentinel rewrites it: its own, writable
                Files.writeString(
                        conf,
                        String.join(
                                "\n",
                                "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + ports[0] + " 2",
                                "sentinel down-after-milliseconds " + MASTER_NAME + " 500",
                                "sentinel failover-timeout " + MASTER_NAME + " 2000",
                                "sentinel parallel-syncs " + MASTER_NAME + " 1",
                                ""));
                RedisNode sentinel = RedisNode.of(ports[i], nodeDir, conf, List.of("--sentinel"));
                set.sentinels.add(sentinel);
            }
            for (RedisNode server : set.servers) {
                server.awaitListening(Duration.ofSeconds(10));
            }
            RedisNode.await(
                    "the replica on " + replica.port() + " is in sync",
                    START_TIMEOUT,
                    () -> "up"
                                    .equals(RedisNode.field(
                                            RedisNode.text(replica.port(), "INFO", "replication"),
                                            "master_link_status"))
                            ? Boolean.TRUE
                            : null);
            // started after the sync, so that each Sentinel's first look at the master sees the replica
            for (RedisNode sentinel : set.sentinels) {
                sentinel.launch();
            }
            for (RedisNode sentinel : set.sentinels) {
                sentinel.awaitListening(Duration.ofSeconds(10));
            }
            // Sentinels find each other by hello messages, every 2 s
            RedisNode.await(
                    "every Sentinel knows the master, its replica and the other Sentinels", START_TIMEOUT, () -> {
                        for (RedisNode sentinel : set.sentinels) {
                            List<?> fields =
                                    (List<?>) RedisNode.call(sentinel.port(), "SENTINEL", "MASTER", MASTER_NAME);
                            if (!"master".equals(value(fields, "flags"))
                                    || !"1".equals(value(fields, "num-slaves"))
                                    || !"2".equals(value(fields, "num-other-sentinels"))) {
                                return null;
                            }
                        }
                        return Boolean.TRUE;
                    });
            return set;
        } catch (IOException | InterruptedException | RuntimeException e) {
            set.close();
            throw e;
        }
    }

    private Path nodeDir(int port) throws IOException {
        return Files.createDirectory(dir.resolve(Integer.toString(port)));
    }

    /**
     * The Lettuce URI that finds the master through the three Sentinels:
     * {@code redis-sentinel://127.0.0.1:S1,127.0.0.1:S2,127.0.0.1:S3#mymaster}.
     */
    public String uri() {
        return "redis-sentinel://"
                + sentinels.stream().map(s -> "127.0.0.1:" + s.port()).collect(Collectors.joining(","))
                + "#" + MASTER_NAME;
    }

    /** {@value #MASTER_NAME}: the name the Sentinels monitor the master under. */
    public String masterName() {
        return MASTER_NAME;
    }

    /** The port of the master: the first one, or the one the last {@link #awaitFailover} returned. */
    public int masterPort() {
        return master.port();
    }

    /** The Sentinels' ports. */
    public List<Integer> sentinelPorts() {
        return sentinels.stream().map(RedisNode::port).collect(Collectors.toList());
    }

    /** Kills the master at once (SIGKILL), as a crash would. */
    public void killMaster() throws InterruptedException {
        master.kill();
    }

    /**
     * Waits until every running Sentinel names another node as the master
     * ({@code SENTINEL get-master-addr-by-name}) and that node answers {@code ROLE} as a master;
     * returns its port, which {@link #masterPort()} answers from now on.
     */
    public int awaitFailover(Duration timeout) throws InterruptedException {
        int old = master.port();
        int promoted = RedisNode.await("the Sentinels promoted a replica of " + old, timeout, () -> {
            Integer named = null;
            for (RedisNode sentinel : sentinels) {
                if (!sentinel.isAlive()) {
                    continue;
                }
                List<?> addr =
                        (List<?>) RedisNode.call(sentinel.port(), "SENTINEL", "get-master-addr-by-name", MASTER_NAME);
                int port = Integer.parseInt((String) addr.get(1));
                if (port == old || (named != null && named != port)) {
                    return null;
                }
                named = port;
            }
            List<?> role = (List<?>) RedisNode.call(named, "ROLE");
            return "master".equals(role.get(0)) ? named : null;
        });
        master = servers.stream()
                .filter(s -> s.port() == promoted)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("the Sentinels named an unknown master " + promoted));
        return promoted;
    }

    /** Kills every server and Sentinel and deletes their directory. */
    @Override
    public void close() throws InterruptedException {
        for (RedisNode sentinel : sentinels) {
            sentinel.kill();
        }
        for (RedisNode server : servers) {
            server.kill();
        }
        RedisNode.deleteTree(dir);
    }

    private static String value(List<?> flatMap, String key) {
        for (int i = 0; i + 1 < flatMap.size(); i += 2) {
            if (key.equals(flatMap.get(i))) {
                return String.valueOf(flatMap.get(i + 1));
            }
        }
        return null;
    }
}
