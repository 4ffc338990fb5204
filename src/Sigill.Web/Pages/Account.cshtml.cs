using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Sigill.Web.Accounts;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// The signed-in person at <c>/account</c>: who they are, the authenticator app (set up with a key and a confirming code,
/// then recovery codes shown once; turned off with a code), the password, their sessions (each revocable, or all at
/// once), sign-out, and deleting the account. Everything goes through the API with the session in the cookie.
/// </summary>
public sealed class AccountModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : SignedInPage(api, protection, options)
{
    private readonly WebTierOptions _options = options;

    public AccountView? Account { get; private set; }

    public IReadOnlyList<SessionView> Sessions { get; private set; } = [];

    /// <summary>Set while the authenticator app is being set up: the key to enter (or the otpauth link to open).</summary>
    public TotpEnrolment? Enrolment { get; private set; }

    /// <summary>Shown once, right after the authenticator app is confirmed.</summary>
    public IReadOnlyList<string>? RecoveryCodes { get; private set; }

    /// <summary>The pending key's otpauth URI as an SVG QR code, drawn here from the URI alone (nothing is fetched).</summary>
    public string? EnrolmentQr => Enrolment is { } e ? QrSvg(e.Uri) : null;

    private static string QrSvg(string text)
    {
        using var generator = new QRCoder.QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCoder.QRCodeGenerator.ECCLevel.M);
        return new QRCoder.SvgQRCode(data).GetGraphic(5);
    }

    public string? Notice { get; private set; }

    /// <summary>What a successful action says (keys of SenderText), shown after its redirect (a reload repeats nothing).</summary>
    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["totp-off"] = "Account.Done.totp-off",
        ["password"] = "Account.Done.password",
        ["session"] = "Account.Done.session",
        ["notices"] = "Account.Done.notices",
    };

    public async Task<IActionResult> OnGetAsync(string? done, CancellationToken ct)
    {
        Notice = done is not null && Notices.TryGetValue(done, out var notice) ? SenderText.S(notice) : null;
        return await LoadAsync(ct) ?? Page();
    }

    public async Task<IActionResult> OnPostSignOutAsync(CancellationToken ct)
    {
        await SendAsync(HttpMethod.Post, "/api/v1/account/sign-out", null, ct);
        AccountSession.Clear(HttpContext, _options);
        return Redirect("/sign-in");
    }

    public async Task<IActionResult> OnPostStartTotpAsync(CancellationToken ct)
    {
        var reply = await SendAsync<TotpEnrolment>(HttpMethod.Post, "/api/v1/account/totp", new { }, ct);
        if (await LoadAsync(ct) is { } failed) return failed;
        if (!reply.Ok) return Failed(reply.Problem!);
        Enrolment = reply.Value;
        return Page();
    }

    public async Task<IActionResult> OnPostConfirmTotpAsync(string? code, CancellationToken ct)
    {
        var reply = await SendAsync<RecoveryCodes>(HttpMethod.Post, "/api/v1/account/totp/confirm", new { code = code?.Trim() }, ct);
        if (await LoadAsync(ct) is { } failed) return failed;
        if (!reply.Ok)
        {
            // A mistyped code keeps the key the person has scanned already: show it again (gone after too many tries).
            var pending = await GetAsync<TotpEnrolment>("/api/v1/account/totp", ct);
            Enrolment = pending.Ok ? pending.Value : null;
            return Failed(reply.Problem!);
        }
        RecoveryCodes = reply.Value!.Codes;
        return Page();
    }

    public async Task<IActionResult> OnPostDisableTotpAsync(string? code, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Post, "/api/v1/account/totp/disable", new { code = code?.Trim() }, ct), "totp-off", ct);

    public async Task<IActionResult> OnPostPasswordAsync(string? currentPassword, string? newPassword, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Post, "/api/v1/account/password", new { currentPassword, newPassword }, ct), "password", ct);

    public async Task<IActionResult> OnPostRevokeSessionAsync(string sessionId, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Delete, $"/api/v1/account/sessions/{Seg(sessionId)}", null, ct), "session", ct);

    public async Task<IActionResult> OnPostRevokeAllAsync(CancellationToken ct)
    {
        await SendAsync(HttpMethod.Post, "/api/v1/account/sessions/revoke-all", new { }, ct);
        AccountSession.Clear(HttpContext, _options);
        return Redirect("/sign-in");
    }

    /// <summary>After a refused account deletion: the organizations of which the person is the last owner.</summary>
    public IReadOnlyList<string>? LastOwned { get; private set; }

    /// <summary>
    /// Deletes the account (the password confirms it). Done, the session is gone with the account: the cookie is cleared
    /// and sign-in says so. The last owner of an organization is told which ones, and what to do, and nothing changes.
    /// </summary>
    public async Task<IActionResult> OnPostDeleteAccountAsync(string? password, CancellationToken ct)
    {
        var problem = await SendAsync(HttpMethod.Post, "/api/v1/account/delete", new { password }, ct);
        if (problem is null)
        {
            AccountSession.Clear(HttpContext, _options);
            return Redirect("/sign-in?deleted=1");
        }
        if (await LoadAsync(ct) is { } failed) return failed;
        if (problem.Code == "last_owner")
        {
            LastOwned = problem.Organizations ?? [];
            return Page();
        }
        return Failed(problem);
    }

    /// <summary>The sender notices: every kind, and those switched off.</summary>
    public sealed record SenderNoticesView(IReadOnlyList<string> Kinds, IReadOnlyList<string> Off);

    public SenderNoticesView? SenderNotices { get; private set; }

    /// <summary>Saves the notices form: a kind is on when its box is ticked.</summary>
    public async Task<IActionResult> OnPostNoticesAsync(string[]? on, CancellationToken ct)
    {
        var current = await GetAsync<SenderNoticesView>("/api/v1/account/notices", ct);
        if (!current.Ok) return await AfterAsync(current.Problem, "notices", ct);
        var off = current.Value!.Kinds.Where(k => !(on ?? []).Contains(k, StringComparer.Ordinal)).ToArray();
        return await AfterAsync(await SendAsync(HttpMethod.Put, "/api/v1/account/notices", new { off }, ct), "notices", ct);
    }

    private async Task<IActionResult> AfterAsync(ApiClient.Problem? problem, string done, CancellationToken ct)
    {
        if (problem is null) return LocalRedirect($"/account?done={done}");
        return await LoadAsync(ct) ?? Failed(problem);
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken ct)
    {
        var account = await GetAsync<AccountView>("/api/v1/account/", ct);
        if (!account.Ok) return Failed(account.Problem!);
        Account = account.Value;
        Sessions = (await GetAsync<SessionView[]>("/api/v1/account/sessions", ct)).Value ?? [];
        SenderNotices = (await GetAsync<SenderNoticesView>("/api/v1/account/notices", ct)).Value;
        return null;
    }
}
