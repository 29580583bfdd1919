package dev.apiguard.docs;

// tag::discovery[]
import dev.apiguard.token.JwksOptions;
import dev.apiguard.token.TokenPolicy;

public final class TokenIssuers {

    /** The issuer's keys found through its metadata; tokens for either of two audiences. */
    public static TokenPolicy discovered(JwksOptions fetching) {
        return discovered("https://login.example.com", fetching);
    }

    public static TokenPolicy discovered(String issuer, JwksOptions fetching) {
        return TokenPolicy.builder()
                // RFC 8414 metadata, else OpenID Connect discovery; its issuer must be this, exactly;
                // its jwks_uri is then fetched, cached and refreshed as a jwksUrl key source
                .discoveredIssuer(issuer, fetching)
                .audience("https://api.example.com")
                .audience("https://api.example.com/v2") // a token must name at least one
                .build();
    }
}
// end::discovery[]
