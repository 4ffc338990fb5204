using System.Globalization;
using System.Reflection;
using System.Text;
using Sigill.Tests.Infrastructure;
using Xunit;

namespace Sigill.Tests.Security;

/// <summary>One ASVS 5.0.0 requirement as OWASP publishes it (docs/asvs/*.csv).</summary>
internal sealed record AsvsRequirement(string Chapter, string Section, string SectionName, string Id, string Text, int Level);

/// <summary>Sigill's answer to one requirement (docs/asvs/sigill-mapping.tsv).</summary>
internal sealed record AsvsMapping(string Id, bool Applicable, string Control, string Note, IReadOnlyList<string> Tests);

/// <summary>
/// The ASVS matrix: OWASP's vendored requirements file and Sigill's mapping, the rules that keep the mapping honest,
/// and the generator of docs/asvs.md. The rules are a function of the rows so that a test can feed them a broken
/// mapping and watch them fail.
/// </summary>
internal static class AsvsMatrix
{
    public const string RequirementsFile = "docs/asvs/OWASP_Application_Security_Verification_Standard_5.0.0_en.csv";
    public const string MappingFile = "docs/asvs/sigill-mapping.tsv";
    public const string DocumentFile = "docs/asvs.md";
    public const string NotYetProven = "not yet proven";

    public static IReadOnlyList<AsvsRequirement> Requirements()
    {
        var rows = Csv.Parse(File.ReadAllText(Path.Combine(Repository.Root, RequirementsFile)));
        return rows.Skip(1)
            .Select(r => new AsvsRequirement(r[0], r[2], r[3], r[4], r[5], int.Parse(r[6], CultureInfo.InvariantCulture)))
            .ToList();
    }

    public static IReadOnlyList<AsvsMapping> Mapping() =>
        ParseMapping(File.ReadAllLines(Path.Combine(Repository.Root, MappingFile)));

