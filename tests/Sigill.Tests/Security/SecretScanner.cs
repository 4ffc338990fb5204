using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Sigill.Tests.Security;

/// <summary>One suspected secret: where, and what kind (never the secret itself, so a finding can be printed).</summary>
internal sealed record SecretFinding(string Path, int Line, string Kind);

/// <summary>
/// Finds secrets in text: PEM private keys of any kind, bearer secrets in Sigill's own shape
/// (<c>{sgl|sgs|sgc|sgv|sgi|sga|sgo|sgr}_{region}_{id}_{secret}</c>, see PresentedSecret), transparency-log note keys,
/// and, in configuration files, long high-entropy values. A pure function of the text, so the self-test can plant each kind.
/// </summary>
internal static partial class SecretScanner
{
    // Configuration formats a deployment copies and fills in: a secret pasted here is the likeliest leak.
    private static readonly string[] ConfigurationExtensions = [".json", ".yml", ".yaml", ".conf", ".service", ".toml", ".ini", ".env", ".props", ".xml", ".config"];

    // Lock files hold sha512 integrity hashes of public packages: high entropy by design, and no secret.
    private static readonly string[] HashLists = ["package-lock.json", "packages.lock.json"];

    [GeneratedRegex(@"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")]
    private static partial Regex PemPrivateKey();

    [GeneratedRegex(@"\bsg[lscviaor]_[a-z]{2,12}_[0-9a-z]{20,}_[0-9a-z]{40,}\b")]
    private static partial Regex SigillBearerSecret();

    [GeneratedRegex(@"PRIVATE\+KEY\+[A-Za-z0-9.\-]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]{40,}")]
    private static partial Regex NotePrivateKey();

    // A quoted value or a value after '=' or ':' of at least 24 base64/hex/base32 characters.
    [GeneratedRegex(@"(?<=[""'=:\s])([A-Za-z0-9+/_\-]{24,}={0,2})(?=[""'\s,;]|$)")]
    private static partial Regex LongToken();

    public static IReadOnlyList<string> TrackedFiles(string root)
    {
        var git = Process.Start(new ProcessStartInfo("git", ["-C", root, "ls-files", "-z"]) { RedirectStandardOutput = true })!;
        var output = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        if (git.ExitCode != 0) throw new InvalidOperationException("git ls-files failed");
        return output.Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>
    /// Values that have the shape of a secret but are public test data, each with its reason. Matched exactly, so a
    /// real secret next to them is still found.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> PublicTestValues = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["sgl_us_0000000000000000000000000_0000000000000000000000000000000000000000000000000000"] = "all-zero token: a malformed-token case",
        ["sgl_ca_00000000000000000000000000_0000000000000000000000000000000000000000000000000000"] = "all-zero token: an unknown-region case",
        ["sgl_eu_0123456789abcdefghjkmnpqrs_0123456789abcdefghjkmnpqrs0123456789abcdefghjkmnpq"] = "the base32 alphabet in order: a routing case",
        ["PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"] = "the published known-answer key of golang.org/x/mod/sumdb/note",
    };

    public static IEnumerable<SecretFinding> Scan(string path, string text)
    {
        var name = System.IO.Path.GetFileName(path);
        var configuration = ConfigurationExtensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase)) && !HashLists.Contains(name);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (PemPrivateKey().IsMatch(line)) yield return new SecretFinding(path, i + 1, "PEM private key");
            if (Secret(SigillBearerSecret(), line)) yield return new SecretFinding(path, i + 1, "Sigill bearer secret");
            if (Secret(NotePrivateKey(), line)) yield return new SecretFinding(path, i + 1, "transparency-log note private key");
            if (configuration && LongToken().Matches(line).Any(m => LooksRandom(m.Value)))
            {
                yield return new SecretFinding(path, i + 1, "high-entropy value in a configuration file");
            }
        }
    }

    private static bool Secret(Regex pattern, string line) =>
        pattern.Matches(line).Any(m => !PublicTestValues.ContainsKey(m.Value));

    /// <summary>
    /// Shannon entropy per character over 4.0 bits with letters and digits mixed: base64 or base32 of random bytes
    /// scores about 4.5-5.9, hex of random bytes about 3.8-4.0 (caught by its length over 32), words and paths far less.
    /// </summary>
    public static bool LooksRandom(string value)
    {
        if (!value.Any(char.IsDigit) || !value.Any(char.IsLetter)) return false;
        var entropy = value.GroupBy(c => c).Sum(g => { var p = (double)g.Count() / value.Length; return -p * Math.Log2(p); });
        var hex = value.All(Uri.IsHexDigit);
        return hex ? value.Length >= 32 && entropy > 3.5 : entropy > 4.0;
    }
}
