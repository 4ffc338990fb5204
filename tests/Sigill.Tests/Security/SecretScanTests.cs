using System.Security.Cryptography;
using System.Text;
using Sigill.Api.Platform.Security;
using Sigill.Tests.Infrastructure;
using Xunit;

namespace Sigill.Tests.Security;

/// <summary>Secret scanning (issue 20, item 6): no tracked file holds a private key, a Sigill bearer secret or a random-looking configuration value.</summary>
public sealed class SecretScanTests
{
    [Fact]
    public void No_tracked_file_holds_a_private_key_a_sigill_token_or_a_high_entropy_secret_in_configuration()
    {
        var files = SecretScanner.TrackedFiles(Repository.Root);
        Assert.True(files.Count > 100, $"git ls-files listed only {files.Count} files");
        var findings = new List<SecretFinding>();
        foreach (var file in files)
        {
            var path = Path.Combine(Repository.Root, file);
            if (!File.Exists(path) || new FileInfo(path).Length > 8 * 1024 * 1024) continue;
            var bytes = File.ReadAllBytes(path);
            if (Array.IndexOf(bytes, (byte)0) >= 0) continue; // fonts and other binaries: no text to leak a key in
            findings.AddRange(SecretScanner.Scan(file, Encoding.UTF8.GetString(bytes)));
        }
        ScanSummary.Write($"secret scan: {files.Count} tracked files, {findings.Count} findings");
        Assert.True(findings.Count == 0, string.Join('\n', findings.Select(f => $"{f.Path}:{f.Line}: {f.Kind}")));
    }

    [Fact]
    public void A_planted_key_token_and_configuration_secret_are_each_found_and_ordinary_text_is_not()
    {
        using var rsa = RSA.Create(2048);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (token, _, _) = PresentedSecret.ApiToken.Issue("eu");
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var hexSecret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();

        Assert.Equal(["PEM private key"], Kinds("notes.md", rsa.ExportPkcs8PrivateKeyPem()));
        Assert.Equal(["PEM private key"], Kinds("key.txt", ec.ExportECPrivateKeyPem()));
        Assert.Equal(["Sigill bearer secret"], Kinds("README.md", $"curl -H 'Authorization: Bearer {token}'"));
        Assert.Equal(["high-entropy value in a configuration file"], Kinds("appsettings.json", $"{{ \"Cells\": {{ \"MasterKey\": \"{secret}\" }} }}"));
        Assert.Equal(["high-entropy value in a configuration file"], Kinds("deploy/web.conf", $"service_credential = {hexSecret}"));

        // Public test data is known by exact value; a real secret beside it is still found.
        var zeros = SecretScanner.PublicTestValues.Keys.First();
        Assert.Empty(Kinds("Tests.cs", $"[InlineData(\"{zeros}\")]"));
        Assert.Equal(["Sigill bearer secret"], Kinds("Tests.cs", $"[InlineData(\"{zeros}\", \"{token}\")]"));

        // What the repository legitimately holds: placeholders, paths, type names, identifiers in docs.
        Assert.Empty(Kinds("appsettings.json", "{ \"ConnectionString\": \"Host=localhost;Username=sigill\", \"Path\": \"/var/lib/sigill/cells/eu-central\" }"));
        Assert.Empty(Kinds("docs/api.md", "`{token: \"sgv_…\"}` → 201 `{session: \"sgs_…\"}`, e.g. org_eu_0k5q3r8w1xhh7n2c6d9f4g3b1a"));
        Assert.Empty(Kinds("Directory.Build.props", "<AnalysisModeSecurity>All</AnalysisModeSecurity>"));
    }

    private static string[] Kinds(string path, string text) => SecretScanner.Scan(path, text).Select(f => f.Kind).Distinct().ToArray();
}
