using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Sigill.Pdf.LongTerm;
using Sigill.Pdf.Syntax;
using Sigill.Pdf.Timestamps;
using Sigill.Tests.Support;

namespace Sigill.Pdf.Tests;

/// <summary>
/// PAdES B-T, B-LT and B-LTA against a TSA that is not Sigill's (OpenSSL), checked by Sigill's verifier and
/// independently by <c>openssl ts -verify</c>, pdfsig and qpdf.
/// </summary>
public sealed class LongTermSignatureTests : IDisposable
{
    private readonly Pki _pki = new();
    private readonly OpenSslTsa _tsa = new();
    private readonly HttpClient _http = new();

    private TimestampClient Client(params Uri[] urls) => Client(_tsa.Root, urls);

    private TimestampClient Client(X509Certificate2 anchor, params Uri[] urls) => new(_http,
        (urls.Length == 0 ? [_tsa.Url] : urls).Select(u => new TimestampServer(u)).ToList(),
        new TimestampClientSettings { Timeout = TimeSpan.FromSeconds(5) }, [anchor], TimeProvider.System);

    private IRevocationSource Crls(params X509Certificate2[] revokedByRegion) => new CrlSetSource(
    [
        _pki.Ca.BuildCrl(revokedByRegion.Select(c => new RevokedCertificate(c.SerialNumberBytes.ToArray(), DateTimeOffset.UtcNow.AddHours(-1), X509RevocationReason.KeyCompromise)),
            1, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(7)),
        _tsa.Crl(),
    ]);

    private async Task<byte[]> SealedWithTimestampsAsync()
    {
        var pdf = DocumentRenderer.Render(Samples.Document(2)).Bytes;
        pdf = await IncrementalSigner.SignAsync(pdf, _pki.Request("Signer 1"), Client(), CancellationToken.None);
        pdf = await IncrementalSigner.SignAsync(pdf, _pki.Request("Signer 2", 1), Client(), CancellationToken.None);
        return pdf;
    }

    [Fact]
    public async Task A_file_extended_with_a_dss_and_a_document_timestamp_is_b_lta_and_every_independent_tool_agrees()
    {
        var signed = await SealedWithTimestampsAsync();
        var (pdf, gaps) = await LongTermValidation.ExtendAsync(signed, Crls(), Client(), CancellationToken.None);

        Assert.Empty(gaps);
        var report = PdfSignatureVerifier.Verify(pdf, [_pki.Root], [_tsa.Root]);
        Assert.True(report.IsValid, string.Join("\n", report.Signatures.SelectMany(s => s.Problems)));
        Assert.Equal("B-LTA", report.Level);
        Assert.Equal(["signature", "signature", "document timestamp"], report.Signatures.Select(s => s.Kind));
        Assert.All(report.Signatures.Where(s => s.Kind == "signature"), s => Assert.Equal("B-LTA", s.Level));
        Assert.All(report.Signatures, s => Assert.Equal(_tsa.Certificate.Subject, s.TimestampAuthority));

        // openssl ts -verify on every token: the signature timestamps over the signature values, the document timestamp over the byte ranges.
        var tokens = ExtractTokens(pdf);
        Assert.Equal(3, tokens.Count);
        foreach (var (token, digest) in tokens)
        {
            var (code, text) = _tsa.OpenSslVerify(token, digest);
            Assert.True(code == 0 && text.Contains("Verification: OK", StringComparison.Ordinal), text);
        }

        // pdfsig: both CAdES signatures valid, and the document timestamp the last revision, covering the whole file.
        // pdfsig 22.12 cannot check ETSI.RFC3161 ("Unable to validate this type of signature"): openssl did above.
        var pdfsig = Tools.PdfSig(pdf);
        Assert.True(2 == CountOf(pdfsig, "Signature Validation: Signature is Valid."), pdfsig);
        Assert.True(pdfsig.IndexOf("Sigill document timestamp 1", StringComparison.Ordinal) > pdfsig.LastIndexOf("Signature is Valid.", StringComparison.Ordinal), pdfsig);
        Assert.True(pdfsig.LastIndexOf("Total document signed", StringComparison.Ordinal) > pdfsig.LastIndexOf("Not total document signed", StringComparison.Ordinal) + 4, pdfsig);
        Tools.AssertQpdfClean(pdf);

        // The DSS holds exactly the two chains (organization + region root, TSA + its root) and one CRL per issuer.
        var file = PdfFile.Open(pdf);
        var dss = file.ResolveDict(file.Catalog.Get("DSS"))!;
        var certs = Streams(file, dss, "Certs").Select(Convert.ToHexString).Order().ToList();
        Assert.Equal(new[] { _pki.Organization, _pki.Root, _tsa.Certificate, _tsa.Root }.Select(c => Convert.ToHexString(c.RawData)).Order().ToList(), certs);
        var crls = Streams(file, dss, "CRLs").Select(d => Revocation.Crl.TryParse(d)!).ToList();
        Assert.Equal(2, crls.Count);
        Assert.Contains(crls, c => c.IsSignedBy(_pki.Root));
        Assert.Contains(crls, c => c.IsSignedBy(_tsa.Root));
    }

