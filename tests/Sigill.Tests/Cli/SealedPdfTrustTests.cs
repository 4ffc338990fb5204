using System.Diagnostics;
using System.Globalization;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Cli;

/// <summary>A sealed PDF from the real flow (`sigill demo`), its region root from `sigill pki root`, and the verifiers that pin it.</summary>
public sealed class SealedPdfTrustTests(SealedPdfTrustTests.DemoRun demo) : IClassFixture<SealedPdfTrustTests.DemoRun>
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task With_the_installation_root_trusted_in_an_nss_database_pdfsig_reports_every_signature_the_seal_included_valid_and_trusted()
    {
        var nss = Path.Combine(demo.Folder, "nssdb");
        Directory.CreateDirectory(nss);
        Assert.Equal(0, (await RunAsync("certutil", "-N", "-d", "sql:" + nss, "--empty-password")).ExitCode);
        // ",C,": trusted to issue e-mail (S/MIME) signers, the usage pdfsig checks; "C,," (TLS only) is not enough.
        var add = await RunAsync("certutil", "-d", "sql:" + nss, "-A", "-t", ",C,", "-n", "sigill-eu", "-i", demo.RootFile);
        Assert.True(add.ExitCode == 0, add.Output);

        var trusted = (await RunAsync("pdfsig", "-nssdir", "sql:" + nss, demo.SealedFile)).Output;
        Assert.Equal(3, CountOf(trusted, "Signature is Valid.")); // both signers and the seal
        Assert.True(3 == CountOf(trusted, "Certificate Validation: Certificate is Trusted."), trusted);
        Assert.DoesNotContain("Unknown issue", trusted, StringComparison.Ordinal);
        var seal = trusted[trusted.IndexOf("Signature Field Name: Sigill seal", StringComparison.Ordinal)..];
        Assert.Contains("Total document signed", seal.Replace("Not total document signed", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("Certificate is Trusted.", seal, StringComparison.Ordinal);

        // Without the root trusted, every signature gets the same verdict: the seal is no longer the odd one out.
        var empty = Directory.CreateDirectory(Path.Combine(demo.Folder, "empty-nssdb")).FullName;
        Assert.Equal(0, (await RunAsync("certutil", "-N", "-d", "sql:" + empty, "--empty-password")).ExitCode);
        var untrusted = (await RunAsync("pdfsig", "-nssdir", "sql:" + empty, demo.SealedFile)).Output;
        Assert.Equal(3, CountOf(untrusted, "Signature is Valid."));
        Assert.True(3 == CountOf(untrusted, "Certificate issuer isn't Trusted."), untrusted);
        Assert.DoesNotContain("Unknown issue", untrusted, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pki_root_prints_the_root_the_web_tier_publishes_and_pdf_verify_pins_it_or_says_where_to_get_it()
    {
        await using (var serve = SigillProcess.Start("serve", "--data", demo.DataDirectory, "--port", "0"))
        {
            var web = await serve.WaitForLineAsync("web: ", Generous);
            using var http = new HttpClient();
            Assert.Equal(demo.RootPem, await http.GetStringAsync($"{web}/api/v1/pki/eu/root.pem"));
            using var published = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(await http.GetByteArrayAsync($"{web}/pki/eu/ca.cer"));
            Assert.Equal(demo.RootPem.Trim(), published.ExportCertificatePem());
        }

        var pinned = await SigillProcess.RunAsync(Generous, "pdf", "verify", demo.SealedFile, "--root", demo.RootFile);
        Assert.True(pinned.ExitCode == 0, pinned.Stdout + pinned.Stderr);
        Assert.EndsWith("result: valid", pinned.Stdout.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("trust: the root embedded", pinned.Stdout, StringComparison.Ordinal);

        var unpinned = await SigillProcess.RunAsync(Generous, "pdf", "verify", demo.SealedFile);
        Assert.Equal(0, unpinned.ExitCode);
        Assert.Contains("that proves integrity, not origin", unpinned.Stdout, StringComparison.Ordinal);
        Assert.Contains("`./sigill pki root --region eu > root.pem`", unpinned.Stdout, StringComparison.Ordinal);
        Assert.Contains("/api/v1/pki/eu/root.pem", unpinned.Stdout, StringComparison.Ordinal);

        var unknown = await SigillProcess.RunAsync(Generous, "pki", "root", "--region", "mars", "--data", demo.DataDirectory);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Equal("error: --region 'mars' is not served (regions: eu, us)", unknown.Stderr.Trim());
    }

    [Fact]
    public async Task Pdf_verify_says_plainly_that_a_file_that_is_not_a_pdf_is_not_one()
    {
        var text = Path.Combine(demo.Folder, "notes.txt");
        await File.WriteAllTextAsync(text, "Signed: yes\n");
        var verify = await SigillProcess.RunAsync(Generous, "pdf", "verify", text);
        Assert.Equal(1, verify.ExitCode);
        Assert.Equal($"result: INVALID (not a PDF: '{text}' has no %PDF- header in its first 1024 bytes)", verify.Stdout.Trim());
    }

    [Fact]
    public async Task Pdf_verify_pki_root_and_revoke_signing_speak_German_and_keep_the_report_lines_scripts_read()
    {
        var german = new Dictionary<string, string> { ["LANG"] = "de_DE.UTF-8" };
        var unpinned = await SigillProcess.RunAsync(Generous, german, "pdf", "verify", demo.SealedFile);
        Assert.Equal(0, unpinned.ExitCode);
        Assert.Contains("trust: die in die Datei eingebettete Wurzel, ", unpinned.Stdout, StringComparison.Ordinal);
        Assert.Contains("das beweist die Unversehrtheit, nicht die Herkunft", unpinned.Stdout, StringComparison.Ordinal);
        Assert.Contains("um die Herkunft zu beweisen, legen Sie die Wurzel Ihrer Installation fest: `./sigill pki root --region eu > root.pem`", unpinned.Stdout, StringComparison.Ordinal);
        // The report's labelled lines and their tokens are the same in every language.
        Assert.Contains("\nlevel: ", unpinned.Stdout, StringComparison.Ordinal);
        Assert.Contains("last signature covers the whole file: yes", unpinned.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("result: valid", unpinned.Stdout.Trim(), StringComparison.Ordinal);
        var english = await SigillProcess.RunAsync(Generous, "pdf", "verify", demo.SealedFile);
        Assert.Equal(Lines(english.Stdout).Where(l => !l.StartsWith("trust:", StringComparison.Ordinal) && !l.StartsWith("to prove origin", StringComparison.Ordinal)),
            Lines(unpinned.Stdout).Where(l => !l.StartsWith("trust:", StringComparison.Ordinal) && !l.StartsWith("um die Herkunft", StringComparison.Ordinal)));

        var unknown = await SigillProcess.RunAsync(Generous, german, "pki", "root", "--region", "mars", "--data", demo.DataDirectory);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Equal("Fehler: --region 'mars' wird nicht bedient (Regionen: eu, us)", unknown.Stderr.Trim());
        var revoke = await SigillProcess.RunAsync(Generous, german, "keys", "revoke-signing", "--org", "org_mars_0123456789abcdefghjkmnpqrs", "--data", demo.DataDirectory);
        Assert.Equal(2, revoke.ExitCode);
        Assert.StartsWith("Fehler: 'org_mars_0123456789abcdefghjkmnpqrs' ", revoke.Stderr.Trim(), StringComparison.Ordinal);
        var help = await SigillProcess.RunAsync(Generous, german, "pdf", "verify", "--help");
        Assert.Contains("Das vertrauenswürdige Stammzertifikat, PEM oder DER", help.Stdout, StringComparison.Ordinal);
    }

    private static List<string> Lines(string text) => [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))];

    private static int CountOf(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>One `sigill demo` in the eu region (two signers in order, then the seal) and its root from `sigill pki root`.</summary>
    public sealed class DemoRun : IAsyncLifetime
    {
        private readonly TempDirectory _directory = new();

        public string Folder => _directory.Path;
        public string DataDirectory => _directory.Combine("data");
        public string SealedFile { get; private set; } = "";
        public string RootFile => _directory.Combine("root.pem");
        public string RootPem { get; private set; } = "";

        public async Task InitializeAsync()
        {
            var run = await SigillProcess.RunAsync(Generous, "demo", "--data", DataDirectory, "--region", "eu", "--out", _directory.Combine("out"));
            Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
            SealedFile = run.Stdout.Split('\n').Select(l => l.Trim()).Last(l => l.StartsWith("sealed: ", StringComparison.Ordinal))["sealed: ".Length..];
            var root = await SigillProcess.RunAsync(Generous, "pki", "root", "--region", "eu", "--data", DataDirectory);
            Assert.True(root.ExitCode == 0, root.Stderr);
            RootPem = root.Stdout;
            Assert.StartsWith("-----BEGIN CERTIFICATE-----", RootPem, StringComparison.Ordinal);
            await File.WriteAllTextAsync(RootFile, RootPem);
        }

        public Task DisposeAsync()
        {
            _directory.Dispose();
            return Task.CompletedTask;
        }
    }
}
