using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Accounts;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// Where the identity provider sends the browser back (<c>/sso/callback?code=…&amp;state=…</c>, the redirect URI
/// admins register). The state must equal the one kept in this browser's <see cref="SsoPending"/> cookie; the cookie
/// is spent either way. The API then exchanges the code and validates the ID token; a session lands in the session
/// cookie exactly as after a password sign-in (or, for an account with an authenticator app, the challenge for the
/// sign-in page's code step). The code and state are never rendered or logged here.
/// </summary>
public sealed class SsoCallbackModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : PageModel
{
    public string Error { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(string? code, string? state, string? error, string? iss, CancellationToken ct)
    {
        var pending = SsoPending.Read(HttpContext, protection, options);
        SsoPending.Clear(HttpContext, options);
        if (pending is null || !pending.Matches(state))
        {
            return Fail(StatusCodes.Status400BadRequest, "This single sign-on did not start in this browser, or it has expired. Start the sign-in again.");
        }
        if (error is not null || string.IsNullOrEmpty(code))
        {
            return Fail(StatusCodes.Status401Unauthorized, "Your identity provider did not sign you in" + (error is "access_denied" ? " (access was denied)." : "."));
        }
        var (result, problem) = await api.FinishSsoAsync(pending.Region, pending.State, code, iss, HttpContext.Connection.RemoteIpAddress?.ToString(), ct);
        if (result?.Challenge is { } challenge)
        {
            // The account has an authenticator app: the sign-in page's code step, as after a password.
            new AccountSession(pending.Region, Challenge: challenge).Write(HttpContext, protection, options);
            return Redirect("/sign-in");
        }
        if (result?.Session is { } session)
        {
            new AccountSession(pending.Region, Session: session).Write(HttpContext, protection, options);
            return Redirect("/account");
        }
        return Fail(problem?.Status is { } status && status is >= 400 and < 600 ? status : StatusCodes.Status502BadGateway,
            problem?.Describe() ?? "Single sign-on did not work; please try again.");
    }

    private PageResult Fail(int status, string message)
    {
        Error = message;
        Response.StatusCode = status;
        return Page();
    }
}
