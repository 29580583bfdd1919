package dev.apiguard.apikey;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.zip.CRC32;
import org.jspecify.annotations.Nullable;

/**
 * The format of api-guard's API keys: generation, format and checksum check, hashing.
 *
 * <p>A key is {@value #PREFIX}, the unpadded base64url (RFC 4648 §5) of 32 random bytes from
 * {@link SecureRandom} (256 bits), {@code _}, and 8 lower-case hex digits of the CRC32 of everything
 * before that last underscore, 56 ASCII characters in all:
 * <pre>{@code apg_3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA_1a2b3c4d}</pre>
 * The prefix lets secret scanners find leaked keys; the checksum lets the guard refuse a mistyped
 * or made-up key without a store lookup. The base64url part may itself contain {@code _} and
 * {@code -}; it must be the canonical encoding (unused low bits zero).
 *
 * <p>Only the SHA-256 of a key is stored ({@link #sha256Hex}); the {@linkplain #keyId key id},
 * the first 16 hex digits of that hash, names a key in logs, events and the inventory. Stateless
 * and thread-safe.
 */
public final class ApiKeys {

    /** The prefix of every key. */
    public static final String PREFIX = "apg_";
    /** The length of every key, in characters. */
    public static final int LENGTH = 56;
    /** The length of a key id, in hex digits. */
    public static final int KEY_ID_LENGTH = 16;

    private static final int RANDOM_BYTES = 32;
    private static final int BODY_LENGTH = 43;
    private static final int CHECKSUM_START = PREFIX.length() + BODY_LENGTH + 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {}

    /** A new key from a shared {@link SecureRandom}. Show it to its owner once; store only its hash. */
    public static String generate() {
        return generate(RANDOM);
    }

    /** A new key whose 32 random bytes come from {@code random}. */
    public static String generate(SecureRandom random) {
        Objects.requireNonNull(random, "random cannot be null");
        byte[] bytes = new byte[RANDOM_BYTES];
        random.nextBytes(bytes);
        String head = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        return head + "_" + checksum(head);
    }

    /**
     * Whether the value has the key format and a matching checksum; a value that has not is refused
     * without any lookup. Never throws; {@code null} is not well-formed.
     */
    public static boolean isWellFormed(@Nullable String key) {
        if (key == null || key.length() != LENGTH || !key.startsWith(PREFIX) || key.charAt(CHECKSUM_START - 1) != '_') {
            return false;
        }
        for (int i = PREFIX.length(); i < CHECKSUM_START - 1; i++) {
            if (!isBase64Url(key.charAt(i))) {
                return false;
            }
        }
        for (int i = CHECKSUM_START; i < LENGTH; i++) {
            char c = key.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        // 43 characters carry 258 bits: the last one's 2 low bits must be zero (canonical form)
        if ((base64Value(key.charAt(CHECKSUM_START - 2)) & 0x3) != 0) {
            return false;
        }
        String head = key.substring(0, CHECKSUM_START - 1);
        return checksum(head).equals(key.substring(CHECKSUM_START));
    }

    /** The lower-case hex SHA-256 of the key's ASCII bytes: what a store keeps instead of the key. */
    public static String sha256Hex(String key) {
        Objects.requireNonNull(key, "key cannot be null");
        return HexFormat.of().formatHex(sha256(key));
    }

    /** The key id of a key hash: its first {@value #KEY_ID_LENGTH} hex digits, safe to log. */
    public static String keyId(String sha256Hex) {
        Objects.requireNonNull(sha256Hex, "sha256Hex cannot be null");
        if (sha256Hex.length() < KEY_ID_LENGTH) {
            throw new IllegalArgumentException("sha256Hex must be 64 hex digits");
        }
        return sha256Hex.substring(0, KEY_ID_LENGTH);
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static String checksum(String head) {
        CRC32 crc = new CRC32();
        crc.update(head.getBytes(StandardCharsets.US_ASCII));
        return String.format("%08x", crc.getValue());
    }

    private static boolean isBase64Url(char c) {
        return base64Value(c) >= 0;
    }

    private static int base64Value(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        if (c == '-') {
            return 62;
        }
        return c == '_' ? 63 : -1;
    }
}
