package dev.apiguard.ratelimit.internal;

import dev.apiguard.GuardRequest;
import dev.apiguard.TrustedProxies;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The address a request comes from, for per-peer limits: the TCP peer, or, when the peer is a
 * trusted proxy, the first untrusted hop of {@code X-Forwarded-For} read right to left.
 */
public final class ClientAddress {

    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    private static final int MAX_HOPS = 32;

    private ClientAddress() {}

    /**
     * The client address: from an untrusted peer, the peer itself; from a trusted proxy, the
     * right-most {@code X-Forwarded-For} hop that is not itself a trusted proxy (the left-most when
     * all are). An absent header, a malformed hop (not an IP literal: a name, a port, garbage) or
     * more than 32 hops mean the peer itself: a client cannot pick its own bucket.
     */
    public static String of(GuardRequest request, TrustedProxies trusted) {
        String peer = request.remoteAddress();
        if (trusted.isEmpty() || !trusted.contains(peer)) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        for (String value : request.headers("X-Forwarded-For")) {
            for (String hop : value.split(",", -1)) {
                hops.add(hop.trim());
                if (hops.size() > MAX_HOPS) {
                    return peer;
                }
            }
        }
        if (hops.isEmpty()) {
            return peer;
        }
        String[] normalized = new String[hops.size()];
        for (int i = hops.size() - 1; i >= 0; i--) {
            String address = normalize(hops.get(i));
            if (address == null) {
                return peer;
            }
            if (!trusted.contains(address)) {
                return address;
            }
            normalized[i] = address;
        }
        return normalized[0];
    }

    /**
     * The bucket an address counts against: an IPv6 address stands for its network of
     * {@code ipv6Prefix} bits ({@code 2001:db8:1:2:0:0:0:0/64}), because one subscriber is handed a
     * whole /64 or more and could otherwise take a fresh bucket with each request; an IPv4 address
     * (an IPv4-mapped IPv6 one too) stands for itself. Text that is not an IP literal (a zone id, a
     * container's own form) stands for itself, unchanged. Never resolves names.
     */
    public static String bucket(String address, int ipv6Prefix) {
        if (address.indexOf(':') < 0) {
            return address; // IPv4 (a dotted quad is its own canonical form) or not a literal: no parsing per request
        }
        String literal = address.length() > 2 && address.charAt(0) == '[' && address.charAt(address.length() - 1) == ']'
                ? address.substring(1, address.length() - 1)
                : address;
        String canonical = normalize(literal);
        if (canonical == null) {
            return address;
        }
        if (canonical.indexOf(':') < 0 || ipv6Prefix >= 128) {
            return canonical;
        }
        try {
            byte[] bytes = InetAddress.getByName(canonical).getAddress();
            for (int bit = ipv6Prefix; bit < 128; bit++) {
                bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
            }
            return InetAddress.getByAddress(bytes).getHostAddress() + "/" + ipv6Prefix;
        } catch (UnknownHostException e) {
            return canonical; // cannot happen: a canonical literal and 16 bytes
        }
    }

    /** The canonical text of an IP literal, or {@code null} when the text is not one. Never resolves names. */
    static @Nullable String normalize(String text) {
        boolean v4 = IPV4.matcher(text).matches();
        if (!v4 && !(text.indexOf(':') >= 0 && IPV6.matcher(text).matches())) {
            return null;
        }
        try {
            // only digits, hex letters, dots and colons: a literal, no lookup happens
            return InetAddress.getByName(text).getHostAddress();
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }
}
