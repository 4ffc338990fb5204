using System.Resources;
using Microsoft.AspNetCore.Html;

namespace Sigill.Web.Pages;

/// <summary>
/// The words of the sender's pages, the sign-in pages and the payer's page (<c>SenderText*.resx</c> beside this file),
/// in the request's language (<see cref="PageLanguage"/>: the thread's UI culture). Views call <c>S("key")</c> through
/// <c>@using static</c> in <c>_ViewImports.cshtml</c>; page models call <see cref="S(string)"/> for their status and
/// validation messages. A key missing in English shows the key itself, which the test of used keys catches first.
/// </summary>
public static class SenderText
{
    /// <summary>The resource set, for the test that finds keys missing in a language.</summary>
    internal static readonly ResourceManager Resources = new("Sigill.Web.Pages.SenderText", typeof(SenderText).Assembly);

    private static readonly PageWords Words = new(Resources);

    public static string S(string key) => Words.Get(key);

    /// <summary>A sentence with placeholders; the values are formatted invariantly (they are names, counts and codes).</summary>
    public static string S(string key, params object?[] args) => Words.Format(key, args);

    /// <summary>A sentence that carries its own markup (<c>&lt;strong&gt;</c>, a link) or takes some (<see cref="PageWords.Html"/>).</summary>
    public static IHtmlContent H(string key, params object?[] args) => Words.Html(key, args);
}
