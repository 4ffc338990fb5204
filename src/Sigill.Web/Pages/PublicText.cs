using System.Globalization;
using System.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Localization;

namespace Sigill.Web.Pages;

/// <summary>
/// The words of the public pages that people without an account open (<c>/direct/{token}</c>, <c>/d/{token}</c>), in
/// the browser's language (<c>Accept-Language</c>), through <c>IStringLocalizer&lt;PublicText&gt;</c> and
/// <c>PublicText*.resx</c> beside this file. Only these pages run the request localization middleware
/// (<see cref="Localized"/>): the sender's pages read numbers and dates from forms and keep the invariant culture until
/// they are translated themselves.
/// </summary>
public sealed class PublicText
{
    /// <summary>The resource set, for the test that finds keys missing in a language.</summary>
    internal static readonly ResourceManager Resources = new("Sigill.Web.Pages.PublicText", typeof(PublicText).Assembly);

    /// <summary>Whether <paramref name="path"/> is a page that speaks the browser's language.</summary>
    public static bool Localized(PathString path) => path.StartsWithSegments("/direct") || path.StartsWithSegments("/d");

    /// <summary>The five languages, neutral (so <c>sv-SE</c> and <c>sv-FI</c> both find Swedish), from Accept-Language only.</summary>
    public static RequestLocalizationOptions Options()
    {
        var cultures = Languages.Supported.Select(CultureInfo.GetCultureInfo).ToList();
        return new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(Languages.English),
            SupportedCultures = cultures,
            SupportedUICultures = cultures,
            FallBackToParentCultures = true,
            FallBackToParentUICultures = true,
            RequestCultureProviders = [new AcceptLanguageHeaderRequestCultureProvider { MaximumAcceptLanguageHeaderValuesToTry = 5 }],
        };
    }

    /// <summary>The <c>lang</c> of the page being rendered: the request's language on these pages.</summary>
    public static string Lang => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName is var code && Languages.IsSupported(code) ? code : Languages.English;
}
