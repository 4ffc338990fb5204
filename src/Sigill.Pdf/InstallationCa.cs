using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sigill.Pdf;

/// <summary>
/// The per-installation certificate authority: a self-signed ECDSA root that issues one signing
/// certificate per organization. Private keys leave only as PKCS#8 bytes, for the caller to
/// encrypt under the key hierarchy before storing them; this type never writes anything to disk.
/// </summary>
public sealed class InstallationCa : IDisposable
{
    /// <summary>Microsoft "Document Signing" EKU; id-kp-emailProtection is added too because NSS-based verifiers (pdfsig) check it.</summary>
    public const string DocumentSigningEku = "1.3.6.1.4.1.311.10.3.12";
    public const string EmailProtectionEku = "1.3.6.1.5.5.7.3.4";

    private InstallationCa(X509Certificate2 certificate) => Certificate = certificate;

    /// <summary>The root certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Creates a new root: ECDSA P-384, CA:true with path length 0, keyCertSign|cRLSign, 10 years.</summary>
    public static InstallationCa Create(string installationName, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(installationName);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var request = new CertificateRequest(
            BuildName($"{installationName} Sigill Root CA", "Sigill", null),
            key, HashAlgorithmName.SHA384);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var cert = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        return new InstallationCa(cert);
    }

    /// <summary>Loads a root from its certificate (DER) and PKCS#8 private key.</summary>
    public static InstallationCa Import(ReadOnlySpan<byte> certificateDer, ReadOnlySpan<byte> pkcs8PrivateKey)
    {
        using var publicOnly = X509CertificateLoader.LoadCertificate(certificateDer);
        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(pkcs8PrivateKey, out _);
        return new InstallationCa(publicOnly.CopyWithPrivateKey(key));
    }

    /// <summary>The root's private key as PKCS#8 (unencrypted: the caller must encrypt it before storing).</summary>
    public byte[] ExportPrivateKey() => ExportPkcs8(Certificate);

    /// <summary>
    /// Issues an organization's signing certificate: ECDSA P-256 (fast to sign), digitalSignature|nonRepudiation,
    /// document-signing and email-protection EKUs, subject CN=organization name, O=Sigill, OU=organization id.
    /// </summary>
    /// <param name="addresses">Where verifiers find the region's CRL and this CA's certificate (CRL distribution point and AIA).</param>
    public X509Certificate2 IssueOrganizationCertificate(string organizationName, string organizationId, DateTimeOffset now, TimeSpan? validity = null,
        PkiAddresses? addresses = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationName);
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(
            BuildName(organizationName, "Sigill", organizationId),
            key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(DocumentSigningEku), new Oid(EmailProtectionEku)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        addresses?.AddTo(request);
        var notAfter = now + (validity ?? TimeSpan.FromDays(3 * 365));
        if (notAfter > Certificate.NotAfter) notAfter = Certificate.NotAfter;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40); // positive, and never a leading byte DER would call redundant (a 0x00 before a byte below 0x80)
        using var issued = request.Create(Certificate, now.AddMinutes(-5), notAfter, serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>
    /// Issues the certificate of the region's built-in TSA (<see cref="Timestamps.LocalTimestampAuthority"/>): ECDSA P-256,
    /// digitalSignature, and the critical, sole id-kp-timeStamping EKU RFC 3161 §2.3 requires.
    /// </summary>
    public X509Certificate2 IssueTimestampCertificate(string region, DateTimeOffset now, TimeSpan validity, PkiAddresses? addresses = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(BuildName($"Sigill {region} built-in TSA (the operator's clock)", "Sigill", null), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(Timestamps.TimestampTokens.TimeStampingEku)], true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        addresses?.AddTo(request);
        var notAfter = now + validity;
        if (notAfter > Certificate.NotAfter) notAfter = Certificate.NotAfter;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40); // positive, and never a leading byte DER would call redundant (a 0x00 before a byte below 0x80)
        using var issued = request.Create(Certificate, now.AddMinutes(-5), notAfter, serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>
    /// A CRL (RFC 5280 §5) signed by this CA listing <paramref name="revoked"/>; <paramref name="number"/> must grow with
    /// every CRL issued (callers use the issue time in seconds).
    /// </summary>
    public byte[] BuildCrl(IEnumerable<RevokedCertificate> revoked, long number, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate)
    {
        ArgumentNullException.ThrowIfNull(revoked);
        var builder = new CertificateRevocationListBuilder();
        foreach (var r in revoked) builder.AddEntry(r.SerialNumber, r.RevokedAt, r.Reason);
        return builder.Build(Certificate, new System.Numerics.BigInteger(number), nextUpdate, HashAlgorithmName.SHA384, null, thisUpdate);
    }

    /// <summary>Loads an issued certificate with its PKCS#8 private key (ECDSA or RSA).</summary>
    public static X509Certificate2 LoadWithPrivateKey(ReadOnlySpan<byte> certificateDer, ReadOnlySpan<byte> pkcs8PrivateKey)
    {
        using var publicOnly = X509CertificateLoader.LoadCertificate(certificateDer);
        if (publicOnly.GetECDsaPublicKey() is { } ecPublic)
        {
            ecPublic.Dispose();
            using var ec = ECDsa.Create();
            ec.ImportPkcs8PrivateKey(pkcs8PrivateKey, out _);
            return publicOnly.CopyWithPrivateKey(ec);
        }
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(pkcs8PrivateKey, out _);
        return publicOnly.CopyWithPrivateKey(rsa);
    }

    /// <summary>A certificate's private key as PKCS#8 (unencrypted: the caller must encrypt it before storing).</summary>
    public static byte[] ExportPkcs8(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey()
            ?? throw new ArgumentException("the certificate has no private key", nameof(certificate));
        return key.ExportPkcs8PrivateKey();
    }

    private static X500DistinguishedName BuildName(string commonName, string organization, string? unit)
    {
        var b = new X500DistinguishedNameBuilder();
        b.AddCommonName(commonName);
        b.AddOrganizationName(organization);
        if (unit is not null) b.AddOrganizationalUnitName(unit);
        return b.Build();
    }

    public void Dispose() => Certificate.Dispose();
}

/// <summary>One revoked certificate as a CRL lists it.</summary>
public sealed record RevokedCertificate(byte[] SerialNumber, DateTimeOffset RevokedAt, X509RevocationReason? Reason);

/// <summary>
/// The public addresses written into issued certificates: the region CRL (CRL distribution point) and the CA
/// certificate (AIA caIssuers). No OCSP address: Sigill publishes CRLs only (docs/adr/0013-long-term-signatures.md).
/// </summary>
public sealed record PkiAddresses(Uri CrlUrl, Uri CaIssuersUrl)
{
    internal void AddTo(CertificateRequest request)
    {
        request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([CrlUrl.AbsoluteUri]));
        request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension(null, [CaIssuersUrl.AbsoluteUri]));
    }

    /// <summary>The stable URLs the web tier serves for a region under a public base URL (https://sign.example.com).</summary>
    public static PkiAddresses For(Uri publicBaseUrl, string region)
    {
        ArgumentNullException.ThrowIfNull(publicBaseUrl);
        var root = publicBaseUrl.AbsoluteUri.TrimEnd('/');
        return new PkiAddresses(new Uri($"{root}/pki/{region}/ca.crl"), new Uri($"{root}/pki/{region}/ca.cer"));
    }
}
