package dev.apiguard.redis;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A throw-away Redis Cluster of {@code redis-server} processes on free loopback ports, without
 * persistence, made with {@code redis-cli --cluster create}: for tests of cluster clients,
 * failover and resharding-free topology changes. The node timeout is 1 s, so a killed master's
 * replica takes over in about 2 to 3 s.
 *
 * <pre>{@code
 * try (RedisCluster cluster = RedisCluster.start(3, 1)) {
 *     RedisClusterClient client = RedisClusterClient.create(cluster.seedUris().get(0));
 *     int master = cluster.masterPortFor("key");
 *     cluster.killMaster(master);
 *     int promoted = cluster.awaitFailover(master, Duration.ofSeconds(15));
 * }
 * }</pre>
 *
 * <p>Needs {@code redis-server} and {@code redis-cli} on the PATH ({@link RedisClusterExtension}
 * skips a test class without them). Not thread-safe: one test drives it.
 */
public final class RedisCluster implements AutoCloseable {

    /** The node timeout, in milliseconds: how soon a silent master is failed over. */
    public static final int NODE_TIMEOUT_MILLIS = 1000;

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final Map<Integer, RedisNode> nodes = new LinkedHashMap<>();
    private List<SlotRange> slots = List.of();

    private RedisCluster(Path dir) {
        this.dir = dir;
    }