    public static IReadOnlyList<AsvsMapping> ParseMapping(IEnumerable<string> lines) =>
        lines.Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Skip(1) // the header
            .Select(l => l.Split('\t'))
            .Select(c => new AsvsMapping(
                c[0],
                c[1] == "yes",
                c.ElementAtOrDefault(2) ?? "",
                c.ElementAtOrDefault(3) ?? "",
                (c.ElementAtOrDefault(4) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            .ToList();

    /// <summary>Every test of this assembly as <c>Class.Method</c>: the names the matrix may cite.</summary>
    public static IReadOnlySet<string> TestsOfThisSuite() =>
        typeof(AsvsMatrix).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any())
                .Select(m => $"{t.Name}.{m.Name}"))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>Everything wrong with a mapping; empty when it is sound.</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<AsvsRequirement> requirements, IReadOnlyList<AsvsMapping> mapping, IReadOnlySet<string> tests)
    {
        var problems = new List<string>();
        var wanted = requirements.Where(r => r.Level <= 2).Select(r => r.Id).ToList();
        var mapped = mapping.Select(m => m.Id).ToList();
        problems.AddRange(wanted.Except(mapped).Select(id => $"{id}: a level 1 or 2 requirement the mapping does not list"));
        problems.AddRange(mapped.Except(wanted).Select(id => $"{id}: not a level 1 or 2 requirement of ASVS 5.0.0"));
        problems.AddRange(mapped.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: listed {g.Count()} times"));
        foreach (var m in mapping)
        {
            problems.AddRange(m.Tests.Where(t => !tests.Contains(t)).Select(t => $"{m.Id}: names {t}, which is no test of the suite"));
            if (m.Applicable && m.Tests.Count == 0 && !m.Note.StartsWith(NotYetProven, StringComparison.Ordinal))
            {
                problems.Add($"{m.Id}: applicable, but names no test and does not say \"{NotYetProven}\"");
            }
            if (!m.Applicable && (m.Note.Length == 0 || m.Tests.Count > 0))
            {
                problems.Add($"{m.Id}: not applicable needs a reason and no tests");
            }
        }
        return problems;
    }

    /// <summary>docs/asvs.md, generated: one table per chapter and the counts.</summary>
    public static string Document(IReadOnlyList<AsvsRequirement> requirements, IReadOnlyList<AsvsMapping> mapping)
    {
        var byId = mapping.ToDictionary(m => m.Id, StringComparer.Ordinal);
        var rows = requirements.Where(r => r.Level <= 2).ToList();
        var applicable = rows.Count(r => byId[r.Id].Applicable);
        var proven = rows.Count(r => byId[r.Id].Applicable && byId[r.Id].Tests.Count > 0);
        var s = new StringBuilder();
        s.Append("# OWASP ASVS 5.0.0, Level 1 and 2: Sigill's matrix\n\n");
        s.Append("Generated from `").Append(RequirementsFile).Append("` (OWASP's own file, see docs/asvs/SOURCE.md) and `")
            .Append(MappingFile).Append("` by `AsvsMatrixTests`; regenerate with\n")
            .Append("`SIGILL_WRITE_ASVS=1 ./test.sh --filter FullyQualifiedName~AsvsMatrixTests`. Do not edit by hand: the suite fails when this\n")
            .Append("file differs from what the two inputs generate, when a named test does not exist, and when an applicable\n")
            .Append("requirement names no test without saying \"not yet proven\". A named test is one that fails if the control is\n")
            .Append("removed; a control without such a test is counted as not yet proven, never as proven.\n\n");
        foreach (var chapter in rows.GroupBy(r => r.Chapter))
        {
            s.Append("## ").Append(chapter.Key).Append('\n');
            foreach (var section in chapter.GroupBy(r => r.Section))
            {
                s.Append("\n### ").Append(section.Key).Append(' ').Append(section.First().SectionName).Append("\n\n");
                s.Append("| id | L | requirement | applicable | control | proven by |\n|---|---|---|---|---|---|\n");
                foreach (var r in section)
                {
                    var m = byId[r.Id];
                    var text = r.Text.Length > 160 ? r.Text[..157].TrimEnd() + "…" : r.Text;
                    var proof = m.Tests.Count > 0 ? string.Join("<br>", m.Tests.Select(t => $"`{t}`")) : m.Applicable ? "**" + m.Note + "**" : "—";
                    s.Append("| ").Append(r.Id).Append(" | ").Append(r.Level).Append(" | ").Append(Cell(text)).Append(" | ")
                        .Append(m.Applicable ? "yes" : "no: " + Cell(m.Note)).Append(" | ").Append(Cell(m.Control)).Append(" | ")
                        .Append(proof).Append(" |\n");
                }
            }
            s.Append('\n');
        }
        s.Append("## Counts\n\n");
        s.Append(CultureInfo.InvariantCulture, $"- Level 1 and 2 requirements: {rows.Count} (level 1: {rows.Count(r => r.Level == 1)}, level 2: {rows.Count(r => r.Level == 2)})\n");
        s.Append(CultureInfo.InvariantCulture, $"- Not applicable to Sigill: {rows.Count - applicable}\n");
        s.Append(CultureInfo.InvariantCulture, $"- Applicable: {applicable}\n");
        s.Append(CultureInfo.InvariantCulture, $"- Proven by a test: {proven}\n");
        s.Append(CultureInfo.InvariantCulture, $"- Not yet proven: {applicable - proven}\n");
        return s.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    /// <summary>RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and line breaks.</summary>
    private static class Csv
    {
        public static List<List<string>> Parse(string text)
        {
            var rows = new List<List<string>>();
            var row = new List<string>();
            var field = new StringBuilder();
            var quoted = false;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (quoted)
                {
                    if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                    else if (c == '"') quoted = false;
                    else field.Append(c);
                }
                else if (c == '"') quoted = true;
                else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
                else if (c == '\n' || c == '\r')
                {
                    if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                    row.Add(field.ToString()); field.Clear();
                    if (row.Count > 1 || row[0].Length > 0) rows.Add(row);
                    row = new List<string>();
                }
                else field.Append(c);
            }
            if (field.Length > 0 || row.Count > 0) { row.Add(field.ToString()); rows.Add(row); }
            return rows;
        }
    }
}
