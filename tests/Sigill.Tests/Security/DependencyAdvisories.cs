using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Sigill.Tests.Security;

/// <summary>One package version a lock file pins, and the lock file that pins it.</summary>
internal sealed record LockedPackage(string Ecosystem, string Name, string Version, string LockFile);

/// <summary>The part of an OSV record the check reads (security/advisories/osv/*.json keeps only that part).</summary>
internal sealed record OsvAdvisory(string Id, string Summary, string Severity, string? Withdrawn, DateTimeOffset Modified, IReadOnlyList<OsvAffected> Affected);

/// <summary>A reasoned exception: this advisory is accepted for this package until the review date, for this reason.</summary>
internal sealed record AdvisoryException(string Ecosystem, string Package, string AdvisoryId, DateOnly ReviewBy, string Reason);

/// <summary>A locked version inside an advisory's affected versions.</summary>
internal sealed record AdvisoryFinding(LockedPackage Package, OsvAdvisory Advisory)
{
    public override string ToString() =>
        $"{Package.Ecosystem} {Package.Name} {Package.Version} ({Package.LockFile}): {Advisory.Id} [{Advisory.Severity}] {Advisory.Summary}";
}

internal sealed record AdvisoryReport(
    int NuGetLocked, int NpmLocked, int Advisories,
    IReadOnlyList<AdvisoryFinding> Findings, IReadOnlyList<AdvisoryFinding> Excepted, IReadOnlyList<string> Problems);

/// <summary>
/// The offline dependency-advisory check (issue 20, item 5): every version that a NuGet <c>packages.lock.json</c> or an
/// npm <c>package-lock.json</c> in the repository pins, transitive ones included, against the vendored subset of the
/// GitHub Advisory Database in <c>security/advisories/osv/</c>. A finding is excused only by a row of
/// <c>security/advisories/exceptions.tsv</c> whose review date has not passed; an exception that excuses nothing, or
/// is dated past the one-year limit, is a problem too, so the list cannot go stale.
/// </summary>
internal static partial class DependencyAdvisories
{
    public const string Directory = "security/advisories";
    public const string ExceptionsFile = "security/advisories/exceptions.tsv";
    public const int LongestExceptionDays = 366;

    private static readonly HashSet<string> SkippedDirectories = new(StringComparer.Ordinal) { "node_modules", "bin", "obj", "artifacts", "TestResults" };

    [GeneratedRegex(@"^- snapshot date: (\d{4}-\d{2}-\d{2})\b", RegexOptions.Multiline)]
    private static partial Regex SnapshotDateLine();