    /** The {@code redis-cli} binary on the PATH, or {@code null}. */
    public static String cliBinary() {
        for (String p : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(p, "redis-cli");
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }

    /**
     * Starts {@code masters} masters (at least 3, as {@code redis-cli} wants) with
     * {@code replicasPerMaster} replicas each, joins them into one cluster, and returns once every
     * node reports {@code cluster_state:ok}, all agree on the slot map, and every replica is in
     * sync with its master. Stops whatever it started when it fails.
     */
    public static RedisCluster start(int masters, int replicasPerMaster) throws IOException, InterruptedException {
        if (masters < 3 || replicasPerMaster < 0) {
            throw new IllegalArgumentException("a cluster needs at least 3 masters and no negative replica count");
        }
        String cli = cliBinary();
        if (cli == null) {
            throw new IllegalStateException("redis-cli is not on the PATH");
        }
        RedisCluster cluster = new RedisCluster(Files.createTempDirectory("api-guard-redis-cluster"));
        try {
            int count = masters * (1 + replicasPerMaster);
            int[] ports = RedisNode.freePorts(2 * count); // a client port and a cluster bus port per node
            for (int i = 0; i < count; i++) {
                int port = ports[2 * i];
                Path nodeDir = Files.createDirectory(cluster.dir.resolve(Integer.toString(port)));
                RedisNode node = RedisNode.of(
                        port,
                        nodeDir,
                        null,
                        List.of(
                                "--cluster-enabled",
                                "yes",
                                "--cluster-port",
                                Integer.toString(ports[2 * i + 1]),
                                "--cluster-config-file",
                                nodeDir.resolve("nodes.conf").toString(),
                                "--cluster-node-timeout",
                                Integer.toString(NODE_TIMEOUT_MILLIS),
                                // a replica may always take over, however long its link was down
                                "--cluster-replica-validity-factor",
                                "0",
                                // CLUSTER SLOTS lists a replica once its offset is above 0: the
                                // master's first ping to it, after 10 s by default
                                "--repl-ping-replica-period",
                                "1"));
                cluster.nodes.put(port, node);
                node.launch();
            }
            for (RedisNode node : cluster.nodes.values()) {
                node.awaitListening(Duration.ofSeconds(10));
            }
            cluster.create(cli, replicasPerMaster);
            cluster.awaitStable(
                    "the new cluster is ok, agrees on its slots and its replicas are in sync", START_TIMEOUT);
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private void create(String cli, int replicasPerMaster) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(cli, "--cluster", "create"));
        nodes.keySet().forEach(port -> command.add("127.0.0.1:" + port));
        command.addAll(List.of("--cluster-replicas", Integer.toString(replicasPerMaster), "--cluster-yes"));
        Path log = dir.resolve("cluster-create.log");
        Process create = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        // waits for the child process, which polls the nodes until they joined
        if (!create.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            create.destroyForcibly();
            throw new IllegalStateException("redis-cli --cluster create did not end: " + Files.readString(log));
        }
        if (create.exitValue() != 0) {
            throw new IllegalStateException("redis-cli --cluster create failed: " + Files.readString(log));
        }
    }

    /** {@code redis://127.0.0.1:PORT} of each master, in slot order: the seeds for a cluster client. */
    public List<String> seedUris() throws IOException {
        return masterPorts().stream().map(p -> "redis://127.0.0.1:" + p).collect(Collectors.toList());
    }

    /** The ports of the masters serving slots, in slot order, as a live node sees them now. */
    public List<Integer> masterPorts() throws IOException {
        return slotMap(anyLivePort()).stream().map(SlotRange::master).distinct().collect(Collectors.toList());
    }

    /** The ports of the replicas of a master, as a live node sees them now (failed ones left out). */
    public List<Integer> replicaPorts(int masterPort) throws IOException {
        return slotMap(anyLivePort()).stream()
                .filter(r -> r.master() == masterPort)
                .findFirst()
                .map(SlotRange::replicas)
                .orElseThrow(() -> new IllegalArgumentException(masterPort + " serves no slots"));
    }

    /** Every node's port, dead or alive, in the order they were started. */
    public List<Integer> ports() {
        return List.copyOf(nodes.keySet());
    }

    /**
     * The port of the master serving the key's slot ({@code CLUSTER KEYSLOT}, so the hash tag
     * rule holds), as a live node sees the slot map now.
     */
    public int masterPortFor(String key) throws IOException {
        int port = anyLivePort();
        long slot = (Long) RedisNode.call(port, "CLUSTER", "KEYSLOT", key);
        return slotMap(port).stream()
                .filter(r -> r.start() <= slot && slot <= r.end())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no master serves slot " + slot))
                .master();
    }

    /** Kills the master on the port at once (SIGKILL), as a crash would. */
    public void killMaster(int port) throws IOException, InterruptedException {
        if (!masterPorts().contains(port)) {
            throw new IllegalArgumentException(port + " is not a master serving slots");
        }
        node(port).kill();
    }

    /** Kills the node on the port at once (SIGKILL), master or replica. */
    public void kill(int port) throws InterruptedException {
        node(port).kill();
    }

    /**
     * Starts the node on the port again, on the same port with its own {@code nodes.conf}, and
     * returns once it rejoined: every live node is ok, agrees on the slot map (where the node is
     * now a replica if its slots moved while it was down), and every replica is in sync.
     */
    public void restart(int port) throws IOException, InterruptedException {
        RedisNode node = node(port);
        if (node.isAlive()) {
            throw new IllegalStateException(port + " is running");
        }
        node.launch();
        node.awaitListening(Duration.ofSeconds(10));
        awaitStable(port + " rejoined the cluster", START_TIMEOUT);
    }

    /**
     * Waits until the slots of the (killed) master on {@code oldMasterPort} are served by another
     * node and the cluster is ok again on every live node, all agreeing on the slot map; returns
     * the port of the new master.
     */
    public int awaitFailover(int oldMasterPort, Duration timeout) throws InterruptedException {
        SlotRange before = slots.stream()
                .filter(r -> r.master() == oldMasterPort)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(oldMasterPort + " served no slots"));
        awaitStable("a replica of " + oldMasterPort + " took over its slots", timeout);
        return slots.stream()
                .filter(r -> r.start() == before.start())
                .filter(r -> r.master() != oldMasterPort)
                .findFirst()
                .map(SlotRange::master)
                .orElseThrow(() -> new IllegalStateException("slot " + before.start() + " did not move"));
    }

