using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sigill.Pdf.Revocation;

/// <summary>
/// A certificate revocation list read for verification (RFC 5280 §5.1):
/// <code>
/// CertificateList ::= SEQUENCE { tbsCertList TBSCertList, signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
/// TBSCertList ::= SEQUENCE { version INTEGER OPTIONAL, signature AlgorithmIdentifier, issuer Name, thisUpdate Time,
///     nextUpdate Time OPTIONAL, revokedCertificates SEQUENCE OF SEQUENCE { userCertificate INTEGER,
///     revocationDate Time, crlEntryExtensions Extensions OPTIONAL } OPTIONAL, crlExtensions [0] Extensions OPTIONAL }
/// </code>
/// .NET can build CRLs but not check one, so this reads the few fields a verdict needs and checks the signature
/// against the issuer's key (ECDSA or RSA PKCS#1 with SHA-2). Nothing here trusts a CRL before <see cref="IsSignedBy"/>.
/// </summary>
public sealed class Crl
{
    private readonly byte[] _tbs;
    private readonly string _signatureAlgorithm;
    private readonly byte[] _signature;
    private readonly Dictionary<string, DateTimeOffset> _revoked;

    private Crl(byte[] der, byte[] tbs, string algorithm, byte[] signature, byte[] issuer, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate,
        Dictionary<string, DateTimeOffset> revoked)
    {
        Der = der;
        _tbs = tbs;
        _signatureAlgorithm = algorithm;
        _signature = signature;
        IssuerName = issuer;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        _revoked = revoked;
    }

    public byte[] Der { get; }

    /// <summary>The issuer's distinguished name, DER.</summary>
    public byte[] IssuerName { get; }

    public DateTimeOffset ThisUpdate { get; }

    public DateTimeOffset? NextUpdate { get; }

    public int Count => _revoked.Count;

    /// <summary>Every listed certificate: its serial number (big-endian, minimal) and revocation time.</summary>
    public IEnumerable<(byte[] SerialNumber, DateTimeOffset RevokedAt)> Entries => _revoked.Select(e => (Convert.FromHexString(e.Key), e.Value));

    /// <summary>Reads a DER CRL, or returns null when it is not one.</summary>
    public static Crl? TryParse(ReadOnlyMemory<byte> der)
    {
        try
        {
            var outer = new AsnReader(der, AsnEncodingRules.DER);
            var list = outer.ReadSequence();
            if (outer.HasData) return null;
            var tbsBytes = list.PeekEncodedValue().ToArray();
            var tbs = list.ReadSequence();
            var algorithm = list.ReadSequence().ReadObjectIdentifier();
            var signature = list.ReadBitString(out _);
            if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer)) tbs.ReadInteger();
            tbs.ReadSequence(); // signature algorithm, repeated inside what is signed
            var issuer = tbs.ReadEncodedValue().ToArray();
            var thisUpdate = ReadTime(tbs);
            DateTimeOffset? nextUpdate = null;
            if (tbs.HasData && (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) || tbs.PeekTag().HasSameClassAndValue(Asn1Tag.GeneralizedTime)))
            {
                nextUpdate = ReadTime(tbs);
            }
            var revoked = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                var entries = tbs.ReadSequence();
                while (entries.HasData)
                {
                    var entry = entries.ReadSequence();
                    var serial = Convert.ToHexString(entry.ReadIntegerBytes().Span);
                    revoked.TryAdd(serial, ReadTime(entry));
                }
            }
            return new Crl(der.ToArray(), tbsBytes, algorithm, signature, issuer, thisUpdate, nextUpdate, revoked);
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();

    /// <summary>Whether <paramref name="issuer"/> signed this CRL (its name matches and its key verifies the signature).</summary>
    public bool IsSignedBy(X509Certificate2 issuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        return issuer.SubjectName.RawData.AsSpan().SequenceEqual(IssuerName) && IssuerSignature.Verifies(_tbs, _signatureAlgorithm, _signature, issuer);
    }

    /// <summary>When the certificate with this serial number was revoked, or null when this CRL does not list it.</summary>
    public DateTimeOffset? RevokedAt(ReadOnlySpan<byte> serialNumber)
    {
        var i = 0;
        while (i < serialNumber.Length - 1 && serialNumber[i] == 0 && serialNumber[i + 1] < 0x80) i++;
        return _revoked.TryGetValue(Convert.ToHexString(serialNumber[i..]), out var at) ? at : null;
    }
}
