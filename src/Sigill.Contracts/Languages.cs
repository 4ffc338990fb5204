using System.Globalization;

namespace Sigill.Contracts;

/// <summary>
/// The languages Sigill speaks, by their two-letter ISO 639-1 code: what a recipient's <c>language</c> and an
/// organization's <c>defaultLanguage</c> may hold. Codes travel and are stored as these lower-case strings, never as a
/// culture name a client made up. Rendered text takes the culture of <see cref="Culture"/>; evidence never does.
/// </summary>
public static class Languages
{
    public const string English = "en";

    /// <summary>English first (the fallback of every resource set), then the rest.</summary>
    public static readonly IReadOnlyList<string> Supported = ["en", "sv", "de", "fr", "es"];

    public static bool IsSupported(string? code) => code is not null && Supported.Contains(code, StringComparer.Ordinal);

    /// <summary>The culture a language's text is formatted in (a country is needed for dates and numbers).</summary>
    public static CultureInfo Culture(string? code) => CultureInfo.GetCultureInfo(code switch
    {
        "sv" => "sv-SE",
        "de" => "de-DE",
        "fr" => "fr-FR",
        "es" => "es-ES",
        _ => "en-GB",
    });

    /// <summary>The first supported language of the first of <paramref name="preferred"/> that has one, else null.</summary>
    public static string? FirstSupported(IEnumerable<string> preferred)
    {
        foreach (var tag in preferred)
        {
            var primary = tag.Split('-', 2)[0].Trim().ToLowerInvariant();
            if (IsSupported(primary)) return primary;
        }
        return null;
    }
}
