package dev.apiguard.anomaly;

/**
 * A caller's profile as the whole fleet built it from every node's {@link Evidence}: the counters a
 * node's own profile holds, without the node-local parts (the Bloom filter, the routes, the last
 * id). Counters are as of {@code lastUpdate}; the scorer decays them to the time it scores at.
 *
 * @param firstSeen when any node first saw the caller (epoch milliseconds)
 * @param lastUpdate when the counters were last updated (epoch milliseconds)
 * @param requests requests recorded
 * @param novelShort ids new to the caller (short memory)
 * @param sequentialSteps new ids that stepped along one of the walks followed, in its direction (short
 *     memory)
 * @param lookups look-ups by id (short memory)
 * @param misses look-ups that found nothing (short memory)
 * @param failures failures (short memory)
 * @param newRoutes routes first used after the warm-up (short memory)
 * @param pages pages read (short memory)
 * @param novelLong ids new to the caller (long memory)
 * @param minute the current minute (epoch minutes)
 * @param minuteCount requests in the current minute
 * @param ewmaPerMinute the moving average of earlier minutes' requests
 */
public record FleetProfile(
        long firstSeen,
        long lastUpdate,
        long requests,
        double novelShort,
        double sequentialSteps,
        double lookups,
        double misses,
        double failures,
        double newRoutes,
        double pages,
        double novelLong,
        long minute,
        long minuteCount,
        double ewmaPerMinute) {}
