package dev.apiguard.apikey;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a file of API key hashes, one key per line:
 * <pre>{@code
 * # sha256-hex-of-key                                             client-id   scope[,scope]   expiry
 * 5f2b...e1c0 partner-legacy customers:read 2026-06-30T00:00:00Z
 * }</pre>
 * Fields are separated by spaces or tabs; {@code #} starts a comment line; blank lines are
 * skipped. The hash is 64 lower-case hex digits ({@link ApiKeys#sha256Hex}); the scopes are
 * comma-separated, or {@code -} for none; the expiry is an ISO-8601 instant
 * ({@code 2026-06-30T00:00:00Z}), offset date-time, or date (midnight UTC).
 *
 * <p>Each key counts as issued at load time, so a key whose expiry lies further ahead than the
 * store's maximum lifetime stops the load with an error naming the line. A line that has already
 * expired does not: it is kept (and refused as expired) with a warning in the log. Any other
 * malformed line is an error naming its line number, never its content. Stateless.
 */
public final class ApiKeyFile {

    private static final Logger LOG = LoggerFactory.getLogger(ApiKeyFile.class);

    private ApiKeyFile() {}

    /** Reads the file (UTF-8) and registers every key in the store. Returns how many keys it read. */
    public static int load(Path file, ApiKeyStore store, Instant now) throws IOException {
        Objects.requireNonNull(file, "file cannot be null");
        List<ApiKeyRecord> records = parse(Files.readAllLines(file, StandardCharsets.UTF_8), now);
        for (ApiKeyRecord r : records) {
            store.register(r);
        }
        return records.size();
    }

    /**
     * Parses the lines into records, issued at {@code now}.
     *
     * @throws IllegalArgumentException for a malformed line, naming its number
     */
    public static List<ApiKeyRecord> parse(List<String> lines, Instant now) {
        Objects.requireNonNull(now, "now cannot be null");
        List<ApiKeyRecord> records = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int number = i + 1;
            String[] fields = line.split("[ \\t]+");
            if (fields.length != 4) {
                throw bad(number, "needs 4 fields: sha256-hex client-id scopes expiry");
            }
            Instant expiry = expiry(number, fields[3]);
            Set<String> scopes = new LinkedHashSet<>();
            if (!fields[2].equals("-")) {
                for (String scope : fields[2].split(",", -1)) {
                    if (scope.isEmpty()) {
                        throw bad(number, "has an empty scope");
                    }
                    scopes.add(scope);
                }
            }
            Instant issued = expiry.isAfter(now) ? now : expiry.minusSeconds(1);
            ApiKeyRecord record;
            try {
                record = ApiKeyRecord.of(fields[0], fields[1], scopes, issued, expiry);
            } catch (IllegalArgumentException e) {
                throw bad(number, e.getMessage());
            }
            if (record.isExpiredAt(now)) {
                LOG.warn(
                        "API key file line {}: key {} of {} expired at {}; kept, and refused as expired",
                        number,
                        record.keyId(),
                        record.clientId(),
                        expiry);
            }
            records.add(record);
        }
        return records;
    }

    private static Instant expiry(int number, String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException notInstant) {
            try {
                return OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException notOffset) {
                try {
                    return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
                } catch (DateTimeParseException notDate) {
                    throw bad(number, "has an expiry that is not an ISO-8601 instant or date");
                }
            }
        }
    }

    private static IllegalArgumentException bad(int number, @Nullable String what) {
        return new IllegalArgumentException("API key file line " + number + " " + what);
    }
}
