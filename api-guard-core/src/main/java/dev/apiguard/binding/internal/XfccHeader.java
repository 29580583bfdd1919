package dev.apiguard.binding.internal;

import dev.apiguard.binding.CertificateRejection;
import dev.apiguard.binding.internal.ForwardedCertificateHeader.Der;
import dev.apiguard.binding.internal.ForwardedCertificateHeader.Malformed;
import dev.apiguard.binding.internal.ForwardedCertificateHeader.Parsed;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A tokenizer for Envoy's {@code x-forwarded-client-cert}: elements separated by {@code ,}, each a
 * list of {@code key=value} pairs separated by {@code ;}; a value may be a double-quoted string
 * in which {@code \"} and {@code \\} are escapes, and only a quoted value may contain
 * {@code , ; = "}. Keys are case-insensitive.
 *
 * <p>Each proxy appends its element, so the last one is the trusted hop's; earlier elements may
 * come from the client and are only tokenized (a syntax error anywhere refuses the whole value,
 * since it could shift where the last element starts). The last element must not repeat a key,
 * and only its {@code Cert} (URL-encoded PEM) binds: an element with {@code Hash} alone carries
 * no certificate. When {@code Hash} is present too, it must be the hex SHA-256 of the DER.
 * Stateless and thread-safe.
 */
public final class XfccHeader {

    private XfccHeader() {}

    /** Thrown inside the tokenizer; never leaves this class. */
    private static final class SyntaxError extends Exception {
        final CertificateRejection reason;

        SyntaxError(CertificateRejection reason) {
            super(reason.code().substring("forwarded_".length()), null, false, false);
            this.reason = reason;
        }
    }

    /** The certificate of the last element, {@link ForwardedCertificateHeader.Absent} without {@code Cert}. */
    static Parsed certificate(String value) {
        List<List<String[]>> elements;
        try {
            elements = elements(value);
        } catch (SyntaxError e) {
            return new Malformed(e.reason);
        }
        Map<String, String> last = new LinkedHashMap<>();
        for (String[] pair : elements.get(elements.size() - 1)) {
            if (last.put(pair[0].toLowerCase(Locale.ROOT), pair[1]) != null) {
                return new Malformed(CertificateRejection.FORWARDED_XFCC_DUPLICATE_KEY);
            }
        }
        String cert = last.get("cert");
        if (cert == null) {
            return ForwardedCertificateHeader.ABSENT;
        }
        Parsed parsed = ForwardedCertificateHeader.escapedPem(cert);
        String hash = last.get("hash");
        if (parsed instanceof Der der && hash != null && !hash.equalsIgnoreCase(sha256Hex(der.bytes()))) {
            return new Malformed(CertificateRejection.FORWARDED_XFCC_HASH_MISMATCH);
        }
        return parsed;
    }

    /** Every element as its list of {@code [key, value]} pairs, in order; never empty. */
    public static List<List<String[]>> parse(String value) throws IllegalArgumentException {
        try {
            return elements(value);
        } catch (SyntaxError e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    private static List<List<String[]>> elements(String value) throws SyntaxError {
        List<List<String[]>> elements = new ArrayList<>();
        List<String[]> pairs = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        String key = null;
        boolean inQuotes = false;
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (inQuotes) {
                if (c == '\\') {
                    if (++i == value.length()) {
                        throw new SyntaxError(CertificateRejection.FORWARDED_XFCC_UNTERMINATED_QUOTE);
                    }
                    sb.append(value.charAt(i));
                } else if (c == '"') {
                    inQuotes = false;
                } else {
                    sb.append(c);
                }
                continue;
            }
            switch (c) {
                case '"' -> {
                    if (key == null || quoted || !sb.toString().isBlank()) {
                        throw new SyntaxError(CertificateRejection.FORWARDED_XFCC_MISPLACED_QUOTE);
                    }
                    sb.setLength(0);
                    inQuotes = true;
                    quoted = true;
                }
                case '=' -> {
                    if (key != null) {
                        throw new SyntaxError(CertificateRejection.FORWARDED_XFCC_UNQUOTED_EQUALS);
                    }
                    key = sb.toString().strip();
                    if (!isToken(key)) {
                        throw new SyntaxError(CertificateRejection.FORWARDED_XFCC_BAD_KEY);
                    }
                    sb.setLength(0);
                }
                case ';', ',' -> {
                    endPair(pairs, key, sb, quoted);
                    key = null;
                    quoted = false;
                    sb.setLength(0);
                    if (c == ',') {
                        endElement(elements, pairs);
                        pairs = new ArrayList<>();
                    }
                }
                default -> {
                    if (quoted) {
                        if (c != ' ' && c != '\t') {
                            throw new SyntaxError(CertificateRejection.FORWARDED_XFCC_TEXT_AFTER_QUOTE);
                        }
                        continue; // whitespace after the closing quote is not part of the value
                    }
                    if (c < 0x20 && c != '\t' || c == 0x7f) {
                        throw new SyntaxError(CertificateRejection.FORWARDED_XFCC_CONTROL_CHARACTER);
                    }
                    sb.append(c);
                }
            }
        }
        if (inQuotes) {
            throw new SyntaxError(CertificateRejection.FORWARDED_XFCC_UNTERMINATED_QUOTE);
        }
        endPair(pairs, key, sb, quoted);
        endElement(elements, pairs);
        return elements;
    }

    private static void endPair(List<String[]> pairs, @Nullable String key, StringBuilder sb, boolean quoted)
            throws SyntaxError {
        if (key == null) {
            if (!sb.toString().isBlank()) {
                throw new SyntaxError(CertificateRejection.FORWARDED_XFCC_PAIR_WITHOUT_EQUALS);
            }
            return; // an empty pair, as in a trailing ';'
        }
        pairs.add(new String[] {key, quoted ? sb.toString() : sb.toString().strip()});
    }

    private static void endElement(List<List<String[]>> elements, List<String[]> pairs) throws SyntaxError {
        if (pairs.isEmpty()) {
            throw new SyntaxError(CertificateRejection.FORWARDED_XFCC_EMPTY_ELEMENT);
        }
        elements.add(pairs);
    }

    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String sha256Hex(byte[] der) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
