package dev.apiguard.binding;

import dev.apiguard.event.ReasonCode;

/**
 * Why a client certificate could not be used: the {@code reason} detail of
 * {@code certificate.rejected}, and the reason of a {@link CertificateResolution.Refused}. The
 * {@code FORWARDED_} reasons are about the header a trusted proxy forwarded.
 */
public enum CertificateRejection implements ReasonCode {
    /** The TLS connection's certificate cannot be encoded (DER). */
    TLS_CERTIFICATE_UNENCODABLE("tls_certificate_unencodable"),
    /** The TLS connection and the forwarded header carry different certificates. */
    TLS_AND_FORWARDED_DIFFER("tls_and_forwarded_differ"),
    /** The forwarded value decodes, but not to one X.509 certificate. */
    FORWARDED_NOT_A_CERTIFICATE("forwarded_not_a_certificate"),
    /** The forwarded certificate does not chain to the forwarded-certificate trust anchors. */
    FORWARDED_UNTRUSTED_CHAIN("forwarded_untrusted_chain"),
    /** The forwarded header is longer than the limit; refused before decoding. */
    FORWARDED_OVERSIZED("forwarded_oversized"),
    /** The forwarded header came as two or more fields. */
    FORWARDED_MULTIPLE_FIELDS("forwarded_multiple_fields"),
    /** Not an RFC 9440 byte sequence ({@code :base64:}). */
    FORWARDED_RFC9440_SYNTAX("forwarded_rfc9440_syntax"),
    /** An RFC 9440 byte sequence whose base64 does not decode. */
    FORWARDED_RFC9440_BASE64("forwarded_rfc9440_base64"),
    /** A URL-encoded value with a malformed percent-escape. */
    FORWARDED_PERCENT_ENCODING("forwarded_percent_encoding"),
    /** A PEM value without one well-formed certificate block. */
    FORWARDED_PEM_SYNTAX("forwarded_pem_syntax"),
    /** A PEM block whose base64 does not decode. */
    FORWARDED_PEM_BASE64("forwarded_pem_base64"),
    /** An Envoy {@code x-forwarded-client-cert} element with a key twice. */
    FORWARDED_XFCC_DUPLICATE_KEY("forwarded_xfcc_duplicate_key"),
    /** An XFCC {@code Hash} that is not the hash of its {@code Cert}. */
    FORWARDED_XFCC_HASH_MISMATCH("forwarded_xfcc_hash_mismatch"),
    /** An XFCC quoted value without its closing quote. */
    FORWARDED_XFCC_UNTERMINATED_QUOTE("forwarded_xfcc_unterminated_quote"),
    /** An XFCC quote inside an unquoted value. */
    FORWARDED_XFCC_MISPLACED_QUOTE("forwarded_xfcc_misplaced_quote"),
    /** An XFCC {@code =} inside an unquoted value. */
    FORWARDED_XFCC_UNQUOTED_EQUALS("forwarded_xfcc_unquoted_equals"),
    /** An XFCC key that is empty or not a token. */
    FORWARDED_XFCC_BAD_KEY("forwarded_xfcc_bad_key"),
    /** Text after an XFCC quoted value. */
    FORWARDED_XFCC_TEXT_AFTER_QUOTE("forwarded_xfcc_text_after_quote"),
    /** A control character in an XFCC value. */
    FORWARDED_XFCC_CONTROL_CHARACTER("forwarded_xfcc_control_character"),
    /** An XFCC pair without {@code =}. */
    FORWARDED_XFCC_PAIR_WITHOUT_EQUALS("forwarded_xfcc_pair_without_equals"),
    /** An empty XFCC element. */
    FORWARDED_XFCC_EMPTY_ELEMENT("forwarded_xfcc_empty_element");

    private final String code;

    CertificateRejection(String code) {
        this.code = code;
    }

    @Override
    public String code() {
        return code;
    }
}
