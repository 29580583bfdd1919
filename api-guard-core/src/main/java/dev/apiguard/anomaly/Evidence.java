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
 * @param neighbourhood when {@code lookup}, the hash of the route, the id's length and all but its
 *     last {@value #NEIGHBOUR_SUFFIX} characters: ids of one neighbourhood are neighbours
 *     ({@code ABC1234}, {@code ABC1235})
 * @param suffix when {@code lookup}, the id's last {@value #NEIGHBOUR_SUFFIX} characters packed into
 *     a number that orders as they do ({@link #suffixOf}), so that a store sees which way a walk goes
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
        long neighbourhood,
        long suffix,
        double pageFraction) {

    /**
     * The trailing characters in which two ids of one length may differ and still be neighbours.
     * A sequential walk is judged over the fleet by the order in which the ids reach the store, not
     * per node: a walk whose requests alternate between nodes (a tag, then its successor guessed)
     * shows each node ids that are not neighbours of each other.
     */
    public static final int NEIGHBOUR_SUFFIX = 3;

    /**
     * Walks a profile follows at once per caller, each in one neighbourhood: a new id in the
     * neighbourhood of one of them, going its way, is a step. A store judges the ids in the order
     * the nodes' batches reach it, so a tag may arrive after the successor guessed on another node
     * with other ids between; the walks followed must cover that reordering.
     */
    public static final int WALKS = 8;

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

    /**
     * The last {@value #NEIGHBOUR_SUFFIX} UTF-16 units of {@code id}, 16 bits each, first most
     * significant: for ids of one length, comparing suffixes compares the ids.
     */
    public static long suffixOf(String id) {
        return suffixOf(id, id.length());
    }

    /**
     * {@link #suffixOf(String)} of the id's first {@code length} characters: an id cut to the
     * length a profile keeps, without making the shorter string.
     */
    public static long suffixOf(String id, int length) {
        long s = 0;
        for (int i = Math.max(0, length - NEIGHBOUR_SUFFIX); i < length; i++) {
            s = (s << 16) | id.charAt(i);
        }
        return s;
    }

    /** The {@code i}-th bit of a 64-bit hash in a Bloom filter of {@link #BLOOM_BITS} bits. */
    public static int bloomBit(long hash, int i) {
        int h1 = (int) hash;
        int h2 = (int) (hash >>> 32) | 1;
        return (h1 + i * h2) & (BLOOM_BITS - 1);
    }
}
