using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Sigill.Pdf.Timestamps;
using Sigill.Tests.Support;

namespace Sigill.Pdf.Tests;

/// <summary>
/// The short path for tokens of a TSA certificate checked before (<see cref="KnownTsaTokens"/>): it accepts such a
/// token as it came, and refuses every change to what the TSA signed, to the certificate naming it, or to what was
/// asked, leaving those to the full check (which says why).
/// </summary>
public sealed class KnownTsaTokensTests : IDisposable
{
    private static readonly HashAlgorithmName Sha256 = HashAlgorithmName.SHA256;
    private readonly OpenSslTsa _tsa = new();
    private readonly HttpClient _http = new();

    private TimestampClient Client() => new(_http, [new TimestampServer(_tsa.Url)], new TimestampClientSettings { Timeout = TimeSpan.FromSeconds(5) }, [_tsa.Root], TimeProvider.System);

    [Fact]
    public async Task A_token_is_accepted_on_the_short_path_only_once_its_tsa_certificate_passed_the_full_check()
    {
        var digest = SHA256.HashData("contract v1"u8);
        var token = await Client().TimestampAsync(digest, CancellationToken.None);
        var trusted = new TrustedChains();

        Assert.Null(KnownTsaTokens.TryCheck(token, digest, Sha256, default, trusted));
        var full = TimestampTokens.Check(TimestampTokens.Decode(token), digest, Sha256, default, [_tsa.Root], trusted);
        var quick = KnownTsaTokens.TryCheck(token, digest, Sha256, default, trusted);

        Assert.NotNull(quick);
        Assert.Equal(full.Time, quick.Time);
        Assert.Equal(_tsa.Certificate.RawData, quick.Signer.RawData);
        Assert.Equal(full.Chain.Select(c => c.Thumbprint), quick.Chain.Select(c => c.Thumbprint));
        Assert.Null(KnownTsaTokens.TryCheck(token, SHA256.HashData("contract v2"u8), Sha256, default, trusted));
        Assert.Null(KnownTsaTokens.TryCheck(token, digest, Sha256, [0x11, 0x22, 0x33], trusted));

        // A token of another TSA whose certificate nobody checked: the full check must decide (and refuses it).
        using var other = new OpenSslTsa("Other TSA");
        var foreign = await new TimestampClient(_http, [new TimestampServer(other.Url)], new TimestampClientSettings(), [other.Root], TimeProvider.System)
            .TimestampAsync(digest, CancellationToken.None);
        Assert.Null(KnownTsaTokens.TryCheck(foreign, digest, Sha256, default, trusted));
    }

    [Fact]
    public async Task Every_single_byte_change_to_what_the_tsa_signed_or_to_its_certificate_is_refused_on_the_short_path()
    {
        var digest = SHA256.HashData("contract v1"u8);
        var token = await Client().TimestampAsync(digest, CancellationToken.None);
        var trusted = new TrustedChains();
        TimestampTokens.Check(TimestampTokens.Decode(token), digest, Sha256, default, [_tsa.Root], trusted);
        Assert.NotNull(KnownTsaTokens.TryCheck(token, digest, Sha256, default, trusted));

        // Where the signed parts sit in the token: the TSTInfo, each signed attribute's value, the signature, the TSA's certificate.
        var cms = new SignedCms();
        cms.Decode(token);
        var signer = cms.SignerInfos[0];
        var parts = new List<byte[]> { cms.ContentInfo.Content, signer.GetSignature(), _tsa.Certificate.RawData };
        parts.AddRange(signer.SignedAttributes.Cast<CryptographicAttributeObject>().Select(a => a.Values[0].RawData));
        var guarded = new bool[token.Length];
        foreach (var part in parts)
        {
            var at = token.AsSpan().IndexOf(part);
            Assert.True(at >= 0);
            for (var i = at; i < at + part.Length; i++) guarded[i] = true;
        }

        for (var i = 0; i < token.Length; i++)
        {
            var mutant = (byte[])token.Clone();
            mutant[i] ^= 0x01;
            var quick = KnownTsaTokens.TryCheck(mutant, digest, Sha256, default, trusted);
            if (guarded[i]) Assert.True(quick is null, $"byte {i} of {token.Length} changed, and the short path still accepted the token");
            if (quick is not null)
            {
                // Whatever the short path accepts, the full check (and so the verifier of the stored PDF) accepts alike.
                var full = Record.Exception(() => Assert.Equal(quick.Time, TimestampTokens.Check(TimestampTokens.Decode(mutant), digest, Sha256, default, [_tsa.Root]).Time));
                Assert.True(full is null, $"byte {i}: the short path accepted what the full check refuses: {full?.Message}");
            }
        }

        // Parts the short path does not read are not let through either: an extra certificate, unsigned attributes.
        var cmsWithExtra = new SignedCms();
        cmsWithExtra.Decode(token);
        cmsWithExtra.AddCertificate(X509CertificateLoader.LoadCertificate(OtherCertificate()));
        Assert.Null(KnownTsaTokens.TryCheck(cmsWithExtra.Encode(), digest, Sha256, default, trusted));
        var cmsWithUnsigned = new SignedCms();
        cmsWithUnsigned.Decode(token);
        cmsWithUnsigned.SignerInfos[0].AddUnsignedAttribute(new AsnEncodedData(new Oid("1.2.840.113549.1.9.16.2.14"), [0x30, 0x00]));
        Assert.Null(KnownTsaTokens.TryCheck(cmsWithUnsigned.Encode(), digest, Sha256, default, trusted));
    }

    private static byte[] OtherCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=Unrelated", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.RawData;
    }

    public void Dispose()
    {
        _http.Dispose();
        _tsa.Dispose();
    }
}
