package dev.apiguard.apikey;

import dev.apiguard.event.ReasonCode;

/** Why an API key was refused: the {@code reason} detail of {@code apikey.rejected}. The client learns none of it. */
public enum ApiKeyRejection implements ReasonCode {
    /** Not in the {@link ApiKeys} format, or its checksum is wrong. */
    MALFORMED("malformed"),
    /** No record of the key (or its hash does not match the record's). */
    UNKNOWN("unknown"),
    /** The key was revoked. */
    REVOKED("revoked"),
    /** The key is past its expiry. */
    EXPIRED("expired"),
    /** API keys are past their sunset date: every key is refused. */
    SUNSET("sunset");

    private final String code;

    ApiKeyRejection(String code) {
        this.code = code;
    }

    @Override
    public String code() {
        return code;
    }
}
