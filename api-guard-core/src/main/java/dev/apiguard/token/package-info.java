/**
 * Verification of RFC 9068 JWT access tokens and the guard step that reads them from the
 * {@code Authorization: Bearer} header (RFC 6750 §2.1).
 *
 * <p>The public face is small: {@link dev.apiguard.token.KeySource} (where an issuer's public keys
 * come from), {@link dev.apiguard.token.TokenPolicy} (what a token must look like),
 * {@link dev.apiguard.token.AccessTokenVerifier} (token in, {@link dev.apiguard.token.TokenVerification}
 * out) and {@link dev.apiguard.token.AccessTokenStep} (the {@link dev.apiguard.GuardStep}).
 * Everything under {@code dev.apiguard.token.internal} is implementation and may change at any time.
 */
@NullMarked
package dev.apiguard.token;

import org.jspecify.annotations.NullMarked;
