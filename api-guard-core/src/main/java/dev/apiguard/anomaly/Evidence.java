package dev.apiguard.anomaly;

/**
 * What one answered request of a verified caller told its node, in the form the nodes of a fleet
 * pool ({@link EvidenceStore}): counts a store can add up across nodes, and the id's hash, so that
 * whether the id is new to the caller is decided over the fleet (a caller reading one record on
 * two nodes has not enumerated two).
 *
 * @param at when, in epoch milliseconds by the guard's clock
 * @param failure an authentication, authorization or unmapped-route failure
 * @param routed whether {@code routeHash} names a route the request reached
 * @param routeHash the hash of the request's method and route template, when {@code routed}
 * @param lookup whether the request looked a record up by id (a route with path variables)
 * @param miss whether that look-up found nothing (404)
 * @param idHash the 64-bit hash of the route and id looked up, when {@code lookup}
 * @param neighbourStep whether the id followed the node's previous id of the caller in order
 *     ({@code 1041} after {@code 1040}): a step of a sequential walk if the id is new to the fleet
 * @param pageFraction how much of a page walk the request was (0 when it read no new page)
 */
public record Evidence(
        long at,
        boolean failure,
        boolean routed,
        int routeHash,
        boolean lookup,
        boolean miss,
        long idHash,
        boolean neighbourStep,
        double pageFraction) {

    /** Bits of each Bloom generation a store keeps per caller. */
    public static final int BLOOM_BITS = 4096;
    /** Ids inserted into one Bloom generation before the generations rotate. */
    public static final int BLOOM_GENERATION = 500;
    /** Route hashes a store remembers per caller. */
    public static final int MAX_ROUTES = 16;

    /**
     * The {@code i}-th (0 to 2) bit of {@link #idHash} in a Bloom filter of {@link #BLOOM_BITS}
     * bits, as the node's own filter sets it (Kirsch-Mitzenmacher: h1 + i × h2).
     */
    public int bloomBit(int i) {
        return bloomBit(idHash, i);
    }

    /** The {@code i}-th bit of a 64-bit hash in a Bloom filter of {@link #BLOOM_BITS} bits. */
    public static int bloomBit(long hash, int i) {
        int h1 = (int) hash;
        int h2 = (int) (hash >>> 32) | 1;
        return (h1 + i * h2) & (BLOOM_BITS - 1);
    }
}
