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

    public bool SecondFactorStep { get; private set; }
    public string? Error { get; private set; }

    public IActionResult OnGet()
    {
        var session = AccountSession.Read(HttpContext, protection, options);
        if (session?.Session is not null) return Redirect("/account");
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
        var (result, problem) = await api.SignInAsync(region, Email.Trim(), password, ClientAddress, ct);
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

    private IActionResult Complete(string region, ApiClient.SignInResult? result, ApiClient.Problem? problem)
    {
        if (result?.Session is { } secret)
        {
            new AccountSession(region, Session: secret).Write(HttpContext, protection, options);
            return Redirect("/account");
        }
        if (result?.Challenge is { } challenge)
        {
            new AccountSession(region, Challenge: challenge).Write(HttpContext, protection, options);
            return Redirect("/sign-in");
        }
        return Fail(problem);
    }

    private PageResult Fail(ApiClient.Problem? problem)
    {
        // Throttles and second-factor answers are the API's own words; any other refusal is the one generic message.
        Error = problem is not null && (problem.Status == 429 || SecondFactorStep || problem.Code == "challenge_invalid") ? problem.Describe() : Generic;
        Response.StatusCode = problem?.Status is 429 ? 429 : StatusCodes.Status401Unauthorized;
        return Page();
    }

    private string? ClientAddress => HttpContext.Connection.RemoteIpAddress?.ToString();
}