    /// <summary>Every lock file under the root, outside build output, installed node_modules and hidden folders.</summary>
    public static IReadOnlyList<string> LockFiles(string root)
    {
        var found = new List<string>();
        var pending = new Stack<string>([root]);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            foreach (var sub in System.IO.Directory.EnumerateDirectories(dir))
            {
                var name = Path.GetFileName(sub);
                if (!name.StartsWith('.') && !SkippedDirectories.Contains(name)) pending.Push(sub);
            }
            found.AddRange(System.IO.Directory.EnumerateFiles(dir).Where(f => Path.GetFileName(f) is "packages.lock.json" or "package-lock.json"));
        }
        return [.. found.Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The packages a lock file pins. NuGet: every target framework (and runtime) section, direct, transitive and
    /// centrally pinned, but not project references. npm (lockfile v2 and v3): every <c>node_modules/…</c> entry,
    /// nested copies and optional or development ones included, but not links to local folders.
    /// </summary>
    public static IEnumerable<LockedPackage> ReadLockFile(string relativePath, string json)
    {
        using var doc = JsonDocument.Parse(json);
        var rootElement = doc.RootElement;
        var result = new List<LockedPackage>();
        if (Path.GetFileName(relativePath) == "packages.lock.json")
        {
            foreach (var target in rootElement.GetProperty("dependencies").EnumerateObject())
            {
                foreach (var package in target.Value.EnumerateObject())
                {
                    if (package.Value.GetProperty("type").GetString() == "Project") continue;
                    var resolved = package.Value.GetProperty("resolved").GetString()
                        ?? throw new FormatException($"{relativePath}: {package.Name} has no resolved version");
                    result.Add(new LockedPackage(Ecosystems.NuGet, package.Name, resolved, relativePath));
                }
            }
            return result;
        }
        if (!rootElement.TryGetProperty("packages", out var packages))
        {
            throw new FormatException($"{relativePath}: lockfileVersion 1 has no \"packages\" map; run npm install with npm 7 or later");
        }
        foreach (var entry in packages.EnumerateObject())
        {
            if (entry.Name.Length == 0 || entry.Value.TryGetProperty("link", out var link) && link.GetBoolean()) continue;
            var name = entry.Value.TryGetProperty("name", out var n) ? n.GetString()! : entry.Name[(entry.Name.LastIndexOf("node_modules/", StringComparison.Ordinal) + "node_modules/".Length)..];
            var version = entry.Value.GetProperty("version").GetString() ?? throw new FormatException($"{relativePath}: {entry.Name} has no version");
            result.Add(new LockedPackage(Ecosystems.Npm, name, version, relativePath));
        }
        return result;
    }

    public static IReadOnlyList<LockedPackage> LockedPackages(string root) =>
        [.. LockFiles(root).SelectMany(f => ReadLockFile(f, File.ReadAllText(Path.Combine(root, f))))];

    public static IReadOnlyList<OsvAdvisory> Snapshot(string root) =>
        [.. System.IO.Directory.EnumerateFiles(Path.Combine(root, Directory, "osv"), "*.json").Order(StringComparer.Ordinal).Select(f => ParseOsv(File.ReadAllText(f)))];

    public static OsvAdvisory ParseOsv(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        var affected = new List<OsvAffected>();
        foreach (var a in r.GetProperty("affected").EnumerateArray())
        {
            var package = a.GetProperty("package");
            var ranges = new List<IReadOnlyList<OsvEvent>>();
            if (a.TryGetProperty("ranges", out var rangesElement))
            {
                foreach (var range in rangesElement.EnumerateArray())
                {
                    // GIT ranges name commits, not versions; the GitHub database writes ECOSYSTEM (and SEMVER for some npm entries).
                    if (range.GetProperty("type").GetString() is not ("ECOSYSTEM" or "SEMVER")) continue;
                    ranges.Add([.. range.GetProperty("events").EnumerateArray()
                        .Where(e => !e.TryGetProperty("limit", out _))
                        .Select(e => new OsvEvent(Text(e, "introduced"), Text(e, "fixed"), Text(e, "last_affected")))]);
                }
            }
            var versions = a.TryGetProperty("versions", out var v) ? v.EnumerateArray().Select(x => x.GetString()!).ToList() : [];
            affected.Add(new OsvAffected(package.GetProperty("ecosystem").GetString()!, package.GetProperty("name").GetString()!, ranges, versions));
        }
        var severity = r.TryGetProperty("database_specific", out var db) && db.TryGetProperty("severity", out var s) ? s.GetString()! : "UNKNOWN";
        return new OsvAdvisory(r.GetProperty("id").GetString()!, Text(r, "summary") ?? "", severity, Text(r, "withdrawn"),
            DateTimeOffset.Parse(r.GetProperty("modified").GetString()!, CultureInfo.InvariantCulture), affected);
    }

    private static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var p) ? p.GetString() : null;

    /// <summary>Rows of exceptions.tsv: ecosystem, package, advisory, review-by date (yyyy-MM-dd), reason. '#' starts a comment.</summary>
    public static IReadOnlyList<AdvisoryException> ReadExceptions(string tsv)
    {
        var rows = new List<AdvisoryException>();
        foreach (var line in tsv.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var cells = line.Split('\t');
            if (cells.Length != 5) throw new FormatException($"{ExceptionsFile}: expected 5 tab-separated cells, got {cells.Length}: {line}");
            rows.Add(new AdvisoryException(cells[0], cells[1], cells[2], DateOnly.ParseExact(cells[3], "yyyy-MM-dd", CultureInfo.InvariantCulture), cells[4].Trim()));
        }
        return rows;
    }

