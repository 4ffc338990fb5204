using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Sigill.Web.Pages;

/// <summary>
/// The language select of the layout's footer posts here (antiforgery checked like every page's form): the choice is
/// kept in the <see cref="PageLanguage.CookieName"/> cookie and the browser goes back to the page it came from (only a
/// path on this site). No account is needed: the sign-in pages have the select too.
/// </summary>
public sealed class LanguageModel : PageModel
{
    public IActionResult OnGet() => Redirect("/");

    public IActionResult OnPost(string? lang, string? next)
    {
        PageLanguage.Pick(HttpContext, lang);
        return LocalRedirect(Back(next));
    }

    private static string Back(string? next) =>
        next is { Length: > 1 and <= 2048 } && next[0] == '/' && next[1] is not ('/' or '\\') && !next.Any(c => char.IsControl(c) || c == '\\') ? next : "/";
}
