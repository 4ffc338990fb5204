using System.Text;
using UglyToad.PdfPig;

namespace Sigill.Pdf.Tests;

public sealed class IncrementalSignerTests(Pki pki) : IClassFixture<Pki>
{
    private static byte[] SignThree(Pki pki, byte[] pdf)
    {
        var once = IncrementalSigner.Sign(pdf, pki.Request("signer1", 1, "Åsa Öberg"));
        var twice = IncrementalSigner.Sign(once, pki.Request("signer2", 2, "Jürgen Groß"));
        return IncrementalSigner.Sign(twice, pki.Request("signer3", 3));
    }

    [Fact]
    public void Three_sequential_signatures_on_a_rendered_pdf_are_all_valid()
    {
        var pdf = DocumentRenderer.Render(Samples.Document()).Bytes;
        var signed = SignThree(pki, pdf);

        Assert.Equal(pdf, signed.AsSpan(0, pdf.Length).ToArray());
        var report = PdfSignatureVerifier.Verify(signed, [pki.Root]);
        Assert.True(report.IsValid, string.Join("\n", report.Signatures.SelectMany(s => s.Problems)));
        Assert.Equal(["signer1", "signer2", "signer3"], report.Signatures.Select(s => s.FieldName));
        Assert.Equal([false, false, true], report.Signatures.Select(s => s.CoversWholeFile));
        Assert.Equal(Pki.Now.AddMinutes(3), report.Signatures[2].SigningTime);
        Tools.AssertPdfSigAllValid(signed, 3);
        Tools.AssertQpdfClean(signed);
    }

    [Fact]
    public void Three_sequential_signatures_on_a_pdf_with_an_xref_stream_are_all_valid()
    {
        var pdf = Tools.Qpdf(DocumentRenderer.Render(Samples.Document()).Bytes, "--object-streams=generate");
        Assert.Contains("/XRef"u8.ToArray(), Chunks(pdf));
        var signed = SignThree(pki, pdf);

        var report = PdfSignatureVerifier.Verify(signed, [pki.Root]);
        Assert.True(report.IsValid, string.Join("\n", report.Signatures.SelectMany(s => s.Problems)));
        Assert.Equal(3, report.Signatures.Count);
        Tools.AssertPdfSigAllValid(signed, 3);
        Tools.AssertQpdfClean(signed);
        using var doc = PdfDocument.Open(signed);
        Assert.Equal(3, doc.NumberOfPages);
    }

    [Fact]
    public void Rsa_certificates_sign_as_well_as_ecdsa()
    {
        using var rsaKey = System.Security.Cryptography.RSA.Create(2048);
        var req = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=RSA Signer", rsaKey,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var rsaCert = req.CreateSelfSigned(Pki.Now.AddDays(-1), Pki.Now.AddDays(30));
        var pdf = DocumentRenderer.Render(Samples.Document(1)).Bytes;
        var signed = IncrementalSigner.Sign(pdf, new SignatureRequest { Certificate = rsaCert, FieldName = "rsa", SigningTime = Pki.Now });

        var report = PdfSignatureVerifier.Verify(signed, [rsaCert]);
        Assert.True(report.IsValid, string.Join("\n", report.Signatures.SelectMany(s => s.Problems)));
        Tools.AssertPdfSigAllValid(signed, 1);
    }

