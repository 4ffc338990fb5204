using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Sigill.Pdf.Signing;

namespace Sigill.Pdf.Timestamps;

/// <summary>
/// The built-in TSA of a region, for installations that cannot reach an external one (air-gapped). Its tokens are
/// ordinary RFC 3161 tokens signed by a key whose certificate the region CA issued, so every verifier checks them
/// the same way; but the time in them is this server's clock. It is the operator's own time source, not an
/// independent witness — an external TSA is the production default (docs/adr/0013-long-term-signatures.md).
/// </summary>
public sealed class LocalTimestampAuthority : ITimestampAuthority
{
    /// <summary>
    /// The TSA policy Sigill's built-in TSA states in every token: a UUID-based OID (ITU-T X.667, arc 2.25), so no
    /// registration is needed; it says "Sigill built-in TSA: the operator's clock".
    /// </summary>
    public const string PolicyOid = "2.25.125611033790780966345856959146324116160";

    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2Collection _chain;
    private readonly TimeProvider _time;

    /// <param name="certificate">The TSA certificate with its private key (<see cref="InstallationCa.IssueTimestampCertificate"/>).</param>
    /// <param name="chain">Certificates to embed above it (the region root).</param>
    public LocalTimestampAuthority(X509Certificate2 certificate, IEnumerable<X509Certificate2> chain, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(chain);
        _certificate = certificate;
        _chain = [.. chain];
        _time = time ?? TimeProvider.System;
    }

    public HashAlgorithmName HashAlgorithm => HashAlgorithmName.SHA256;

    public int MaxTokenBytes => 8 * 1024;

    public Task<byte[]> TimestampAsync(ReadOnlyMemory<byte> digest, CancellationToken cancellationToken)
    {
        if (digest.Length != 32) throw new ArgumentException("a SHA-256 digest is 32 bytes", nameof(digest));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40); // positive, and never a leading byte DER would call redundant (a 0x00 before a byte below 0x80)
        var info = new Rfc3161TimestampTokenInfo(new Oid(PolicyOid), new Oid(TimestampTokens.OidOf(HashAlgorithm)), digest, serial, _time.GetUtcNow(),
            accuracyInMicroseconds: 1_000_000);
        var cms = new SignedCms(new ContentInfo(new Oid(TimestampTokens.TstInfoOid), info.Encode()));
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, _certificate)
        {
            DigestAlgorithm = new Oid(CadesSignature.Sha256Oid),
            IncludeOption = X509IncludeOption.EndCertOnly,
        };
        signer.Certificates.AddRange(_chain);
        // RFC 3161 §2.4.2 (as updated by RFC 5816): the signer is named by an ESSCertIDv2 in a signed attribute.
        signer.SignedAttributes.Add(new AsnEncodedData(CadesSignature.SigningCertificateV2Oid, CadesSignature.EncodeSigningCertificateV2(_certificate)));
        cms.ComputeSignature(signer, silent: true);
        return Task.FromResult(cms.Encode());
    }
}
