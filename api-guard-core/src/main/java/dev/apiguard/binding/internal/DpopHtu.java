package dev.apiguard.binding.internal;

import dev.apiguard.GuardRequest;
import dev.apiguard.TrustedProxies;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The {@code htu} of RFC 9449 §4.3 step 9: the request URI without query and fragment, compared
 * in one canonical form — scheme and host lower-cased, a default port (443 for https, 80 for http)
 * dropped, the path percent-decoded and otherwise unchanged (no dot-segment removal: a proof for
 * {@code /a/../payments} does not name {@code /payments}). Stateless.
 */
public final class DpopHtu {

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}]");
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
    /** The longest {@code htu} claim looked at. */
    public static final int MAX_LENGTH = 4096;

    private DpopHtu() {}

    /**
     * The canonical URI of the request, from its scheme, host, port, context path and path; from
     * the last {@code X-Forwarded-Proto} and {@code X-Forwarded-Host} values only when the TCP peer
     * is a trusted proxy. Null when a believed forwarded value is malformed (then no proof matches).
     */
    public static @Nullable String expected(GuardRequest request, TrustedProxies proxies) {
        String scheme = request.scheme();
        String host = request.host();
        int port = request.port();
        if (!proxies.isEmpty() && proxies.contains(request.remoteAddress())) {
            String proto = last(request.headers("X-Forwarded-Proto"));
            String forwardedHost = last(request.headers("X-Forwarded-Host"));
            if (proto != null) {
                proto = proto.toLowerCase(Locale.ROOT);
                if (!proto.equals("https") && !proto.equals("http")) {
                    return null;
                }
                scheme = proto;
                port = defaultPort(proto);
            }
            if (forwardedHost != null) {
                int colon = forwardedHost.lastIndexOf(':');
                boolean hasPort = colon > 0 && forwardedHost.indexOf(']', colon) < 0;
                String h = hasPort ? forwardedHost.substring(0, colon) : forwardedHost;
                if (!HOST.matcher(h).matches()) {
                    return null;
                }
                host = h;
                if (hasPort) {
                    String p = forwardedHost.substring(colon + 1);
                    if (!PORT.matcher(p).matches() || Integer.parseInt(p) < 1 || Integer.parseInt(p) > 65535) {
                        return null;
                    }
                    port = Integer.parseInt(p);
                } else {
                    port = defaultPort(scheme);
                }
            }
        }
        if (scheme == null || host == null || host.isEmpty()) {
            return null;
        }
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return canonical(scheme, host, port, request.contextPath() + request.path());
    }

    /**
     * The canonical URIs a proof may name when the API's origins are configured: each origin
     * followed by the request's context path and path. The request's host and forwarded headers
     * are not read.
     */
    public static List<String> expectedAt(List<String> canonicalOrigins, GuardRequest request) {
        String path = request.contextPath() + request.path();
        List<String> out = new java.util.ArrayList<>(canonicalOrigins.size());
        for (String origin : canonicalOrigins) {
            out.add(origin + (path.isEmpty() ? "/" : path));
        }
        return out;
    }

    /**
     * The canonical form of an origin ({@code scheme://host[:port]}, lower case, default port
     * dropped), or null when the text is not an absolute http(s) URI with nothing after the
     * authority but an optional {@code /}.
     */
    public static @Nullable String origin(String text) {
        URI uri = parse(text);
        if (uri == null) {
            return null;
        }
        String path = uri.getRawPath();
        if (uri.getRawQuery() != null
                || uri.getRawFragment() != null
                || (path != null && !path.isEmpty() && !path.equals("/"))) {
            return null;
        }
        String canonical = normalize(text);
        return canonical == null ? null : canonical.substring(0, canonical.length() - 1);
    }

    /**
     * The canonical form of an {@code htu} claim: an absolute http(s) URI without user info; its
     * query and fragment are dropped. Null when it is not one.
     */
    public static @Nullable String normalize(String htu) {
        URI uri = parse(htu);
        // an opaque URI (mailto:) has no host; a relative one (//host/path) has no scheme
        if (uri == null || uri.getScheme() == null || uri.getRawUserInfo() != null || uri.getHost() == null) {
            return null;
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            return null;
        }
        int port = uri.getPort() < 0 ? defaultPort(scheme) : uri.getPort();
        return canonical(scheme, uri.getHost(), port, uri.getPath());
    }

    /** The text as a URI, or null when it is null, longer than {@link #MAX_LENGTH} or not a URI. */
    private static @Nullable URI parse(@Nullable String text) {
        if (text == null || text.length() > MAX_LENGTH) {
            return null;
        }
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private static String canonical(String scheme, String host, int port, String path) {
        String s = scheme.toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder(s.length() + host.length() + path.length() + 10)
                .append(s)
                .append("://")
                .append(host.toLowerCase(Locale.ROOT));
        if (port != defaultPort(s)) {
            b.append(':').append(port);
        }
        return b.append(path.isEmpty() ? "/" : path).toString();
    }

    private static int defaultPort(String scheme) {
        return "http".equalsIgnoreCase(scheme) ? 80 : 443;
    }

    /** The last comma-separated element of the header's values, trimmed; null when none. */
    private static @Nullable String last(List<String> values) {
        if (values.isEmpty()) {
            return null;
        }
        String v = values.get(values.size() - 1);
        String element = v.substring(v.lastIndexOf(',') + 1).trim();
        return element.isEmpty() ? null : element;
    }
}
