package dev.apiguard.benchmarks;

import dev.apiguard.redis.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.Map;
import java.util.TreeMap;

/** Redis's {@code INFO} answers as maps, for the benchmarks that report what Redis did. */
final class RedisInfo {

    private RedisInfo() {}

    /** The server's {@code INFO} answer for {@code section}, over a connection of its own. */
    static String info(RedisServer redis, String section) {
        RedisClient client = RedisClient.create("redis://127.0.0.1:" + redis.port());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return c.sync().info(section);
        } finally {
            client.shutdown();
        }
    }

    /** The {@code name:value} lines of an {@code INFO} answer (comments and blank lines left out). */
    static Map<String, String> fields(String info) {
        Map<String, String> fields = new TreeMap<>();
        for (String line : info.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1));
            }
        }
        return fields;
    }

    /**
     * {@code INFO commandstats} by command ({@code evalsha}, not {@code cmdstat_evalsha}), each
     * with its statistics ({@code calls}, {@code usec}, {@code usec_per_call}, ...).
     */
    static Map<String, Map<String, String>> commandStats(String info) {
        Map<String, Map<String, String>> commands = new TreeMap<>();
        fields(info).forEach((name, value) -> {
            if (name.startsWith("cmdstat_")) {
                Map<String, String> stats = new TreeMap<>();
                for (String pair : value.split(",")) {
                    int equals = pair.indexOf('=');
                    if (equals > 0) {
                        stats.put(pair.substring(0, equals), pair.substring(equals + 1));
                    }
                }
                commands.put(name.substring("cmdstat_".length()), stats);
            }
        });
        return commands;
    }

    /**
     * The calls each command made, from {@link #commandStats}, less the commands named and their
     * subcommands ({@code client} leaves out {@code client|setname} too).
     */
    static Map<String, Long> calls(String info, String... leftOut) {
        Map<String, Long> calls = new TreeMap<>();
        commandStats(info).forEach((command, stats) -> calls.put(command, Long.parseLong(stats.get("calls"))));
        for (String command : leftOut) {
            calls.keySet().removeIf(c -> c.equals(command) || c.startsWith(command + "|"));
        }
        return calls;
    }
}
