package dev.apiguard.token.internal;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The one rule for every URL a key source fetches (a JWKS URL, an issuer's metadata, the
 * {@code jwks_uri} it names) and for a token introspection endpoint: absolute, with a host, {@code https}, or {@code http} only for a
 * loopback host ({@code localhost}, {@code 127.0.0.0/8}, {@code [::1]}), decided from the text
 * alone, without a DNS lookup; never with user information ({@code user:password@}).
 */
public final class HttpUrls {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private HttpUrls() {}

    /**
     * Checks {@code url} against the rule.
     *
     * @throws IllegalArgumentException naming {@code setting} when it breaks the rule
     */
    public static URI check(String setting, URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        String host = url.getHost();
        if (!url.isAbsolute() || !(scheme.equals("https") || scheme.equals("http")) || host == null) {
            throw new IllegalArgumentException(setting + " must be an absolute https URL with a host: " + url);
        }
        if (url.getRawUserInfo() != null) {
            // a password in a URL ends up in logs: refused, and never quoted
            throw new IllegalArgumentException(setting + " cannot hold user information (user:password@)");
        }
        if (scheme.equals("http") && !isLoopback(host)) {
            throw new IllegalArgumentException(setting
                    + " must be https; http is accepted only for a loopback host (localhost, 127.0.0.0/8, [::1]): "
                    + url);
        }
        return url;
    }

    /** Whether {@code url} passes {@link #check}. */
    public static boolean isAllowed(URI url) {
        try {
            check("url", url);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether the host of a URL is a loopback name or address, by its text alone. */
    static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost")) {
            return true;
        }
        if (IPV4.matcher(h).matches()) {
            String[] octets = h.split("\\.");
            for (String octet : octets) {
                if (Integer.parseInt(octet) > 255) {
                    return false;
                }
            }
            return octets[0].equals("127");
        }
        if (!(h.startsWith("[") && h.endsWith("]") && h.indexOf(':') > 0)) {
            return false; // a name: never resolved here
        }
        try {
            // an IPv6 literal (it holds a colon): parsed, never looked up
            return InetAddress.getByName(h.substring(1, h.length() - 1)).isLoopbackAddress();
        } catch (UnknownHostException | RuntimeException e) {
            return false;
        }
    }
}
