using System.Globalization;

namespace Sigill.Tests.Security;

/// <summary>
/// Version order for the two ecosystems Sigill locks, as OSV's <c>ECOSYSTEM</c> and <c>SEMVER</c> ranges need it:
/// SemVer 2.0 precedence, with NuGet's additions (any number of numeric release parts, missing parts are 0, so
/// <c>4.0.13</c> equals <c>4.0.13.0</c>; prerelease labels compare case-insensitively). Build metadata after <c>+</c> is
/// ignored by both. A version that does not parse is an error, never "not affected": a check that skips what it cannot
/// read would pass for one that checked.
/// </summary>
internal sealed class PackageVersion : IComparable<PackageVersion>
{
    private readonly long[] release;
    private readonly string[] prerelease;
    private readonly bool ignoreCase;

    private PackageVersion(string text, long[] release, string[] prerelease, bool ignoreCase)
    {
        Text = text;
        this.release = release;
        this.prerelease = prerelease;
        this.ignoreCase = ignoreCase;
    }

    public string Text { get; }

    public static PackageVersion Parse(string text, string ecosystem)
    {
        var core = text.Split('+', 2)[0];
        var dash = core.IndexOf('-', StringComparison.Ordinal);
        var releaseText = dash < 0 ? core : core[..dash];
        var prereleaseText = dash < 0 ? "" : core[(dash + 1)..];
        var parts = releaseText.Split('.');
        var release = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out release[i]))
            {
                throw new FormatException($"'{text}' is not a {ecosystem} version");
            }
        }
        if (dash >= 0 && (prereleaseText.Length == 0 || prereleaseText.Split('.').Any(p => p.Length == 0)))
        {
            throw new FormatException($"'{text}' has an empty prerelease label");
        }
        return new PackageVersion(text, release, dash < 0 ? [] : prereleaseText.Split('.'), ecosystem == Ecosystems.NuGet);
    }

    public int CompareTo(PackageVersion? other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < Math.Max(release.Length, other.release.Length); i++)
        {
            var c = (i < release.Length ? release[i] : 0).CompareTo(i < other.release.Length ? other.release[i] : 0);
            if (c != 0) return c;
        }
        // A prerelease sorts before its release (1.0.0-rc.1 < 1.0.0).
        if (prerelease.Length == 0 || other.prerelease.Length == 0) return other.prerelease.Length.CompareTo(prerelease.Length);
        for (var i = 0; i < Math.Min(prerelease.Length, other.prerelease.Length); i++)
        {
            var c = CompareIdentifier(prerelease[i], other.prerelease[i]);
            if (c != 0) return c;
        }
        return prerelease.Length.CompareTo(other.prerelease.Length);
    }

    // SemVer 11.4: numeric identifiers compare as numbers and sort before alphanumeric ones, which compare in ASCII order.
    private int CompareIdentifier(string a, string b)
    {
        var aNumeric = a.All(char.IsAsciiDigit);
        var bNumeric = b.All(char.IsAsciiDigit);
        if (aNumeric && bNumeric)
        {
            var byLength = a.TrimStart('0').Length.CompareTo(b.TrimStart('0').Length);
            return byLength != 0 ? byLength : string.CompareOrdinal(a.TrimStart('0'), b.TrimStart('0'));
        }
        if (aNumeric != bNumeric) return aNumeric ? -1 : 1;
        return ignoreCase ? string.Compare(a, b, StringComparison.OrdinalIgnoreCase) : string.CompareOrdinal(a, b);
    }

    public override string ToString() => Text;
}

internal static class Ecosystems
{
    public const string NuGet = "NuGet";
    public const string Npm = "npm";

    /// <summary>NuGet package ids are case-insensitive; npm names are lower case and compared exactly.</summary>
    public static StringComparison NameComparison(string ecosystem) =>
        ecosystem == NuGet ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
}

/// <summary>One OSV event of a range: exactly one of the three is set ("limit" events belong to GIT ranges and are not read).</summary>
internal sealed record OsvEvent(string? Introduced, string? Fixed, string? LastAffected)
{
    public string Version => Introduced ?? Fixed ?? LastAffected ?? throw new FormatException("an OSV event without a version");
}

/// <summary>One <c>affected</c> entry of an OSV record: a package, its ranges (each a list of events) and explicit versions.</summary>
internal sealed record OsvAffected(string Ecosystem, string Name, IReadOnlyList<IReadOnlyList<OsvEvent>> Ranges, IReadOnlyList<string> Versions)
{
    /// <summary>
    /// The OSV specification's evaluation (ossf.github.io/osv-schema, "Evaluation"): a version is affected when it is one
    /// of <c>versions</c>, or when, walking a range's events in version order, the last event at or below it was an
    /// <c>introduced</c> — a <c>fixed</c> at or below it, or a <c>last_affected</c> strictly below it, ends the span.
    /// <c>introduced: "0"</c> is the lowest version of all. Ranges are independent: any one matching is enough.
    /// </summary>
    public bool Affects(PackageVersion version)
    {
        if (Versions.Any(v => PackageVersion.Parse(v, Ecosystem).CompareTo(version) == 0)) return true;
        foreach (var events in Ranges)
        {
            var affected = false;
            foreach (var e in events.OrderBy(e => e, EventOrder.For(Ecosystem)))
            {
                if (e.Introduced is not null)
                {
                    if (e.Introduced == "0" || version.CompareTo(PackageVersion.Parse(e.Introduced, Ecosystem)) >= 0) affected = true;
                }
                else if (e.Fixed is not null)
                {
                    if (version.CompareTo(PackageVersion.Parse(e.Fixed, Ecosystem)) >= 0) affected = false;
                }
                else if (e.LastAffected is not null && version.CompareTo(PackageVersion.Parse(e.LastAffected, Ecosystem)) > 0)
                {
                    affected = false;
                }
            }
            if (affected) return true;
        }
        return false;
    }

    // Events in version order, "0" first; OrderBy is stable, so events at one version keep the record's order.
    private sealed class EventOrder(string ecosystem) : IComparer<OsvEvent>
    {
        public static EventOrder For(string ecosystem) => new(ecosystem);

        public int Compare(OsvEvent? x, OsvEvent? y)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            var xZero = x.Introduced == "0";
            var yZero = y.Introduced == "0";
            if (xZero || yZero) return yZero.CompareTo(xZero);
            return PackageVersion.Parse(x.Version, ecosystem).CompareTo(PackageVersion.Parse(y.Version, ecosystem));
        }
    }
}
