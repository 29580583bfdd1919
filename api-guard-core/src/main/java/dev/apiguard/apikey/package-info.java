/**
 * Legacy API keys, with a way out: {@link dev.apiguard.apikey.ApiKeys} (format, generation,
 * hashing), {@link dev.apiguard.apikey.ApiKeyStore} (hashes only, expiry, revocation),
 * {@link dev.apiguard.apikey.ApiKeyFile} (a file of key hashes) and
 * {@link dev.apiguard.apikey.ApiKeyStep}, which authenticates {@code X-API-Key} and tells every
 * key-authenticated caller of the keys' {@code Deprecation} (RFC 9745) and {@code Sunset}
 * (RFC 8594).
 */
@NullMarked
package dev.apiguard.apikey;

import org.jspecify.annotations.NullMarked;
