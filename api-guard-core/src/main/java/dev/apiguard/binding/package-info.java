/**
 * Sender-constrained credentials: client certificates and certificate-bound access tokens
 * (RFC 8705).
 *
 * <p>The public face: {@link dev.apiguard.binding.ClientCertificates} (where a request's client
 * certificate comes from: the TLS connection, or a header of a trusted proxy),
 * {@link dev.apiguard.binding.CertificateResolution}, {@link dev.apiguard.binding.CertificateBindingStep}
 * (a token with {@code cnf.x5t#S256} must come with that certificate, §3),
 * {@link dev.apiguard.binding.MtlsClientRegistry} and
 * {@link dev.apiguard.binding.MtlsClientAuthenticationStep} (a certificate alone authenticates a
 * registered client, §2). Everything under {@code dev.apiguard.binding.internal} is implementation.
 */
@NullMarked
package dev.apiguard.binding;

import org.jspecify.annotations.NullMarked;
