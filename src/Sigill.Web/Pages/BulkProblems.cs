using System.Text.RegularExpressions;
using Sigill.Contracts;

namespace Sigill.Web.Pages;

/// <summary>
/// A bulk-send row's problems in the page's language. The API words them in English without a code
/// (<see cref="CellError"/>, and a skipped row's one line <c>column: message; …</c>), so the page knows its sentences by
/// their English words (<c>BulkProblem.*</c> in SenderText, whose English is the API's text exactly) and translates those;
/// a sentence it does not know (a template's or pricing table's own message) stays as the API wrote it. The column is
/// the file's own header and never changes.
/// </summary>
public static partial class BulkProblems
{
    private static readonly string[] Fixed = ["TemplateGone", "Control", "Name", "Email", "Role", "NoSigner", "NoTemplate", "Title", "Number"];

    /// <summary>One cell's (or the row's) problem, as the preview lists it.</summary>
    public static string Describe(CellError error) => error.Column is null ? Message(error.Message) : $"{error.Column}: {Message(error.Message)}";

    /// <summary>A skipped row's reasons, as the API stored them (<c>column: message; message</c>).</summary>
    public static string Describe(string? reasons) => reasons is null ? "" : string.Join("; ", reasons.Split("; ").Select(part =>
    {
        var translated = Message(part);
        if (!ReferenceEquals(translated, part)) return translated;
        var colon = part.IndexOf(": ", StringComparison.Ordinal);
        return colon > 0 ? $"{part[..colon]}: {Message(part[(colon + 2)..])}" : part;
    }));

    /// <summary>The sentence in the page's language, or the very same string when the page does not know it.</summary>
    public static string Message(string message)
    {
        foreach (var key in Fixed)
        {
            if (string.Equals(message, English(key), StringComparison.Ordinal)) return SenderText.S("BulkProblem." + key);
        }
        if (NotRendered().Match(message) is { Success: true } r) return SenderText.S("BulkProblem.NotRendered", r.Groups[1].Value);
        if (Cells().Match(message) is { Success: true } c) return SenderText.S("BulkProblem.Cells", c.Groups[1].Value, c.Groups[2].Value);
        if (SameAddress().Match(message) is { Success: true } a) return SenderText.S("BulkProblem.SameAddress", a.Groups[1].Value);
        if (Language().Match(message) is { Success: true } l) return SenderText.S("BulkProblem.Language", l.Groups[1].Value);
        return message;
    }

    private static string? English(string key) => SenderText.Resources.GetString("BulkProblem." + key, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^the template could not be rendered \(([a-z_]+)\)$")]
    private static partial Regex NotRendered();

    [GeneratedRegex(@"^the row has ([0-9]+) cells, the header ([0-9]+)$")]
    private static partial Regex Cells();

    [GeneratedRegex(@"^the same address as row ([0-9]+)$")]
    private static partial Regex SameAddress();

    [GeneratedRegex(@"^one of ([a-z, ]+) \(lower case\)$")]
    private static partial Regex Language();
}
