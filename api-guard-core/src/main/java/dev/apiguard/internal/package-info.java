/**
 * JOSE internals shared by the capabilities that verify signed JWTs (access tokens, DPoP proofs,
 * client assertions): strict compact-JWS splitting and single-key signature checks; and Bucket4j
 * time from a {@code Clock}, for every bucket the library keeps. Not API; may
 * change in any release. Capability packages may use it because it decides nothing on its own.
 */
@NullMarked
package dev.apiguard.internal;

import org.jspecify.annotations.NullMarked;
