package dev.apiguard.binding.internal;

import dev.apiguard.binding.CertificateRejection;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads the value of a forwarded client-certificate header into the DER bytes of the leaf. The
 * format is recognised from the value:
 * <ul>
 *   <li>empty, {@code -} or {@code (null)}: no certificate (nginx writes these);</li>
 *   <li>{@code :base64:}: an RFC 9440 {@code Client-Cert} byte sequence (RFC 8941 §3.3.5) of DER;</li>
 *   <li>{@code -----BEGIN CERTIFICATE-----...}: URL-encoded PEM (nginx
 *       {@code $ssl_client_escaped_cert}); {@code %XX} is decoded and {@code +} stays {@code +};</li>
 *   <li>anything else: an Envoy {@code x-forwarded-client-cert} list, see {@link XfccHeader}.</li>
 * </ul>
 * The length is checked before anything is decoded, so an oversized value costs no allocation.
 * Stateless and thread-safe.
 */
public final class ForwardedCertificateHeader {

    /** What a header value held. */
    public sealed interface Parsed permits Absent, Der, Malformed {}

    /** The header says there is no certificate. */
    public record Absent() implements Parsed {}

    /** The DER encoding of the forwarded leaf, not yet parsed as a certificate. */
    public record Der(byte[] bytes) implements Parsed {}

    /** The value cannot be read; {@code reason} is a fixed code for events. */
    public record Malformed(CertificateRejection reason) implements Parsed {}

    static final Absent ABSENT = new Absent();
    private static final String PEM_BEGIN = "-----BEGIN CERTIFICATE-----";
    private static final String PEM_END = "-----END CERTIFICATE-----";

    private ForwardedCertificateHeader() {}

    /**
     * Reads the field lines of the header.
     *
     * @param fieldLines every value of the header as received (more than one is refused: a proxy
     *     sends one, two mean someone else added one)
     * @param maxLength the largest accepted value, in characters
     */
    public static Parsed parse(List<String> fieldLines, int maxLength) {
        long total = 0;
        for (String line : fieldLines) {
            total += line.length();
        }
        if (total > maxLength) {
            return new Malformed(CertificateRejection.FORWARDED_OVERSIZED);
        }
        if (fieldLines.size() != 1) {
            return fieldLines.isEmpty() ? ABSENT : new Malformed(CertificateRejection.FORWARDED_MULTIPLE_FIELDS);
        }
        String value = fieldLines.get(0).strip();
        if (value.isEmpty() || value.equals("-") || value.equals("(null)")) {
            return ABSENT;
        }
        if (value.charAt(0) == ':') {
            return sfBinary(value);
        }
        if (value.startsWith("-----BEGIN")) {
            return escapedPem(value);
        }
        return XfccHeader.certificate(value);
    }

    /** RFC 8941 §3.3.5 byte sequence: {@code :} base64 (RFC 4648 §4) {@code :}, nothing after. */
    static Parsed sfBinary(String value) {
        if (value.length() < 3 || value.charAt(value.length() - 1) != ':') {
            return new Malformed(CertificateRejection.FORWARDED_RFC9440_SYNTAX);
        }
        String b64 = value.substring(1, value.length() - 1);
        for (int i = 0; i < b64.length(); i++) {
            char c = b64.charAt(i);
            boolean ok = c >= 'A' && c <= 'Z'
                    || c >= 'a' && c <= 'z'
                    || c >= '0' && c <= '9'
                    || c == '+'
                    || c == '/'
                    || c == '=';
            if (!ok) {
                return new Malformed(CertificateRejection.FORWARDED_RFC9440_SYNTAX);
            }
        }
        try {
            return new Der(Base64.getDecoder().decode(b64));
        } catch (IllegalArgumentException e) {
            return new Malformed(CertificateRejection.FORWARDED_RFC9440_BASE64);
        }
    }

    /** URL-encoded PEM, as nginx and Envoy's {@code Cert=} write it. */
    static Parsed escapedPem(String value) {
        String pem = percentDecode(value);
        if (pem == null) {
            return new Malformed(CertificateRejection.FORWARDED_PERCENT_ENCODING);
        }
        return pem(pem);
    }

    /**
     * One PEM certificate and nothing else (whitespace around it aside): the body is strict
     * base64, so junk between the markers is refused rather than skipped.
     */
    static Parsed pem(String pem) {
        String t = pem.strip();
        if (!t.startsWith(PEM_BEGIN) || !t.endsWith(PEM_END) || t.length() < PEM_BEGIN.length() + PEM_END.length()) {
            return new Malformed(CertificateRejection.FORWARDED_PEM_SYNTAX);
        }
        String body = t.substring(PEM_BEGIN.length(), t.length() - PEM_END.length());
        StringBuilder b64 = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\r' || c == '\n' || c == ' ' || c == '\t') {
                continue;
            }
            b64.append(c);
        }
        if (b64.length() == 0) {
            return new Malformed(CertificateRejection.FORWARDED_PEM_SYNTAX);
        }
        try {
            return new Der(Base64.getDecoder().decode(b64.toString()));
        } catch (IllegalArgumentException e) {
            return new Malformed(CertificateRejection.FORWARDED_PEM_BASE64);
        }
    }

    /**
     * Decodes {@code %XX} escapes; {@code +} stays {@code +} (this is not form encoding, and
     * base64 uses {@code +}). Only printable ASCII is accepted, before and after decoding apart
     * from CR, LF and TAB; returns {@code null} for anything else or a broken escape.
     */
    public static @Nullable String percentDecode(String value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            int b;
            if (c == '%') {
                if (i + 2 >= value.length()) {
                    return null;
                }
                int hi = Character.digit(value.charAt(i + 1), 16);
                int lo = Character.digit(value.charAt(i + 2), 16);
                if (hi < 0 || lo < 0 || value.charAt(i + 1) > 'f' || value.charAt(i + 2) > 'f') {
                    return null;
                }
                b = hi << 4 | lo;
                i += 2;
            } else {
                b = c;
            }
            boolean ok = b >= 0x20 && b <= 0x7e || b == '\r' || b == '\n' || b == '\t';
            if (!ok) {
                return null;
            }
            out.write(b);
        }
        return out.toString(StandardCharsets.US_ASCII);
    }
}
