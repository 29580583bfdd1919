package dev.apiguard.token;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Decides, for a token's {@code iss} that is not among a policy's {@link TokenPolicy#issuers()
 * exact issuers}, whether it is accepted and with which keys: for multi-tenant authorization
 * servers whose issuers follow a pattern ({@code https://login.example.com/{tenant}/v2.0}).
 *
 * <p>It is called on the request thread, with the claimed {@code iss} of a token whose signature
 * has not been checked yet, so anyone can make it ask about any string. It must decide from what
 * the host knows (its tenant list), cheaply and without I/O, and return a key source that fetches
 * lazily ({@link KeySource#discovered(URI, JwksOptions)}, {@link KeySource#jwksUrl(URI, JwksOptions)}):
 * {@link Optional#empty()} refuses the token ({@code unknown_issuer}) before anything is fetched.
 * The verifier keeps each source it returns, per issuer, in a bounded cache
 * ({@link TokenPolicy.Builder#resolvedIssuersMaximumSize}), so it is asked again only for an issuer
 * it does not hold; each issuer's keys verify only that issuer's tokens. A resolver that throws
 * refuses the token.
 */
@FunctionalInterface
public interface IssuerResolver {

    /** The keys of {@code issuer}, or empty when it is not accepted. */
    Optional<KeySource> keysFor(String issuer);

    /**
     * A resolver for issuers of the form {@code template}, where {@code {tenant}} stands for one
     * tenant id of letters, digits, {@code -}, {@code _} and {@code .} (1 to 64 characters, not
     * {@code .} or {@code ..}), accepted only when {@code tenants} accepts it; each accepted issuer's
     * keys are found through its metadata ({@link KeySource#discovered(URI, JwksOptions)}).
     *
     * @throws IllegalArgumentException naming {@code issuerTemplate} when it does not hold
     *     {@code {tenant}} exactly once, or is not an https URL (http only on a loopback host)
     */
    static IssuerResolver tenants(String template, Predicate<String> tenants, JwksOptions options) {
        Objects.requireNonNull(template, "issuerTemplate cannot be null");
        Objects.requireNonNull(tenants, "tenants cannot be null");
        Objects.requireNonNull(options, "options cannot be null");
        String marker = "{tenant}";
        int at = template.indexOf(marker);
        if (at < 0 || template.indexOf(marker, at + 1) >= 0) {
            throw new IllegalArgumentException("issuerTemplate must hold {tenant} exactly once: " + template);
        }
        // the template with a sample tenant must be a valid issuer: checked now, not on a request
        KeySource.discovered(URI.create(template.replace(marker, "tenant")), options);
        Pattern pattern = Pattern.compile(Pattern.quote(template.substring(0, at)) + "([A-Za-z0-9._-]{1,64})"
                + Pattern.quote(template.substring(at + marker.length())));
        return issuer -> {
            var m = pattern.matcher(issuer);
            if (!m.matches()) {
                return Optional.empty();
            }
            String tenant = m.group(1);
            if (tenant.equals(".") || tenant.equals("..") || !tenants.test(tenant)) {
                return Optional.empty();
            }
            return Optional.of(KeySource.discovered(URI.create(issuer), options));
        };
    }
}