    [Fact]
    public void Completion_page_and_seal_keep_every_earlier_signature_valid()
    {
        var pdf = DocumentRenderer.Render(Samples.Document()).Bytes;
        var signed = SignThree(pki, pdf);
        var sealedPdf = IncrementalSigner.Complete(signed, Certificate(), pki.Request("seal", 10, "Sigill seal"));
        if (Environment.GetEnvironmentVariable("SIGILL_PDF_DUMP") is { Length: > 0 } dump) File.WriteAllBytes(dump, sealedPdf);

        var report = PdfSignatureVerifier.Verify(sealedPdf, [pki.Root]);
        Assert.True(report.IsValid, string.Join("\n", report.Signatures.SelectMany(s => s.Problems)));
        Assert.Equal(4, report.Signatures.Count);
        Assert.Equal("seal", report.Signatures[^1].FieldName);
        Tools.AssertPdfSigAllValid(sealedPdf, 4);
        Tools.AssertQpdfClean(sealedPdf);
        using var doc = PdfDocument.Open(sealedPdf);
        Assert.Equal(4, doc.NumberOfPages);
        var text = doc.GetPage(4).Text;
        Assert.Contains("Certificate", text, StringComparison.Ordinal);
        Assert.Contains("Åsa", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_root_travels_once_in_the_first_signature_and_every_signature_still_verifies_against_it()
    {
        var signed = SignThree(pki, DocumentRenderer.Render(Samples.Document()).Bytes);
        var sealedPdf = IncrementalSigner.Complete(signed, Certificate(), pki.Request("seal", 10, "Sigill seal"));

        // Each CMS carries the signer's certificate; only the first also carries the root (pdfsig 22.12 mishandled a
        // root repeated in later signatures: "Unknown issue with Certificate or corrupted data").
        var carried = Sigill.Pdf.LongTerm.SignatureEntries.Read(sealedPdf).Select(e => e.Cms()!.Certificates.Select(c => c.Thumbprint).ToList()).ToList();
        Assert.Equal(4, carried.Count);
        Assert.Equal(2, carried[0].Count);
        Assert.Contains(pki.Organization.Thumbprint, carried[0]);
        Assert.Contains(pki.Root.Thumbprint, carried[0]);
        Assert.All(carried.Skip(1), c => Assert.Equal([pki.Organization.Thumbprint], c));
        Assert.Equal([pki.Root.Thumbprint], Sigill.Pdf.LongTerm.LongTermValidation.EmbeddedRoots(sealedPdf).Select(r => r.Thumbprint));
        var report = PdfSignatureVerifier.Verify(sealedPdf, [pki.Root]);
        Assert.True(report.IsValid, string.Join("\n", report.Signatures.SelectMany(s => s.Problems)));
        Assert.Equal(4, report.Signatures.Count);
    }

    [Fact]
    public void Flipping_one_byte_in_a_signed_range_fails_that_signature()
    {
        var pdf = DocumentRenderer.Render(Samples.Document(1)).Bytes;
        var signed = SignThree(pki, pdf);
        var report = PdfSignatureVerifier.Verify(signed, [pki.Root]);
        Assert.True(report.IsValid);

        // Somewhere in the original page content (covered by all three signatures).
        var tampered = (byte[])signed.Clone();
        tampered[pdf.Length / 2] ^= 0x01;
        var after = PdfSignatureVerifier.Verify(tampered, [pki.Root]);
        Assert.False(after.IsValid);
        Assert.All(after.Signatures, s => Assert.False(s.IsValid));

        // Inside the last revision, before its /Contents: only the last signature covers it.
        var lastRevision = signed.Length - 300;
        tampered = (byte[])signed.Clone();
        tampered[lastRevision] ^= 0x20;
        after = PdfSignatureVerifier.Verify(tampered, [pki.Root]);
        Assert.False(after.IsValid);
        Assert.False(after.Signatures[^1].IsValid);
    }

    [Fact]
    public void Garbage_appended_after_the_seal_is_reported_as_not_covering_the_whole_file()
    {
        var signed = IncrementalSigner.Sign(DocumentRenderer.Render(Samples.Document(1)).Bytes, pki.Request("only"));
        var extended = signed.Concat(Encoding.ASCII.GetBytes("\n% appended later\n")).ToArray();

        var report = PdfSignatureVerifier.Verify(extended, [pki.Root]);
        Assert.True(report.Signatures[0].IsValid);
        Assert.False(report.LastSignatureCoversWholeFile);
        Assert.False(report.IsValid);
    }

    [Fact]
    public void A_signature_from_an_untrusted_root_is_not_valid()
    {
        using var other = new Pki();
        var signed = IncrementalSigner.Sign(DocumentRenderer.Render(Samples.Document(1)).Bytes, other.Request("x"));

        var report = PdfSignatureVerifier.Verify(signed, [pki.Root]);
        Assert.False(report.IsValid);
        Assert.Contains(report.Signatures[0].Problems, p => p.Contains("trusted root", StringComparison.Ordinal));
    }

    [Fact]
    public void A_typed_name_stamp_is_drawn_on_the_page_in_the_signed_revision()
    {
        var pdf = DocumentRenderer.Render(Samples.Document(2)).Bytes;
        var request = pki.Request("s1", 1);
        var signed = IncrementalSigner.Sign(pdf, new SignatureRequest
        {
            Certificate = request.Certificate,
            Chain = request.Chain,
            FieldName = "s1",
            SigningTime = request.SigningTime,
            PageIndex = 1,
            Stamps = [new PdfStamp(1, 60, 600, 200, 40) { Text = "Åsa Öberg" }],
        });

        Assert.True(PdfSignatureVerifier.Verify(signed, [pki.Root]).IsValid);
        Tools.AssertPdfSigAllValid(signed, 1);
        Tools.AssertQpdfClean(signed);
        using var doc = PdfDocument.Open(signed);
        Assert.Contains("Åsa Öberg", doc.GetPage(2).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_name_that_already_exists_is_refused()
    {
        var signed = IncrementalSigner.Sign(DocumentRenderer.Render(Samples.Document(1)).Bytes, pki.Request("dup"));
        Assert.Throws<ArgumentException>(() => IncrementalSigner.Sign(signed, pki.Request("dup")));
    }

    internal static CompletionCertificate Certificate() => new()
    {
        DocumentTitle = "Offert för Ärlig Öl & Bröd GmbH",
        DocumentId = "doc_eu_01J9",
        CompletedAt = Pki.Now.AddMinutes(10),
        Signers =
        [
            new CompletionSigner("Åsa Öberg", "asa@example.se", Pki.Now.AddMinutes(1), "192.0.2.10", "Mozilla/5.0 (X11; Linux x86_64)", "E-mail link + one-time code", new string('a', 64)),
            new CompletionSigner("Jürgen Groß", "jg@example.de", Pki.Now.AddMinutes(2), "2001:db8::1", "Mozilla/5.0 (Macintosh)", "E-mail link", new string('b', 64)),
            new CompletionSigner("signer3", "s3@example.com", Pki.Now.AddMinutes(3), "198.51.100.7", "curl/8", "SSO (SAML)", new string('c', 64)),
        ],
        AuditEvents =
        [
            new CompletionAuditEvent(Pki.Now, "Document sent", 41, "eu.sigill.example/0000123"),
            new CompletionAuditEvent(Pki.Now.AddMinutes(3), "Document completed", 47, "eu.sigill.example/0000125"),
        ],
        Hashes = [new DocumentHash(DocumentHashKind.Original, new string('d', 64))],
    };

    private static IEnumerable<byte[]> Chunks(byte[] pdf)
    {
        // xunit's Contains over sequences: yields the marker if present anywhere.
        if (pdf.AsSpan().IndexOf("/XRef"u8) >= 0) yield return "/XRef"u8.ToArray();
    }
}
