using System.Globalization;
using System.Resources;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace Sigill.Web.Pages;

/// <summary>
/// The words of one resource set of the web tier's pages in the request's language (the thread's UI culture, which
/// <see cref="PageLanguage"/> sets): <see cref="SenderText"/> and <see cref="PublicText"/> are two sets read the same way.
/// A key missing in English reads as the key itself, which the tests of used keys catch first.
/// </summary>
internal sealed class PageWords(ResourceManager resources)
{
    public string Get(string key) => resources.GetString(key, CultureInfo.CurrentUICulture) ?? key;

    /// <summary>A sentence with placeholders; the values are formatted invariantly (names, counts, versions and codes).</summary>
    public string Format(string key, object?[] args) => string.Format(CultureInfo.InvariantCulture, Get(key), args);

    /// <summary>
    /// A sentence that carries its own markup (<c>&lt;strong&gt;</c>, a link) or takes some (a <see cref="Times"/> moment):
    /// the text is ours, a value is HTML-encoded unless it is HTML content already.
    /// </summary>
    public IHtmlContent Html(string key, object?[] args) => args.Length == 0 ? new HtmlString(Get(key)) :
        new HtmlString(string.Format(CultureInfo.InvariantCulture, Get(key), args.Select(Encode).ToArray()));

    private static object Encode(object? value)
    {
        if (value is not IHtmlContent content) return HtmlEncoder.Default.Encode(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        content.WriteTo(writer, HtmlEncoder.Default);
        return writer.ToString();
    }
}
