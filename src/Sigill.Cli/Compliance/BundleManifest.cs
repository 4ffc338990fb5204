using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Sigill.Api.Platform.Cells;

namespace Sigill.Cli.Compliance;

/// <summary>
/// The body of <c>manifest.txt</c>, a C2SP signed note (docs/compliance.md, "The bundle"):
/// <code>
/// sigill-compliance-manifest-v1
/// report &lt;report id&gt;
/// period &lt;from, ISO 8601 UTC&gt; &lt;to&gt;
/// generated &lt;ISO 8601 UTC&gt;
/// signer &lt;C2SP verifier key of the signing key&gt;
/// region &lt;region&gt;                       ; one per region whose audit log anchors the manifest (a well-formed region name)
/// file &lt;sha256 hex&gt; &lt;size&gt; &lt;path&gt;     ; one per file, '/'-separated, ordinal order
/// </code>
/// Every file of the bundle is listed except <c>manifest.txt</c> itself and <c>anchors/</c>, which are written after
/// the manifest (the anchoring event carries the manifest's hash, so it cannot be inside it).
/// </summary>
internal sealed record BundleManifest(
    string Report, DateTime From, DateTime To, DateTimeOffset Generated, string Signer, IReadOnlyList<string> Regions,
    IReadOnlyList<(string Sha256, long Size, string Path)> Files)
{
    public const string FileName = "manifest.txt";
    public const string Header = "sigill-compliance-manifest-v1";
    public const string AnchorsFolder = "anchors";

    public static BundleManifest Create(string report, DateTime from, DateTime to, DateTimeOffset generated, string signer, IReadOnlyList<string> regions, string root)
    {
        var files = ListFiles(root).Select(p =>
        {
            using var stream = File.OpenRead(Path.Combine(root, p));
            return (Convert.ToHexStringLower(SHA256.HashData(stream)), stream.Length, p);
        }).ToList();
        return new BundleManifest(report, from, to, generated, signer, regions, files);
    }

    /// <summary>The bundle's files a manifest covers, as '/'-separated relative paths in ordinal order.</summary>
    public static IEnumerable<string> ListFiles(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(p => p != FileName && !p.StartsWith(AnchorsFolder + "/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    public string ToBody()
    {
        var body = new StringBuilder()
            .Append(Header).Append('\n')
            .Append("report ").Append(Report).Append('\n')
            .Append("period ").Append(Iso(From)).Append(' ').Append(Iso(To)).Append('\n')
            .Append("generated ").Append(Iso(Generated.UtcDateTime)).Append('\n')
            .Append("signer ").Append(Signer).Append('\n');
        foreach (var region in Regions)
        {
            body.Append("region ").Append(region).Append('\n');
        }
        foreach (var (sha256, size, path) in Files)
        {
            body.Append("file ").Append(sha256).Append(' ').Append(size.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(path).Append('\n');
        }
        return body.ToString();
    }

    private static string Iso(DateTime t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses a body strictly; null with the reason when it is not one.</summary>
    public static BundleManifest? Parse(string body, out string? error)
    {
        error = null;
        var lines = body.EndsWith('\n') ? body[..^1].Split('\n') : null;
        if (lines is null || lines.Length < 5 || lines[0] != Header)
        {
            error = $"the manifest does not start with {Header}";
            return null;
        }
        string? report = null, signer = null;
        DateTime from = default, to = default;
        DateTimeOffset generated = default;
        var regions = new List<string>();
        var files = new List<(string, long, string)>();
        foreach (var line in lines[1..])
        {
            var parts = line.Split(' ');
            switch (parts[0])
            {
                case "report" when parts.Length == 2:
                    report = parts[1];
                    break;
                case "period" when parts.Length == 3 && TryTime(parts[1], out from) && TryTime(parts[2], out to):
                    break;
                case "generated" when parts.Length == 2 && TryTime(parts[1], out var g):
                    generated = new DateTimeOffset(g);
                    break;
                case "signer" when parts.Length == 2:
                    signer = parts[1];
                    break;
                // A region name becomes a file name under anchors/ before the signature is checked: only well-formed ones.
                case "region" when parts.Length == 2 && RegionName.IsWellFormed(parts[1]) && !regions.Contains(parts[1]):
                    regions.Add(parts[1]);
                    break;
                case "file" when parts.Length == 4 && parts[1].Length == 64 && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
                    && parts[3].Length > 0 && !parts[3].Split('/').Any(s => s is "" or "." or ".."):
                    files.Add((parts[1], size, parts[3]));
                    break;
                default:
                    error = $"the manifest has a line it does not understand: \"{(line.Length > 80 ? line[..80] + "…" : line)}\"";
                    return null;
            }
        }
        if (report is null || signer is null || from == default)
        {
            error = "the manifest lacks its report, period or signer line";
            return null;
        }
        return new BundleManifest(report, from, to, generated, signer, regions, files);
    }

    private static bool TryTime(string text, out DateTime time) =>
        DateTime.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out time);
}
