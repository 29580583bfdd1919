package dev.apiguard.test.internal;

import dev.apiguard.test.IssuedCertificate;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Makes EC P-256 certificates with BouncyCastle's builders and the JDK's providers. Not part of
 * the public API. Thread-safe.
 */
public final class CertificateMaker {

    private static final String SIGNATURE = "SHA256withECDSA";

    private final SecureRandom random;

    /** A factory drawing serial numbers and keys from the given source. */
    public CertificateMaker(SecureRandom random) {
        this.random = random;
    }

    /** A fresh P-256 key pair. */
    public KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), random);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an EC key pair", e);
        }
    }

    /** A self-signed CA certificate. */
    public X509Certificate ca(String cn, KeyPair keys, Instant from, Instant until) {
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X500Name name = name(cn);
            X509v3CertificateBuilder b = builder(name, name, keys.getPublic(), from, until)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(
                            Extension.keyUsage,
                            true,
                            new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
                    .addExtension(
                            Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return sign(b, keys.getPrivate());
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot make the CA certificate", e);
        }
    }

    /** A server certificate signed by the CA. */
    public X509Certificate server(
            String cn, PublicKey key, IssuedCertificate ca, Instant from, Instant until, List<String> sans) {
        return leaf(cn, key, ca, from, until, KeyPurposeId.id_kp_serverAuth, sans);
    }

    /** A client certificate signed by the CA. */
    public X509Certificate client(
            String cn, PublicKey key, IssuedCertificate ca, Instant from, Instant until, List<String> sans) {
        return leaf(cn, key, ca, from, until, KeyPurposeId.id_kp_clientAuth, sans);
    }

    /**
     * A leaf certificate signed by the CA with exactly these key usages (RFC 5280 names) and
     * extended key usages (OIDs); an empty list leaves its extension out.
     */
    public X509Certificate leafWithUsages(
            String cn,
            PublicKey key,
            IssuedCertificate ca,
            Instant from,
            Instant until,
            List<String> keyUsages,
            List<String> extendedKeyUsages) {
        int bits = 0;
        for (String usage : keyUsages) {
            bits |= keyUsageBit(usage);
        }
        KeyPurposeId[] purposes = extendedKeyUsages.stream()
                .map(oid -> KeyPurposeId.getInstance(new ASN1ObjectIdentifier(oid)))
                .toArray(KeyPurposeId[]::new);
        return leaf(
                cn,
                key,
                ca,
                from,
                until,
                keyUsages.isEmpty() ? null : new KeyUsage(bits),
                purposes.length == 0 ? null : new ExtendedKeyUsage(purposes),
                List.of());
    }

    /** A self-signed client certificate (not a CA). */
    public X509Certificate selfSignedClient(String cn, KeyPair keys, Instant from, Instant until) {
        try {
            X500Name name = name(cn);
            X509v3CertificateBuilder b = builder(name, name, keys.getPublic(), from, until)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(
                            Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            return sign(b, keys.getPrivate());
        } catch (CertIOException e) {
            throw new IllegalStateException("cannot make the certificate", e);
        }
    }

    private X509Certificate leaf(
            String cn,
            PublicKey key,
            IssuedCertificate ca,
            Instant from,
            Instant until,
            KeyPurposeId purpose,
            List<String> sans) {
        return leaf(
                cn, key, ca, from, until, new KeyUsage(KeyUsage.digitalSignature), new ExtendedKeyUsage(purpose), sans);
    }

    private X509Certificate leaf(
            String cn,
            PublicKey key,
            IssuedCertificate ca,
            Instant from,
            Instant until,
            KeyUsage keyUsage,
            ExtendedKeyUsage extendedKeyUsage,
            List<String> sans) {
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = builder(
                            X500Name.getInstance(
                                    ca.certificate().getSubjectX500Principal().getEncoded()),
                            name(cn),
                            key,
                            from,
                            until)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key))
                    .addExtension(
                            Extension.authorityKeyIdentifier,
                            false,
                            ext.createAuthorityKeyIdentifier(ca.certificate()));
            if (keyUsage != null) {
                b.addExtension(Extension.keyUsage, true, keyUsage);
            }
            if (extendedKeyUsage != null) {
                b.addExtension(Extension.extendedKeyUsage, false, extendedKeyUsage);
            }
            if (!sans.isEmpty()) {
                GeneralName[] names =
                        sans.stream().map(CertificateMaker::generalName).toArray(GeneralName[]::new);
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            }
            return sign(b, ca.privateKey());
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot make the certificate for " + cn, e);
        }
    }

    private X509v3CertificateBuilder builder(
            X500Name issuer, X500Name subject, PublicKey key, Instant from, Instant until) {
        BigInteger serial = new BigInteger(63, random).add(BigInteger.ONE);
        return new JcaX509v3CertificateBuilder(issuer, serial, Date.from(from), Date.from(until), subject, key);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer) {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)));
        } catch (OperatorCreationException | java.security.cert.CertificateException e) {
            throw new IllegalStateException("cannot sign the certificate", e);
        }
    }

    private static X500Name name(String cn) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn).build();
    }

    private static int keyUsageBit(String name) {
        return switch (name) {
            case "digitalSignature" -> KeyUsage.digitalSignature;
            case "nonRepudiation" -> KeyUsage.nonRepudiation;
            case "keyEncipherment" -> KeyUsage.keyEncipherment;
            case "dataEncipherment" -> KeyUsage.dataEncipherment;
            case "keyAgreement" -> KeyUsage.keyAgreement;
            case "keyCertSign" -> KeyUsage.keyCertSign;
            case "cRLSign" -> KeyUsage.cRLSign;
            case "encipherOnly" -> KeyUsage.encipherOnly;
            case "decipherOnly" -> KeyUsage.decipherOnly;
            default ->
                throw new IllegalArgumentException("unknown key usage " + name + "; use an RFC 5280 name such as "
                        + "digitalSignature or keyEncipherment");
        };
    }

    private static GeneralName generalName(String san) {
        int colon = san.indexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException(
                    "a subject alternative name is TYPE:value (DNS, URI, IP, EMAIL): " + san);
        }
        String value = san.substring(colon + 1);
        return switch (san.substring(0, colon).toUpperCase(Locale.ROOT)) {
            case "DNS" -> new GeneralName(GeneralName.dNSName, value);
            case "URI" -> new GeneralName(GeneralName.uniformResourceIdentifier, value);
            case "IP" -> new GeneralName(GeneralName.iPAddress, value);
            case "EMAIL" -> new GeneralName(GeneralName.rfc822Name, value);
            default ->
                throw new IllegalArgumentException(
                        "unknown subject alternative name type in " + san + "; use DNS, URI, IP or EMAIL");
        };
    }
}
