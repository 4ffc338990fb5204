using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Localization;

namespace Sigill.Web.Pages;

/// <summary>
/// The language of the web tier's pages (docs/translations.md), one mechanism for all of them: the sender's pages, the
/// sign-in pages, the payer's page <c>/p</c> and the public pages <c>/direct</c> and <c>/d</c>. The language is the one
/// the person picked with the language select (the <see cref="CookieName"/> cookie, written by <c>/language</c>), else
/// the browser's first supported one (<c>Accept-Language</c>), else English. Only the thread's UI culture changes (the
/// resource lookup of <see cref="SenderText"/> and <see cref="PublicText"/>): the culture stays invariant, because the
/// pages write numbers into forms and <c>data-</c> attributes and read numbers and dates back from forms. The
/// recipient's signing pages (<c>/s</c>, <c>/e</c>) take the recipient's language explicitly and are left out, as is
/// the API pass-through. The embedded sending page <c>/e/send</c> is a sender's page: framed, it gets no cookie of ours
/// (third-party), so in practice it speaks the browser's language.
/// </summary>
public static class PageLanguage
{
    /// <summary>The picked language: a two-letter code of <see cref="Languages.Supported"/>; anything else is ignored.</summary>
    public const string CookieName = "sigill-lang";

    /// <summary>Whether <paramref name="path"/> is a page that takes its words from the request's language.</summary>
    public static bool Applies(PathString path) =>
        !path.StartsWithSegments("/api") && !path.StartsWithSegments("/s") && (!path.StartsWithSegments("/e") || path.StartsWithSegments("/e/send"))
        && !path.StartsWithSegments("/health");

    /// <summary>The five languages as UI cultures (neutral, so <c>sv-SE</c> and <c>sv-FI</c> both find Swedish); the culture always invariant.</summary>
    public static RequestLocalizationOptions Options()
    {
        var languages = Languages.Supported.Select(CultureInfo.GetCultureInfo).ToList();
        return new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(CultureInfo.InvariantCulture, CultureInfo.GetCultureInfo(Languages.English)),
            SupportedCultures = [CultureInfo.InvariantCulture],
            SupportedUICultures = languages,
            FallBackToParentCultures = false,
            FallBackToParentUICultures = true,
            RequestCultureProviders =
            [
                new CustomRequestCultureProvider(http => Task.FromResult(Picked(http.Request) is { } code ? new ProviderCultureResult(code) : null)),
                new AcceptLanguageHeaderRequestCultureProvider { MaximumAcceptLanguageHeaderValuesToTry = 5 },
            ],
        };
    }

    /// <summary>The language in the cookie when it is one Sigill speaks, else null (a bad or stale value falls back to the browser's).</summary>
    public static string? Picked(HttpRequest request) =>
        request.Cookies.TryGetValue(CookieName, out var value) && Languages.IsSupported(value) ? value : null;

    /// <summary>Remembers <paramref name="code"/> for a year (a code Sigill does not speak removes the choice).</summary>
    public static void Pick(HttpContext http, string? code)
    {
        if (!Languages.IsSupported(code))
        {
            http.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/" });
            return;
        }
        http.Response.Cookies.Append(CookieName, code!, new CookieOptions
        {
            Path = "/",
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = http.Request.IsHttps,
            IsEssential = true,
            MaxAge = TimeSpan.FromDays(365),
        });
    }

    /// <summary>The <c>lang</c> of the page being rendered: the request's language.</summary>
    public static string Lang => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName is var code && Languages.IsSupported(code) ? code : Languages.English;

    /// <summary>The languages of the select, each in its own words.</summary>
    public static IReadOnlyList<(string Code, string Name)> Choices { get; } =
        [("en", "English"), ("sv", "Svenska"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")];
}
