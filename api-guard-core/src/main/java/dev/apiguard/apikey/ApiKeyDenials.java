package dev.apiguard.apikey;

import dev.apiguard.Challenge;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.internal.Problems;
import java.util.List;
import java.util.Map;

/** The API key step's refusals: one text for every bad key, and a key sent in the URL. */
final class ApiKeyDenials {

    private static final Decision.Deny INVALID_API_KEY = new Decision.Deny(
            401,
            List.of(Challenge.of(Denials.BEARER)),
            Problems.of(
                    "invalid-api-key",
                    "Invalid API key",
                    401,
                    "The API key is malformed, unknown, expired or revoked. API keys are deprecated: use an access token."),
            Map.of());

    private static final Decision.Deny API_KEY_IN_QUERY = new Decision.Deny(
            401,
            List.of(Challenge.of(Denials.BEARER)),
            Problems.of(
                    "api-key-in-query",
                    "API key in URL refused",
                    401,
                    "API keys are accepted only in the X-API-Key header. A key sent in a URL ends up in logs: treat it as leaked and rotate it."),
            Map.of());

    private ApiKeyDenials() {}

    /**
     * 401 for an API key that is malformed, unknown, expired or revoked: one text for all, so a
     * prober learns nothing about which. The challenge offers {@code Bearer} (no {@code error}):
     * there is no registered scheme for API keys, and tokens are where callers should go.
     */
    static Decision.Deny invalidApiKey() {
        return INVALID_API_KEY;
    }

    /** 401 for an API key sent in the query string, where it leaks into logs; the key is never used. */
    static Decision.Deny apiKeyInQuery() {
        return API_KEY_IN_QUERY;
    }
}