    /// <summary>The snapshot's date, from the "- snapshot date: yyyy-MM-dd" line of SOURCE.md.</summary>
    public static DateOnly SnapshotDate(string sourceMarkdown)
    {
        var match = SnapshotDateLine().Match(sourceMarkdown);
        if (!match.Success) throw new FormatException($"{Directory}/SOURCE.md has no '- snapshot date: yyyy-MM-dd' line");
        return DateOnly.ParseExact(match.Groups[1].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    public static AdvisoryReport Check(IReadOnlyList<LockedPackage> locked, IReadOnlyList<OsvAdvisory> advisories, IReadOnlyList<AdvisoryException> exceptions, DateOnly today)
    {
        var problems = new List<string>();
        var findings = new List<AdvisoryFinding>();
        // One finding per package version and advisory, reported at the first lock file that pins it.
        var distinct = locked
            .GroupBy(p => (p.Ecosystem, Name: p.Ecosystem == Ecosystems.NuGet ? p.Name.ToLowerInvariant() : p.Name, p.Version))
            .Select(g => g.First())
            .ToList();
        var live = advisories.Where(a => a.Withdrawn is null).ToList();
        foreach (var package in distinct)
        {
            PackageVersion version;
            try
            {
                version = PackageVersion.Parse(package.Version, package.Ecosystem);
            }
            catch (FormatException e)
            {
                problems.Add($"{package.LockFile}: {package.Name}: {e.Message}");
                continue;
            }
            foreach (var advisory in live)
            {
                try
                {
                    if (advisory.Affected.Any(a => a.Ecosystem == package.Ecosystem
                        && string.Equals(a.Name, package.Name, Ecosystems.NameComparison(package.Ecosystem)) && a.Affects(version)))
                    {
                        findings.Add(new AdvisoryFinding(package, advisory));
                    }
                }
                catch (FormatException e)
                {
                    problems.Add($"{advisory.Id}: {e.Message}");
                }
            }
        }

        var excepted = new List<AdvisoryFinding>();
        foreach (var exception in exceptions)
        {
            var matches = findings.Where(f => Covers(exception, f)).ToList();
            if (matches.Count == 0)
            {
                problems.Add($"exception for {exception.Package} {exception.AdvisoryId} excuses no finding: remove it from {ExceptionsFile}");
            }
            if (exception.Reason.Length < 20)
            {
                problems.Add($"exception for {exception.Package} {exception.AdvisoryId} gives no reason");
            }
            if (exception.ReviewBy < today)
            {
                problems.Add($"exception for {exception.Package} {exception.AdvisoryId} expired on {exception.ReviewBy:yyyy-MM-dd}: upgrade or review it again");
                continue;
            }
            if (exception.ReviewBy.DayNumber - today.DayNumber > LongestExceptionDays)
            {
                problems.Add($"exception for {exception.Package} {exception.AdvisoryId} runs to {exception.ReviewBy:yyyy-MM-dd}, more than {LongestExceptionDays} days ahead");
                continue;
            }
            excepted.AddRange(matches);
        }
        var open = findings.Where(f => !excepted.Contains(f)).ToList();
        return new AdvisoryReport(
            distinct.Count(p => p.Ecosystem == Ecosystems.NuGet), distinct.Count(p => p.Ecosystem == Ecosystems.Npm), advisories.Count,
            open, [.. excepted.Distinct()], problems);
    }

    private static bool Covers(AdvisoryException exception, AdvisoryFinding finding) =>
        exception.Ecosystem == finding.Package.Ecosystem
        && string.Equals(exception.Package, finding.Package.Name, Ecosystems.NameComparison(exception.Ecosystem))
        && exception.AdvisoryId == finding.Advisory.Id;
}
