package dev.apiguard;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The TCP peers whose forwarding headers (a forwarded client certificate, {@code X-Forwarded-For},
 * forwarded host and proto) are believed: a list of CIDR blocks, IPv4 or IPv6.
 *
 * <p>From any other peer such headers are client input and are ignored. Configure only the
 * addresses of your own TLS-terminating proxies, never a whole network that clients share.
 * Parsing never resolves names: only IP literals are accepted, here and in {@link #contains}.
 *
 * <p>Immutable and thread-safe. {@link #NONE} trusts nobody and is the default everywhere.
 */
public final class TrustedProxies {

    /** Trusts no peer. */
    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    private final List<Block> blocks;

    private record Block(byte[] network, int prefix, String text) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    private TrustedProxies(List<Block> blocks) {
        this.blocks = List.copyOf(blocks);
    }

    /**
     * The given CIDR blocks, like {@code 10.0.0.0/8}, {@code 192.168.1.7} (one address) or
     * {@code fd00::/8}.
     *
     * @throws IllegalArgumentException naming the block that is not a CIDR block of IP literals
     */
    public static TrustedProxies of(String... cidrs) {
        return of(List.of(cidrs));
    }

    /** The given CIDR blocks; see {@link #of(String...)}. */
    public static TrustedProxies of(List<String> cidrs) {
        List<Block> blocks = new ArrayList<>();
        for (String cidr : cidrs) {
            Objects.requireNonNull(cidr, "trusted proxy cannot be null");
            int slash = cidr.indexOf('/');
            String ip = slash < 0 ? cidr : cidr.substring(0, slash);
            byte[] network = parseLiteral(ip);
            if (network == null) {
                throw new IllegalArgumentException("trustedProxy is not an IP address or CIDR block: " + cidr);
            }
            int prefix = network.length * 8;
            if (slash >= 0) {
                String p = cidr.substring(slash + 1);
                if (!p.matches("[0-9]{1,3}") || Integer.parseInt(p) > network.length * 8) {
                    throw new IllegalArgumentException("trustedProxy has a bad prefix length: " + cidr);
                }
                prefix = Integer.parseInt(p);
            }
            blocks.add(new Block(network, prefix, cidr));
        }
        return blocks.isEmpty() ? NONE : new TrustedProxies(blocks);
    }

    /** Whether the peer address (an IP literal) lies in one of the blocks; {@code false} for anything else. */
    public boolean contains(@Nullable String peerAddress) {
        if (blocks.isEmpty() || peerAddress == null) {
            return false;
        }
        byte[] address = parseLiteral(peerAddress);
        if (address == null) {
            return false;
        }
        for (Block b : blocks) {
            if (b.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** Whether no peer is trusted. */
    public boolean isEmpty() {
        return blocks.isEmpty();
    }

    /**
     * The bytes of an IPv4 or IPv6 literal (IPv4-mapped IPv6 addresses become IPv4), or
     * {@code null} when the text is not one. Never performs a name lookup.
     */
    static byte @Nullable [] parseLiteral(@Nullable String text) {
        if (text == null || text.isEmpty() || text.length() > 45) {
            return null;
        }
        String t = text;
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        boolean v6 = t.indexOf(':') >= 0;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            boolean ok = c >= '0' && c <= '9'
                    || c == '.'
                    || v6 && (c == ':' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F');
            if (!ok) {
                return null;
            }
        }
        if (!v6
                && !t.matches(
                        "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}")) {
            return null; // InetAddress would accept "1" or "1.2" as shorthand forms; we do not
        }
        try {
            // only hex digits, dots and colons remain: this is a literal, no lookup happens
            return InetAddress.getByName(t).getAddress();
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "TrustedProxies" + blocks.stream().map(Block::text).toList();
    }
}
