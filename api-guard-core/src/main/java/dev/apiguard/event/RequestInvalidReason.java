package dev.apiguard.event;

/**
 * Why a request was refused as malformed before any credential was judged: the {@code reason}
 * detail of {@link SecurityEventType#REQUEST_INVALID}, whichever step raised it.
 */
public enum RequestInvalidReason implements ReasonCode {
    /** Two or more {@code Authorization} headers (the token step). */
    MULTIPLE_AUTHORIZATION_HEADERS("multiple_authorization_headers"),
    /** Two or more {@code X-API-Key} headers (the API key step). */
    MULTIPLE_API_KEY_HEADERS("multiple_api_key_headers"),
    /** A method-override header such as {@code X-HTTP-Method-Override} (the route step; detail {@code header}). */
    METHOD_OVERRIDE("method_override"),
    /** A query string the guard cannot read (the route step; detail {@code cause}). */
    QUERY_UNREADABLE("query_unreadable"),
    /** A form body too large to read for a client assertion (the client-assertion filter). */
    FORM_BODY_SIZE("form_body_size");

    private final String code;

    RequestInvalidReason(String code) {
        this.code = code;
    }

    @Override
    public String code() {
        return code;
    }
}
