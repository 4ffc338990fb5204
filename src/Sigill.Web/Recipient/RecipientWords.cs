using System.Globalization;
using System.Resources;
using Microsoft.AspNetCore.Http;

namespace Sigill.Web.Recipient;

/// <summary>
/// The words of the recipient's signing page (<c>/s</c>, embedded <c>/e</c>) in one language, from
/// <c>RecipientText*.resx</c> beside this file. The language comes from the API's signing view (the recipient's, else
/// the organization's default); before there is a view (a dead link) from the browser's <c>Accept-Language</c>. The
/// culture is explicit, never the thread's: the page also writes numbers for its script (<c>data-x</c>, bounds), which
/// stay invariant.
/// </summary>
public sealed class RecipientWords
{
    /// <summary>The resource set, for the test that finds keys missing in a language.</summary>
    internal static readonly ResourceManager Resources = new("Sigill.Web.Recipient.RecipientText", typeof(RecipientWords).Assembly);

    /// <param name="language">One of <see cref="Languages.Supported"/>; anything else is English.</param>
    public RecipientWords(string? language)
    {
        Language = Languages.IsSupported(language) ? language! : Languages.English;
        Culture = Languages.Culture(Language);
    }

    public string Language { get; }

    public CultureInfo Culture { get; }

    public string this[string key] => Resources.GetString(key, Culture) ?? throw new InvalidOperationException($"recipient page text {key} is missing");

    public string Format(string key, params object?[] args) => string.Format(Culture, this[key], args);

    /// <summary>The first of the browser's languages (by quality) that Sigill speaks, else English.</summary>
    public static string FromBrowser(HttpRequest request) =>
        Languages.FirstSupported(request.GetTypedHeaders().AcceptLanguage
            .OrderByDescending(l => l.Quality ?? 1).Take(5).Select(l => l.Value.ToString())) ?? Languages.English;

    /// <summary>
    /// What went wrong, for the page: in English the API's own words (they name the field or the limit); in another
    /// language the translation of the problem's code when there is one, else the API's words.
    /// </summary>
    public string Describe(Api.ApiClient.Problem problem)
    {
        if (Language == Languages.English || problem.Code is null) return problem.Describe();
        var text = Resources.GetString("Error." + problem.Code, Culture);
        if (text is null) return problem.Describe();
        return problem.RetryAfterSeconds is { } seconds
            ? text + " " + Format("Error.Wait", seconds >= 90 ? Format("Error.Minutes", (seconds + 59) / 60) : Format("Error.Seconds", seconds))
            : text;
    }
}
