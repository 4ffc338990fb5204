using System.Resources;

namespace Sigill.Web.Pages;

/// <summary>
/// The words of the public pages that people without an account open (<c>/direct/{token}</c>, <c>/d/{token}</c>), in
/// the request's language (<see cref="PageLanguage"/>: the language picked with the select, else the browser's), through
/// <c>IStringLocalizer&lt;PublicText&gt;</c> and <c>PublicText*.resx</c> beside this file.
/// </summary>
public sealed class PublicText
{
    /// <summary>The resource set, for the test that finds keys missing in a language.</summary>
    internal static readonly ResourceManager Resources = new("Sigill.Web.Pages.PublicText", typeof(PublicText).Assembly);

    /// <summary>The <c>lang</c> of the page being rendered: the request's language on these pages.</summary>
    public static string Lang => PageLanguage.Lang;
}
