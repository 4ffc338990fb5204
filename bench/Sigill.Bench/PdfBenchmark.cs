using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Sigill.Pdf;

namespace Sigill.Bench;

/// <summary>
/// PDF signing budgets from issue 9: one incremental signature on plain-text 10/100/500-page PDFs
/// at most a third of an open-source peer's 7.9/26/124 ms (median after warm-up, every signature
/// valid); completing a 10-page, 3-signer, 20-field document (every signature, the certificate of
/// completion, the seal) in at most 100 ms p50; and sealing a 500-page ~20 MB PDF growing peak
/// memory by at most 200 MB.
/// </summary>
public static class PdfBenchmark
{
    /// <summary>How much work a run does: the full budgets, or a seconds-long smoke run of the same path (the test suite runs it).</summary>
    private sealed record Sizes(int Iterations, int WarmUp, int[] Pages, int SealPages, int SealBytesPerPage)
    {
        public static readonly Sizes Full = new(21, 3, [10, 100, 500], 500, 40_000);
        public static readonly Sizes Smoke = new(3, 1, [2, 10], 10, 4_000);
    }

    private static readonly Dictionary<int, double> PeerMs = new() { [10] = 7.9, [100] = 26.0, [500] = 124.0 };
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Runs the benchmark; returns 0 when every budget holds, 1 otherwise. With <paramref name="smoke"/> the sizes are tiny,
    /// budgets are printed but not judged, and only an invalid signature makes it return 1.
    /// </summary>
    public static Task<int> RunAsync(TextWriter output, bool smoke, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        return Task.Run(() => Run(output, smoke ? Sizes.Smoke : Sizes.Full, ct), ct);
    }

