using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Accounts;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// Sign-in at <c>/sign-in</c>: e-mail and password, then a code from an authenticator app when the API answers with
/// a challenge. The region is found by asking each region's API about the address's directory hash. Every failure
/// short of a throttle reads the same, whether the account exists, where, or the password is wrong.
/// </summary>
public sealed class SignInModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : PageModel
{
    public const string Generic = "The e-mail address or the password is not correct.";

    [BindProperty]
    public string Email { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    [BindProperty]
    public string Code { get; set; } = "";

    /// <summary>
    /// Shown after a 429: past an account's ceiling, from a device it never signed in from, the password and an
    /// authenticator code together still get in (ADR 0011). Shown for every 429 alike, so it tells nothing.
    /// </summary>
    public bool OfferCode { get; private set; }

    /// <summary>Single sign-on: a work e-mail address (its domain finds the organization) or an organization id.</summary>
    [BindProperty]
    public string SsoHint { get; set; } = "";

    /// <summary>Set when single sign-on has started: the identity provider's authorization URL the page sends the browser to.</summary>
    public string? SsoRedirect { get; private set; }

    /// <summary>The page the person asked for before being sent to sign in (<see cref="SignedInPage"/>); only a path on this site is ever followed.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Next { get; set; }

    public bool SecondFactorStep { get; private set; }
    public string? Error { get; private set; }

    /// <summary>Set after the person deleted their account (<c>?deleted=1</c>): the page says it is done.</summary>
    public bool AccountDeleted { get; private set; }

    public IActionResult OnGet(string? deleted)
    {
        AccountDeleted = deleted == "1";
        var session = AccountSession.Read(HttpContext, protection, options);
        if (session?.Session is not null) return Redirect(Destination);
        SecondFactorStep = session?.Challenge is not null;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var password = Password;
        Password = ""; // never rendered back
        if (string.IsNullOrWhiteSpace(Email) || Email.Length > 254 || password.Length == 0) return Fail(null);
        var regions = await AccountRegions.AllAsync(api, options, ct);
        // Unknown everywhere: still ask a region, whose API spends the same password-hashing work and counts the
        // address's failures, so the answer, its timing and the throttle match a wrong password.
        var region = await AccountRegions.LocateAsync(api, options, regions, Email, ct) ?? regions[0];
        var code = Code.Trim();
        Code = "";
        var (result, problem) = await api.SignInAsync(region, Email.Trim(), password, code.Length > 0 ? code : null, ClientAddress, ct);
        return Complete(region, result, problem);
    }

    public async Task<IActionResult> OnPostSecondFactorAsync(CancellationToken ct)
    {
        if (AccountSession.Read(HttpContext, protection, options) is not { Challenge: { } challenge } pending) return Redirect("/sign-in");
        var (result, problem) = await api.SecondFactorAsync(pending.Region, challenge, Code.Trim(), ClientAddress, ct);
        if (problem?.Code == "challenge_invalid") AccountSession.Clear(HttpContext, options); // back to the password
        else SecondFactorStep = true;
        return Complete(pending.Region, result, problem);
    }

    /// <summary>
    /// Starts single sign-on: finds the region (from the organization id, or by asking each region about the directory
    /// hash of the e-mail's domain), keeps the API's state in the <see cref="SsoPending"/> cookie and sends the browser
    /// to the identity provider. The page answers 200 with a Refresh header and a link rather than a 302: the pages'
    /// Content-Security-Policy says <c>form-action 'self'</c>, which browsers apply to a form post's redirects too.
    /// </summary>
    public async Task<IActionResult> OnPostSsoAsync(CancellationToken ct)
    {
        var hint = SsoHint.Trim();
        var regions = await AccountRegions.AllAsync(api, options, ct);
        SsoStart? start = null;
        ApiClient.Problem? problem = null;
        if (hint.Length is > 0 and <= 254 && hint.IndexOf('@', StringComparison.Ordinal) is var at and > 0 && at < hint.Length - 1)
        {
            var domainHash = DirectoryHash.Domain(Convert.FromBase64String(options.DirectoryKey), hint[(at + 1)..]);
            foreach (var region in regions)
            {
                (start, problem) = await api.StartSsoAsync(region, null, domainHash, ClientAddress, ct);
                if (start is not null || problem?.Code != "sso_not_configured") break;
            }
            return Started(regions, start, problem);
        }
        var parts = hint.Split('_');
        if (parts.Length == 3 && parts[0] == "org" && regions.Contains(parts[1], StringComparer.Ordinal))
        {
            (start, problem) = await api.StartSsoAsync(parts[1], hint, null, ClientAddress, ct);
        }
        return Started(regions, start, problem);
    }

    private IActionResult Started(IReadOnlyList<string> regions, SsoStart? start, ApiClient.Problem? problem)
    {
        if (start is null)
        {
            Error = problem is null || problem.Code == "sso_not_configured" || problem.Status == 400
                ? SenderText.S("SignIn.NoSso")
                : problem.Describe();
            Response.StatusCode = problem?.Status is { } status && (status == 429 || status == 502) ? status : StatusCodes.Status404NotFound;
            return Page();
        }
        var region = start.State.Split('_') is { Length: 4 } p && regions.Contains(p[1], StringComparer.Ordinal) ? p[1] : null;
        if (region is null || !Uri.TryCreate(start.AuthorizationUrl, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
        {
            Error = SenderText.S("SignIn.SsoFailed");
            Response.StatusCode = StatusCodes.Status502BadGateway;
            return Page();
        }
        new SsoPending(region, start.State).Write(HttpContext, protection, options);
        SsoRedirect = url.AbsoluteUri;
        Response.Headers["Refresh"] = "0;url=" + url.AbsoluteUri;
        return Page();
    }

    private IActionResult Complete(string region, SignInResponse? result, ApiClient.Problem? problem)
    {
        if (result?.Session is { } secret)
        {
            new AccountSession(region, Session: secret).Write(HttpContext, protection, options);
            return Redirect(Destination);
        }
        if (result?.Challenge is { } challenge)
        {
            new AccountSession(region, Challenge: challenge).Write(HttpContext, protection, options);
            return Redirect(Local(Next) is { } next ? "/sign-in?next=" + Uri.EscapeDataString(next) : "/sign-in");
        }
        return Fail(problem);
    }

    private PageResult Fail(ApiClient.Problem? problem)
    {
        // Throttles and second-factor answers are the API's own words; any other refusal is the one generic message.
        Error = problem is not null && (problem.Status == 429 || SecondFactorStep || problem.Code is "challenge_invalid" or "sso_required" or "second_factor_failed")
            ? problem.Describe() : SenderText.S("SignIn.Generic");
        OfferCode = problem?.Status == 429 && !SecondFactorStep;
        Response.StatusCode = problem?.Status is { } status && (status == 429 || status == 403) ? status : StatusCodes.Status401Unauthorized;
        return Page();
    }

    /// <summary>Where a session goes: the page asked for, or the account.</summary>
    private string Destination => Local(Next) ?? "/account";

    /// <summary>
    /// A path on this site, or null: it starts with one slash and neither a second slash nor a backslash (which
    /// browsers read as another host), has no control characters, and is not the sign-in page itself.
    /// </summary>
    public static string? Local(string? next) =>
        next is { Length: > 1 and <= 2048 } && next[0] == '/' && next[1] is not ('/' or '\\')
        && !next.Any(c => char.IsControl(c) || c == '\\') && !next.StartsWith("/sign-in", StringComparison.OrdinalIgnoreCase)
            ? next : null;

    private string? ClientAddress => HttpContext.Connection.RemoteIpAddress?.ToString();
}