    /**
     * Sends {@code CLUSTER FAILOVER} to the replica on the port (a manual failover, its master
     * alive) and returns once it is a master and the cluster is stable again.
     */
    public void failover(int replicaPort) throws IOException, InterruptedException {
        RedisNode.call(replicaPort, "CLUSTER", "FAILOVER");
        RedisNode.await("the replica on " + replicaPort + " is a master", START_TIMEOUT, () -> {
            List<?> role = (List<?>) RedisNode.call(replicaPort, "ROLE");
            return "master".equals(role.get(0)) ? Boolean.TRUE : null;
        });
        awaitStable(replicaPort + " took over by a manual failover", START_TIMEOUT);
    }

    /** {@code CLUSTER INFO} of the node on the port. */
    public String clusterInfo(int port) throws IOException {
        return RedisNode.text(port, "CLUSTER", "INFO");
    }

    /** Kills every node and deletes their directory. */
    @Override
    public void close() throws InterruptedException {
        for (RedisNode node : nodes.values()) {
            node.kill();
        }
        RedisNode.deleteTree(dir);
    }

    // ---- the cluster's view ------------------------------------------------------------------

    /** One row of {@code CLUSTER SLOTS}: a slot range, its master's port and its replicas' ports. */
    private record SlotRange(long start, long end, int master, List<Integer> replicas) {}

    /**
     * Waits until every live node reports {@code cluster_state:ok} and the same slot map, that map
     * names exactly the live nodes, and every live replica's link to its master is up; keeps the
     * map for {@link #awaitFailover}.
     */
    private void awaitStable(String what, Duration timeout) throws InterruptedException {
        slots = RedisNode.await(what, timeout, () -> {
            List<SlotRange> seen = null;
            TreeSet<Integer> live = new TreeSet<>();
            for (RedisNode node : nodes.values()) {
                if (!node.isAlive()) {
                    continue;
                }
                live.add(node.port());
                if (!"ok".equals(RedisNode.field(clusterInfo(node.port()), "cluster_state"))) {
                    return null;
                }
                List<SlotRange> map = slotMap(node.port());
                if (seen != null && !seen.equals(map)) {
                    return null;
                }
                seen = map;
            }
            TreeSet<Integer> named = new TreeSet<>();
            for (SlotRange r : seen) {
                named.add(r.master());
                named.addAll(r.replicas());
                for (int replica : r.replicas()) {
                    String info = RedisNode.text(replica, "INFO", "replication");
                    if (!"up".equals(RedisNode.field(info, "master_link_status"))) {
                        return null;
                    }
                }
            }
            return named.equals(live) ? seen : null;
        });
    }

    private static List<SlotRange> slotMap(int port) throws IOException {
        List<SlotRange> map = new ArrayList<>();
        for (Object row : (List<?>) RedisNode.call(port, "CLUSTER", "SLOTS")) {
            List<?> r = (List<?>) row;
            List<Integer> replicas = new ArrayList<>();
            for (int i = 3; i < r.size(); i++) {
                replicas.add(portOf(r.get(i)));
            }
            replicas.sort(Comparator.naturalOrder());
            map.add(new SlotRange((Long) r.get(0), (Long) r.get(1), portOf(r.get(2)), List.copyOf(replicas)));
        }
        map.sort(Comparator.comparingLong(SlotRange::start));
        return map;
    }

    private static int portOf(Object nodeRow) {
        return ((Long) ((List<?>) nodeRow).get(1)).intValue();
    }

    private int anyLivePort() {
        return nodes.values().stream()
                .filter(RedisNode::isAlive)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no node of the cluster is running"))
                .port();
    }

    private RedisNode node(int port) {
        RedisNode node = nodes.get(port);
        if (node == null) {
            throw new IllegalArgumentException(port + " is not a node of this cluster");
        }
        return node;
    }
}
