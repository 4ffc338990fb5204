using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;

namespace Sigill.Pdf.Tests;

/// <summary>A fresh installation CA and organization certificate per test class; nothing is stored.</summary>
public sealed class Pki : IDisposable
{
    public static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public Pki()
    {
        Ca = InstallationCa.Create("Test", Now.AddDays(-1));
        Organization = Ca.IssueOrganizationCertificate("Åkesson & Söner AB", "org_01", Now.AddDays(-1));
        using var publicRoot = X509CertificateLoader.LoadCertificate(Ca.Certificate.RawData);
        Root = X509CertificateLoader.LoadCertificate(Ca.Certificate.RawData);
    }

    public InstallationCa Ca { get; }

    public X509Certificate2 Organization { get; }

    /// <summary>The root without its private key, as a verifier would have it.</summary>
    public X509Certificate2 Root { get; }

    public SignatureRequest Request(string field, int minute = 0, string? name = null) => new()
    {
        Certificate = Organization,
        Chain = [Root],
        FieldName = field,
        SigningTime = Now.AddMinutes(minute),
        SignerName = name ?? field,
        Reason = "I agree to the terms",
        Location = "Stockholm",
    };

    public void Dispose()
    {
        Organization.Dispose();
        Root.Dispose();
        Ca.Dispose();
    }
}

internal static class Samples
{
    public static DocumentModel Document(int pages = 3) => new("Offert för Ärlig Öl & Bröd GmbH",
    [
        new Heading("Översikt"),
        new Paragraph("Leverans av tjänster. Straße, Größe, å ä ö ß €, and enough words to wrap across the line width a few times so that wrapping is exercised properly in the renderer."),
        new PricingTable(
        [
            new PricingRow("Konsulttimmar", 12.5m, 1250.00m),
            new PricingRow("Licens (år)", 1, 9999.99m),
        ], "EUR"),
        .. Enumerable.Range(1, pages - 1).SelectMany(i => new DocumentBlock[] { new PageBreak(), new Heading($"Section {i}", 2), new Paragraph("Lorem ipsum dolor sit amet. " + string.Concat(Enumerable.Repeat("Consectetur adipiscing elit. ", 20))) }),
    ]);
}

/// <summary>Runs poppler's pdfsig and qpdf, which ./test.sh installs.</summary>
internal static class Tools
{
    public static (int ExitCode, string Output) Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new InvalidOperationException();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail($"{tool} is missing: run ./test.sh (installs poppler-utils, qpdf)");
            throw;
        }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, stdout.Result + stderr);
        }
    }

    public static string TempFile(byte[] bytes)
    {
        var path = Path.Combine(Path.GetTempPath(), "sigill-pdf-" + Guid.NewGuid().ToString("N") + ".pdf");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>pdfsig exits 0 even for invalid signatures, so its text is what counts.</summary>
    public static string PdfSig(byte[] pdf)
    {
        var path = TempFile(pdf);
        try
        {
            return Run("pdfsig", path).Output;
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>qpdf --check: exit 0 clean, 3 warnings only, 2 errors.</summary>
    public static (int ExitCode, string Output) QpdfCheck(byte[] pdf)
    {
        var path = TempFile(pdf);
        try
        {
            return Run("qpdf", "--check", path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static byte[] Qpdf(byte[] pdf, params string[] args)
    {
        var input = TempFile(pdf);
        var output = input + ".out.pdf";
        try
        {
            var (code, text) = Run("qpdf", [.. args, input, output]);
            Assert.True(code is 0 or 3, text);
            return File.ReadAllBytes(output);
        }
        finally
        {
            File.Delete(input);
            File.Delete(output);
        }
    }

    public static void AssertPdfSigAllValid(byte[] pdf, int expectedSignatures)
    {
        var text = PdfSig(pdf);
        var valid = CountOf(text, "Signature Validation: Signature is Valid.");
        Assert.True(valid == expectedSignatures, $"expected {expectedSignatures} valid signatures:\n{text}");
        var lastTotal = text.LastIndexOf("Total document signed", StringComparison.Ordinal);
        var lastNotTotal = text.LastIndexOf("Not total document signed", StringComparison.Ordinal);
        Assert.True(lastTotal >= 0 && lastTotal > lastNotTotal + "Not ".Length, $"the last signature should cover the whole document:\n{text}");
        Assert.Equal(expectedSignatures - 1, CountOf(text, "Not total document signed"));
    }

    public static void AssertQpdfClean(byte[] pdf)
    {
        var (code, text) = QpdfCheck(pdf);
        Assert.True(code == 0, $"qpdf --check exit {code}:\n{text}");
    }

    private static int CountOf(string text, string what)
    {
        var n = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }
}
