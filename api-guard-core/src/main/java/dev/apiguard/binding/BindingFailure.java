package dev.apiguard.binding;

import dev.apiguard.event.ReasonCode;

/**
 * Why a sender could not prove it holds the key its credential is bound to, other than a refused
 * DPoP proof (whose reasons are {@link DpopVerification.Reason}): the {@code reason} detail of
 * {@code certificate.binding_failed} and {@code dpop.downgrade}, and of the
 * {@code credential.misused} event that follows.
 */
public enum BindingFailure implements ReasonCode {
    /** A certificate-bound token came with a certificate that could not be used ({@code certificate.rejected}). */
    CERTIFICATE_REJECTED("certificate_rejected"),
    /** A certificate-bound token came without a client certificate. */
    NO_CERTIFICATE("no_certificate"),
    /** A certificate-bound token came with another certificate than the one it names. */
    THUMBPRINT_MISMATCH("thumbprint_mismatch"),
    /** A DPoP-bound token came with the {@code Bearer} scheme. */
    BOUND_TOKEN_AS_BEARER("bound_token_as_bearer"),
    /** A token without a DPoP binding came with the {@code DPoP} scheme. */
    UNBOUND_TOKEN_AS_DPOP("unbound_token_as_dpop");

    private final String code;

    BindingFailure(String code) {
        this.code = code;
    }

    @Override
    public String code() {
        return code;
    }
}