    [Fact]
    public void A_signature_without_a_timestamp_is_reported_as_only_b_with_the_reason()
    {
        var pdf = IncrementalSigner.Sign(DocumentRenderer.Render(Samples.Document(1)).Bytes, _pki.Request("Signer"));

        var report = PdfSignatureVerifier.Verify(pdf, [_pki.Root]);

        Assert.True(report.IsValid);
        Assert.Equal("B", report.Level);
        Assert.Contains(report.Signatures[0].LevelGaps, g => g.Contains("no signature timestamp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_timestamped_signature_without_a_dss_is_b_t_and_says_the_dss_is_missing()
    {
        var pdf = await SealedWithTimestampsAsync();

        var report = PdfSignatureVerifier.Verify(pdf, [_pki.Root], [_tsa.Root]);

        Assert.True(report.IsValid, string.Join("\n", report.Signatures.SelectMany(s => s.Problems)));
        Assert.Equal("B-T", report.Level);
        Assert.Contains(report.Signatures[0].LevelGaps, g => g.Contains("no DSS", StringComparison.Ordinal));
        Tools.AssertPdfSigAllValid(pdf, 2);
    }

    [Fact]
    public async Task A_dss_without_a_document_timestamp_after_it_is_b_lt_not_b_lta()
    {
        var signed = await SealedWithTimestampsAsync();
        var data = await LongTermValidation.CollectAsync(signed, Crls(), CancellationToken.None);
        var pdf = DocumentSecurityStore.Append(signed, data);

        var report = PdfSignatureVerifier.Verify(pdf, [_pki.Root], [_tsa.Root]);

        Assert.Equal("B-LT", report.Level);
        Assert.Contains(report.Signatures[0].LevelGaps, g => g.Contains("no valid document timestamp covers the DSS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Missing_revocation_data_keeps_the_file_at_b_t_and_names_what_is_missing()
    {
        var signed = await SealedWithTimestampsAsync();
        var (pdf, gaps) = await LongTermValidation.ExtendAsync(signed, new CrlSetSource([_tsa.Crl()]), Client(), CancellationToken.None);

        Assert.Contains(gaps, g => g.Contains("no CRL could be had", StringComparison.Ordinal));
        var report = PdfSignatureVerifier.Verify(pdf, [_pki.Root], [_tsa.Root]);
        Assert.Equal("B-T", report.Level);
        Assert.Contains(report.Signatures[0].LevelGaps, g => g.Contains("the DSS has no CRL of " + _pki.Root.Subject, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_tsa_that_is_down_makes_signing_fail_instead_of_producing_a_signature_without_a_time()
    {
        _tsa.Fault = TsaFault.Down;
        var pdf = DocumentRenderer.Render(Samples.Document(1)).Bytes;

        var e = await Assert.ThrowsAsync<TimestampException>(() => IncrementalSigner.SignAsync(pdf, _pki.Request("Signer"), Client(), CancellationToken.None));

        Assert.Equal(TimestampFailure.Unavailable, e.Failure);
        Assert.Contains("HTTP 503", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_next_tsa_is_tried_when_the_first_does_not_answer()
    {
        using var down = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        down.Start();
        var closed = new Uri($"http://127.0.0.1:{((System.Net.IPEndPoint)down.LocalEndpoint).Port}/tsa");
        down.Stop(); // nothing listens there now

        var pdf = await IncrementalSigner.SignAsync(DocumentRenderer.Render(Samples.Document(1)).Bytes, _pki.Request("Signer"), Client(closed, _tsa.Url), CancellationToken.None);

        Assert.Equal("B-T", PdfSignatureVerifier.Verify(pdf, [_pki.Root], [_tsa.Root]).Level);
    }

    [Theory]
    [InlineData(TsaFault.WrongImprint, "wrong imprint", false)]
    [InlineData(TsaFault.WrongNonce, "wrong nonce", false)]
    [InlineData(TsaFault.WrongImprint, "wrong imprint", true)]
    [InlineData(TsaFault.WrongNonce, "wrong nonce", true)]
    public async Task A_tsa_answering_another_request_is_refused(TsaFault fault, string reason, bool tsaCheckedBefore)
    {
        var client = Client();
        var pdf = DocumentRenderer.Render(Samples.Document(1)).Bytes;
        if (tsaCheckedBefore) await IncrementalSigner.SignAsync(pdf, _pki.Request("Signer"), client, CancellationToken.None); // its certificate's path is remembered
        var asked = _tsa.Requests;
        _tsa.Fault = fault;

        var e = await Assert.ThrowsAsync<TimestampException>(() => IncrementalSigner.SignAsync(pdf, _pki.Request("Signer"), client, CancellationToken.None));

        Assert.Equal(TimestampFailure.Invalid, e.Failure);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Equal(asked + 1, _tsa.Requests);
    }

    [Fact]
    public async Task A_tsa_whose_certificate_does_not_chain_to_a_configured_anchor_is_refused()
    {
        using var other = new OpenSslTsa("Other TSA");

        var e = await Assert.ThrowsAsync<TimestampException>(() =>
            IncrementalSigner.SignAsync(DocumentRenderer.Render(Samples.Document(1)).Bytes, _pki.Request("Signer"), Client(other.Root, _tsa.Url), CancellationToken.None));

        Assert.Equal(TimestampFailure.Invalid, e.Failure);
        Assert.Contains("untrusted TSA", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_revoked_before_the_timestamped_time_makes_the_signature_invalid()
    {
        var signed = await SealedWithTimestampsAsync();
        var (pdf, _) = await LongTermValidation.ExtendAsync(signed, Crls(_pki.Organization), Client(), CancellationToken.None);

        var report = PdfSignatureVerifier.Verify(pdf, [_pki.Root], [_tsa.Root]);

        Assert.False(report.IsValid);
        Assert.All(report.Signatures.Where(s => s.Kind == "signature"), s => Assert.Contains(s.Problems, p => p.Contains("was revoked at", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Renewal_adds_a_second_document_timestamp_and_the_file_stays_b_lta()
    {
        var (once, _) = await LongTermValidation.ExtendAsync(await SealedWithTimestampsAsync(), Crls(), Client(), CancellationToken.None);

        var (twice, gaps) = await LongTermValidation.ExtendAsync(once, Crls(), Client(), CancellationToken.None);

        Assert.Empty(gaps);
        Assert.Equal(once, twice.AsSpan(0, once.Length).ToArray());
        var report = PdfSignatureVerifier.Verify(twice, [_pki.Root], [_tsa.Root]);
        Assert.True(report.IsValid, string.Join("\n", report.Signatures.SelectMany(s => s.Problems)));
        Assert.Equal("B-LTA", report.Level);
        Assert.Equal(2, report.Signatures.Count(s => s.Kind == "document timestamp"));
        Tools.AssertQpdfClean(twice);
    }

    [Fact]
    public async Task The_built_in_tsa_gives_tokens_every_verifier_checks_the_same_way()
    {
        using var tsaCert = _pki.Ca.IssueTimestampCertificate("test", DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromDays(365));
        var local = new LocalTimestampAuthority(tsaCert, [_pki.Root], TimeProvider.System);

        var pdf = await IncrementalSigner.SignAsync(DocumentRenderer.Render(Samples.Document(1)).Bytes, _pki.Request("Signer"), local, CancellationToken.None);
        var (extended, gaps) = await LongTermValidation.ExtendAsync(pdf, Crls(), local, CancellationToken.None);

        Assert.Empty(gaps);
        var report = PdfSignatureVerifier.Verify(extended, [_pki.Root]);
        Assert.True(report.IsValid, string.Join("\n", report.Signatures.SelectMany(s => s.Problems)));
        Assert.Equal("B-LTA", report.Level);
        Assert.Contains("operator's clock", report.Signatures[0].TimestampAuthority, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_built_in_tsa_never_refuses_to_issue_whatever_serial_it_draws()
    {
        // A random serial whose first byte is 0x00 followed by one below 0x80 is not valid DER; .NET refuses it. One
        // token in 512 used to fail that way: 3,000 tokens would have met it with a probability of 99.7 %.
        using var tsaCert = _pki.Ca.IssueTimestampCertificate("test", DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromDays(365));
        var local = new LocalTimestampAuthority(tsaCert, [_pki.Root], TimeProvider.System);
        var digest = SHA256.HashData("serials"u8);
        for (var i = 0; i < 3000; i++)
        {
            var token = await local.TimestampAsync(digest, CancellationToken.None);
            Assert.True(System.Security.Cryptography.Pkcs.Rfc3161TimestampToken.TryDecode(token, out var decoded, out _));
            Assert.True(decoded!.TokenInfo.GetSerialNumber().Span[0] is >= 0x40 and < 0x80);
        }
    }

    /// <summary>Each token with the SHA-256 digest it must cover.</summary>
    private static List<(byte[] Token, byte[] Digest)> ExtractTokens(byte[] pdf)
    {
        var result = new List<(byte[], byte[])>();
        foreach (var e in SignatureEntries.Read(pdf))
        {
            if (e.IsDocumentTimestamp)
            {
                var signed = pdf.AsSpan(0, (int)e.ByteRange[1]).ToArray().Concat(pdf.AsSpan((int)e.ByteRange[2], (int)e.ByteRange[3]).ToArray()).ToArray();
                result.Add((e.Contents!, SHA256.HashData(signed)));
                continue;
            }
            var cms = e.Cms()!;
            result.Add((e.TimestampToken()!, SHA256.HashData(cms.SignerInfos[0].GetSignature())));
        }
        return result;
    }

    private static List<byte[]> Streams(PdfFile file, PdfDict dss, string key)
    {
        var result = new List<byte[]>();
        foreach (var item in (PdfArray)file.Resolve(dss.Get(key))!)
        {
            using var data = file.Decode((PdfStream)file.Resolve(item)!);
            result.Add(data.Span.ToArray());
        }
        return result;
    }

    private static int CountOf(string text, string what)
    {
        var n = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }

    [Fact]
    public void A_certificate_path_skips_an_impostor_ca_with_the_same_name_whose_key_did_not_sign()
    {
        // Same installation name, so the same subject as the real root, but another key: what a hostile file could
        // put in its DSS to steer the revocation check to a CRL of its own.
        using var impostor = InstallationCa.Create("Test", Pki.Now.AddDays(-1));
        using var impostorRoot = X509CertificateLoader.LoadCertificate(impostor.Certificate.RawData);
        Assert.Equal(_pki.Root.Subject, impostorRoot.Subject);

        var path = SignatureEntries.PathOf(_pki.Organization, [impostorRoot, _pki.Organization, _pki.Root]);
        Assert.Equal([_pki.Organization.Thumbprint, _pki.Root.Thumbprint], path.Select(c => c.Thumbprint));

        var alone = SignatureEntries.PathOf(_pki.Organization, [impostorRoot]);
        Assert.Equal([_pki.Organization.Thumbprint], alone.Select(c => c.Thumbprint)); // no issuer found: the path ends, it is not completed with the impostor
    }

    [Fact]
    public async Task Validation_data_appended_after_the_document_timestamp_keeps_the_file_valid_and_anything_more_does_not()
    {
        var (pdf, _) = await LongTermValidation.ExtendAsync(await SealedWithTimestampsAsync(), Crls(), Client(), CancellationToken.None);
        var newerCrl = _pki.Ca.BuildCrl([], 2, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(7));

        // What @libpdf/core does: the document timestamp's own validation data in a DSS after it.
        var withDss = DocumentSecurityStore.Append(pdf, new ValidationData([], [newerCrl]));
        var report = PdfSignatureVerifier.Verify(withDss, [_pki.Root], [_tsa.Root]);
        Assert.False(report.LastSignatureCoversWholeFile);
        Assert.True(report.OnlyValidationDataAfterLastSignature);
        Assert.True(report.IsValid);

        // A drawn stamp after the last signature changes a page: invalid.
        var stamped = IncrementalSigner.Stamp(pdf, [new PdfStamp(0, 100, 100, 200, 20) { Text = "Paid in full" }]);
        Assert.False(PdfSignatureVerifier.Verify(stamped, [_pki.Root], [_tsa.Root]).IsValid);

        // A DSS whose catalog also gains an action: invalid, though it looks like validation data.
        var file = PdfFile.Open(pdf);
        var builder = new RevisionBuilder(file);
        builder.SetCatalogEntry("DSS", builder.AddObject(new PdfDict { ["CRLs"] = new PdfArray([builder.AddStream(newerCrl)]) }));
        builder.SetCatalogEntry("OpenAction", builder.AddObject(new PdfDict { ["S"] = new PdfName("JavaScript"), ["JS"] = new PdfString("app.alert(1)"u8.ToArray()) }));
        var sneaky = pdf.Concat(builder.Finish()).ToArray();
        var sneakyReport = PdfSignatureVerifier.Verify(sneaky, [_pki.Root], [_tsa.Root]);
        Assert.False(sneakyReport.OnlyValidationDataAfterLastSignature);
        Assert.False(sneakyReport.IsValid);
    }

    public void Dispose()
    {
        _http.Dispose();
        _tsa.Dispose();
        _pki.Dispose();
    }
}
