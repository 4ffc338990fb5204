using System.Globalization;
using System.Resources;
using System.Text.Encodings.Web;
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

    public static string S(string key) => Resources.GetString(key, CultureInfo.CurrentUICulture) ?? key;

    /// <summary>A sentence with placeholders; the values are formatted invariantly (they are names, counts and codes).</summary>
    public static string S(string key, params object?[] args) => string.Format(CultureInfo.InvariantCulture, S(key), args);

    /// <summary>
    /// A sentence that carries its own markup (<c>&lt;strong&gt;</c>, a link) or takes some (a <see cref="Times"/> moment):
    /// the text is ours, a value is HTML-encoded unless it is HTML content already.
    /// </summary>
    public static IHtmlContent H(string key, params object?[] args) => args.Length == 0 ? new HtmlString(S(key)) :
        new HtmlString(string.Format(CultureInfo.InvariantCulture, S(key), args.Select(Html).ToArray()));

    private static object Html(object? value)
    {
        if (value is not IHtmlContent content) return HtmlEncoder.Default.Encode(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        content.WriteTo(writer, HtmlEncoder.Default);
        return writer.ToString();
    }
}