    private static int Run(TextWriter output, Sizes sizes, CancellationToken ct)
    {
        var smoke = sizes == Sizes.Smoke;
        var valid = true;
        using var ca = InstallationCa.Create("Bench", Now.AddDays(-1));
        using var org = ca.IssueOrganizationCertificate("Bench Org", "org_bench", Now.AddDays(-1));
        using var root = X509CertificateLoader.LoadCertificate(ca.Certificate.RawData);
        var ok = true;

        // Memory first, so earlier work does not set the process's peak.
        ok &= MeasureSealMemory(output, sizes, org, root, ref valid);
        ct.ThrowIfCancellationRequested();

        output.WriteLine(string.Format(CultureInfo.InvariantCulture, "PDF: one incremental signature (ECDSA P-256), median of {0} after {1} warm-up", sizes.Iterations, sizes.WarmUp));
        foreach (var pages in sizes.Pages)
        {
            ct.ThrowIfCancellationRequested();
            var pdf = DocumentRenderer.Render(PlainText(pages)).Bytes;
            var i = 0;
            byte[] last = [];
            var median = Median(sizes, () => last = IncrementalSigner.Sign(pdf, Request(org, root, "f" + i++)));
            var signed = PdfSignatureVerifier.Verify(last, [root]).IsValid;
            valid &= signed;
            // A page count without a peer figure (smoke sizes) is compared with the 10-page peer figure.
            var peerMs = PeerMs.GetValueOrDefault(pages, PeerMs[10]);
            var ratio = median / peerMs;
            var pass = signed && ratio <= 1.0 / 3;
            ok &= pass;
            output.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "  {0,3} pages ({1,7:N0} KB): {2,7:0.00} ms  peer {3,5:0.0} ms  ratio {4:0.000} (budget 0.333)  valid={5}  {6}",
                pages, pdf.Length / 1024, median, peerMs, ratio, signed, pass ? "PASS" : "FAIL"));
        }

        ct.ThrowIfCancellationRequested();
        var doc = DocumentRenderer.Render(PlainText(10)).Bytes;
        byte[] completed = [];
        var p50 = Median(sizes, () => completed = CompleteDocument(doc, org, root));
        var report = PdfSignatureVerifier.Verify(completed, [root]);
        valid &= report.IsValid && report.Signatures.Count == 4;
        var completePass = report.IsValid && report.Signatures.Count == 4 && p50 <= 100;
        ok &= completePass;
        output.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "PDF: complete 10 pages, 3 signers, 20 fields + certificate + seal: p50 {0:0.00} ms (budget 100)  signatures={1} valid={2}  {3}",
            p50, report.Signatures.Count, report.IsValid, completePass ? "PASS" : "FAIL"));

        ct.ThrowIfCancellationRequested();
        ok &= LongTermPdfBenchmark.Run(output, ca, org, root, (_, o, r, f) => Request(o, r, f), Certificate(), doc, sizes.Iterations, sizes.WarmUp);
        if (smoke)
        {
            output.WriteLine(valid ? "PDF: smoke run, budgets not judged; every signature valid" : "PDF: smoke run: a signature is not valid");
            return valid ? 0 : 1;
        }
        return ok ? 0 : 1;
    }

    private static bool MeasureSealMemory(TextWriter output, Sizes sizes, X509Certificate2 org, X509Certificate2 root, ref bool valid)
    {
        var big = BigPdf(sizes.SealPages, sizes.SealBytesPerPage);
        var certificate = Certificate();
        // Warm the code paths on a small file so JIT and font loading are not counted.
        IncrementalSigner.Complete(DocumentRenderer.Render(PlainText(1)).Bytes, certificate, Request(org, root, "seal"));
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        ResetPeakWorkingSet();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var baseline = process.WorkingSet64;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var sw = Stopwatch.StartNew();
        var sealedPdf = IncrementalSigner.Complete(big, certificate, Request(org, root, "seal"));
        sw.Stop();
        process.Refresh();
        var peakGrowth = process.PeakWorkingSet64 - baseline;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var heapPeak = GC.GetGCMemoryInfo(GCKind.Any).HeapSizeBytes;
        var sealedValid = PdfSignatureVerifier.Verify(sealedPdf, [root]).IsValid;
        valid &= sealedValid;
        var pass = sealedValid && peakGrowth <= 200L * 1024 * 1024;
        output.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "PDF: seal a {7}-page {0:0.0} MB PDF: {1:0} ms, peak working set +{2:0.0} MB (budget 200), allocated {3:0.0} MB, GC heap {4:0.0} MB, valid={5}  {6}",
            big.Length / 1048576.0, sw.Elapsed.TotalMilliseconds, peakGrowth / 1048576.0, allocated / 1048576.0, heapPeak / 1048576.0, sealedValid, pass ? "PASS" : "FAIL", sizes.SealPages));
        return pass;
    }

    // Linux: writing 5 to clear_refs resets VmHWM (the peak resident set), so the peak measured is this operation's.
    private static void ResetPeakWorkingSet()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Elsewhere the peak is the process's lifetime peak, which can only overstate growth... or hide it; noted in output.
        }
    }

    private static byte[] CompleteDocument(byte[] pdf, X509Certificate2 org, X509Certificate2 root)
    {
        // 20 fields over 3 signers (7 + 7 + 6), each signer's values stamped in their own signed revision.
        var field = 0;
        for (var s = 0; s < 3; s++)
        {
            var stamps = new List<PdfStamp>();
            for (var k = 0; k < (s < 2 ? 7 : 6); k++, field++)
            {
                stamps.Add(new PdfStamp(field % 10, 60 + (k % 2) * 250, 100 + 80 * k, 200, 24) { Text = $"Signer {s + 1} field {field}: Åsa Öberg" });
            }
            var request = Request(org, root, "signer" + s);
            pdf = IncrementalSigner.Sign(pdf, new SignatureRequest
            {
                Certificate = request.Certificate,
                Chain = request.Chain,
                FieldName = request.FieldName,
                SigningTime = Now.AddMinutes(s),
                SignerName = "Signer " + s,
                Stamps = stamps,
            });
        }
        return IncrementalSigner.Complete(pdf, Certificate(), Request(org, root, "seal"));
    }

    private static SignatureRequest Request(X509Certificate2 org, X509Certificate2 root, string field) => new()
    {
        Certificate = org,
        Chain = [root],
        FieldName = field,
        SigningTime = Now,
        SignerName = "Bench Signer",
        Reason = "Benchmark",
    };

    private static CompletionCertificate Certificate() => new()
    {
        DocumentTitle = "Benchmark document",
        DocumentId = "doc_bench",
        CompletedAt = Now,
        Signers = Enumerable.Range(1, 3).Select(i => new CompletionSigner($"Signer {i}", $"s{i}@example.com", Now, "192.0.2.1",
            "Mozilla/5.0", "E-mail link", new string('a', 64))).ToList(),
        AuditEvents = Enumerable.Range(1, 8).Select(i => new CompletionAuditEvent(Now, $"Event {i}", i, "bench/1")).ToList(),
        Hashes = [new DocumentHash(DocumentHashKind.Original, new string('d', 64))],
    };

    private static double Median(Sizes sizes, Action action)
    {
        for (var i = 0; i < sizes.WarmUp; i++) action();
        var samples = new double[sizes.Iterations];
        for (var i = 0; i < sizes.Iterations; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            samples[i] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(samples);
        return samples[sizes.Iterations / 2];
    }

    private static DocumentModel PlainText(int pages)
    {
        var text = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. ", 25));
        var blocks = new List<DocumentBlock>();
        for (var p = 0; p < pages; p++)
        {
            if (p > 0) blocks.Add(new PageBreak());
            blocks.Add(new Heading($"Page {p + 1}", 2));
            blocks.Add(new Paragraph(text));
        }
        return new DocumentModel("Plain text", blocks);
    }

    /// <summary>A valid PDF whose pages each draw an incompressible grey image of <paramref name="bytesPerPage"/> bytes.</summary>
    private static byte[] BigPdf(int pages, int bytesPerPage)
    {
        var side = (int)Math.Sqrt(bytesPerPage);
        using var ms = new MemoryStream();
        var offsets = new List<long>();
        void Ascii(string s) => ms.Write(Encoding.ASCII.GetBytes(s));
        void Begin() { offsets.Add(ms.Position); Ascii($"{offsets.Count} 0 obj\n"); }
        Ascii("%PDF-1.7\n%\u00e2\u00e3\n");
        Begin(); Ascii("<</Type/Catalog/Pages 2 0 R>>\nendobj\n");
        Begin();
        Ascii("<</Type/Pages/Count " + pages.ToString(CultureInfo.InvariantCulture) + "/Kids[");
        for (var p = 0; p < pages; p++) Ascii(string.Create(CultureInfo.InvariantCulture, $"{3 + 3 * p} 0 R "));
        Ascii("]>>\nendobj\n");
        var noise = new byte[side * side];
        for (var p = 0; p < pages; p++)
        {
            var page = 3 + 3 * p;
            Begin();
            Ascii(string.Create(CultureInfo.InvariantCulture,
                $"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents {page + 1} 0 R/Resources<</XObject<</Im0 {page + 2} 0 R>>>>>>\nendobj\n"));
            var content = $"q {side} 0 0 {side} 50 400 cm /Im0 Do Q\n";
            Begin();
            Ascii(string.Create(CultureInfo.InvariantCulture, $"<</Length {content.Length}>>\nstream\n{content}\nendstream\nendobj\n"));
            RandomNumberGenerator.Fill(noise);
            Begin();
            Ascii(string.Create(CultureInfo.InvariantCulture,
                $"<</Type/XObject/Subtype/Image/Width {side}/Height {side}/ColorSpace/DeviceGray/BitsPerComponent 8/Length {noise.Length}>>\nstream\n"));
            ms.Write(noise);
            Ascii("\nendstream\nendobj\n");
        }
        var xref = ms.Position;
        Ascii(string.Create(CultureInfo.InvariantCulture, $"xref\n0 {offsets.Count + 1}\n0000000000 65535 f \n"));
        foreach (var o in offsets) Ascii(string.Create(CultureInfo.InvariantCulture, $"{o:D10} 00000 n \n"));
        Ascii(string.Create(CultureInfo.InvariantCulture, $"trailer\n<</Size {offsets.Count + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n"));
        return ms.ToArray();
    }
}
