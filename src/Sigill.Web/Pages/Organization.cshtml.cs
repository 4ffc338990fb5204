using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// The organization at <c>/organization</c>: members and their roles, invitations, and — for owners and admins — staff
/// access: operators' requests to approve or deny, live grants to revoke, and the access-transparency log of every
/// support action; the organization's payment processor (Stripe), which everyone sees and owners and admins connect. What a
/// role may not do, the API refuses, and the page says so.
/// </summary>
public sealed partial class OrganizationModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : SignedInPage(api, protection, options)
{
    public static readonly IReadOnlyList<string> Roles = ["owner", "admin", "member", "viewer"];

    public AccountView Account { get; private set; } = null!;
    public IReadOnlyList<MemberView> Members { get; private set; } = [];
    public IReadOnlyList<InvitationView> Invitations { get; private set; } = [];
    public IReadOnlyList<GrantView> Grants { get; private set; } = [];
    public IReadOnlyList<AccessLogEntry> AccessLog { get; private set; } = [];
    public string? Notice { get; private set; }

    /// <summary>The single sign-on connection (owners and admins), or none.</summary>
    public SsoConnectionView? Sso { get; private set; }

    public bool Admin => Account.Role is "owner" or "admin";

    /// <summary>When the access review is due, and whether it is overdue (owners and admins; the review has a page of its own).</summary>
    public AccessReviewsOverview? AccessReview { get; private set; }

    /// <summary>
    /// The actions whose success the page names after its redirect (post, redirect, get: a reload repeats nothing), in the
    /// page's language: <c>Org.Notice.{done}</c> in SenderText.
    /// </summary>
    private static readonly HashSet<string> Notices = new(StringComparer.Ordinal)
    {
        "dpa", "invited", "withdrawn", "role", "removed", "approve", "deny", "revoke", "sso", "sso-removed", "delivery",
        "sealing", "logo", "logo-removed", "payments", "retention", "payments-removed",
    };

    /// <summary>The organization's e-mail settings (<c>/api/v1/organizations/current</c>).</summary>
    public sealed record DeliverySettings(string Name, string? BrandColor, int DeliveryLinkDays, bool AttachSealedPdf, bool HasLogo, bool SealWithoutTimestamp);

    /// <summary>The logo e-mails carry, as a data: URL for the preview (the page's CSP allows data: images, nothing else from outside).</summary>
    public string? LogoDataUrl { get; private set; }

    /// <summary>The API's limit on a logo (256 KB); a bigger file is refused here before anything is sent.</summary>
    public const int MaxLogoBytes = 256 * 1024;

    public async Task<IActionResult> OnPostLogoAsync(IFormFile? logo, CancellationToken ct)
    {
        if (logo is null || logo.Length is 0 or > MaxLogoBytes)
        {
            if (await LoadAsync(ct) is { } failed) return failed;
            return Failed(new ApiClient.Problem(400, SenderText.S("Org.LogoTooBig"), null, null));
        }
        using var bytes = new MemoryStream();
        await logo.CopyToAsync(bytes, ct);
        return await AfterAsync(await SendAsync(HttpMethod.Put, "/api/v1/organizations/current/logo", new { png = Convert.ToBase64String(bytes.ToArray()) }, ct), "logo", ct);
    }

    public async Task<IActionResult> OnPostRemoveLogoAsync(CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Delete, "/api/v1/organizations/current/logo", null, ct), "logo-removed", ct);

    public DeliverySettings? Delivery { get; private set; }

    public async Task<IActionResult> OnPostDeliveryAsync(string? brandColor, int deliveryLinkDays, bool attachSealedPdf, bool defaultColor, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Patch, "/api/v1/organizations/current", new
        {
            brandColor = defaultColor ? "" : brandColor,
            deliveryLinkDays,
            attachSealedPdf,
        }, ct), "delivery", ct);

    /// <summary>The retention policy (owners and admins: the privacy privilege); null for everyone else.</summary>
    public Sigill.Contracts.RetentionView? Retention { get; private set; }

    /// <summary>
    /// Saves the retention policy: each box holds a whole number, or is empty to keep (no automatic deletion). A box that
    /// is not a number is refused here; the API checks the ranges and its message is shown.
    /// </summary>
    public async Task<IActionResult> OnPostRetentionAsync(string? draftDays, string? endedDays, string? completedYears, string? viewDetailsDays, CancellationToken ct)
    {
        var values = new[] { (SenderText.S("Org.RetName.drafts"), draftDays), (SenderText.S("Org.RetName.ended"), endedDays), (SenderText.S("Org.RetName.completed"), completedYears), (SenderText.S("Org.RetName.views"), viewDetailsDays) }
            .Select(v => (v.Item1, Text: v.Item2?.Trim(), Number: int.TryParse(v.Item2?.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : (int?)null))
            .ToList();
        if (values.FirstOrDefault(v => !string.IsNullOrEmpty(v.Text) && v.Number is null) is { Item1: { } bad })
        {
            if (await LoadAsync(ct) is { } failed) return failed;
            return Failed(new ApiClient.Problem(400, SenderText.S("Org.RetNotNumber", bad), null, null));
        }
        return await AfterAsync(await SendAsync(HttpMethod.Put, "/api/v1/privacy/retention", new
        {
            draftDays = values[0].Number,
            endedDays = values[1].Number,
            completedYears = values[2].Number,
            viewDetailsDays = values[3].Number,
        }, ct), "retention", ct);
    }

    public async Task<IActionResult> OnPostSealingAsync(bool sealWithoutTimestamp, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Patch, "/api/v1/organizations/current", new { sealWithoutTimestamp }, ct), "sealing", ct);

    /// <summary>The organization's payment processor connection (everyone who reads the organization sees whether it is connected).</summary>
    public PaymentAccountView? Payments { get; private set; }

    /// <summary>The processor events the webhook must receive, as Stripe names them.</summary>
    public static readonly IReadOnlyList<string> PaymentEvents =
    [
        "checkout.session.completed", "checkout.session.async_payment_succeeded", "payment_intent.succeeded",
        "charge.refunded", "charge.dispute.created", "charge.dispute.closed",
    ];

    /// <summary>Connects the organization's Stripe account, or replaces its keys; the keys are never shown again, nor put back into the form.</summary>
    public async Task<IActionResult> OnPostPaymentsAsync(string? apiKey, string? webhookSecret, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Put, "/api/v1/organization/payments/", new
        {
            processor = "stripe",
            apiKey = apiKey?.Trim(),
            webhookSecret = webhookSecret?.Trim(),
        }, ct), "payments", ct);

    public async Task<IActionResult> OnPostDisconnectPaymentsAsync(CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Delete, "/api/v1/organization/payments/", null, ct), "payments-removed", ct);

    public async Task<IActionResult> OnGetAsync(string? done, CancellationToken ct)
    {
        Notice = done is not null && Notices.Contains(done) ? SenderText.S("Org.Notice." + done) : null;
        return await LoadAsync(ct) ?? Page();
    }

    /// <summary>The organization's records of processing as a PDF download (owners and admins; the API refuses everyone else).</summary>
    public Task<IActionResult> OnGetRecordsOfProcessingAsync(CancellationToken ct) =>
        PdfAsync(HttpMethod.Get, "/api/v1/privacy/records-of-processing?format=pdf", null, download: true, ct);

    public async Task<IActionResult> OnPostInviteAsync(string? email, string? role, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Post, "/api/v1/invitations/", new { email = email?.Trim(), role }, ct), "invited", ct);

    public async Task<IActionResult> OnPostRevokeInvitationAsync(string invitationId, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Delete, $"/api/v1/invitations/{Seg(invitationId)}", null, ct), "withdrawn", ct);

    public async Task<IActionResult> OnPostRoleAsync(string userId, string? role, CancellationToken ct) =>
        await AfterAsync(await SendAsync(new HttpMethod("PATCH"), $"/api/v1/members/{Seg(userId)}", new { role }, ct), "role", ct);

    public async Task<IActionResult> OnPostRemoveAsync(string userId, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Delete, $"/api/v1/members/{Seg(userId)}", null, ct), "removed", ct);

    public async Task<IActionResult> OnPostGrantAsync(string grantId, string decision, CancellationToken ct)
    {
        if (decision is not ("approve" or "deny" or "revoke")) return BadRequest();
        var problem = await SendAsync(HttpMethod.Post, $"/api/v1/organization/support-grants/{Seg(grantId)}/{decision}", new { }, ct);
        return await AfterAsync(problem, decision, ct);
    }

    public sealed record SsoInput(string? Issuer, string? ClientId, string? ClientSecret, string? Domains, bool PasswordSignInAllowed);

    /// <summary>Saves the OpenID Connect connection; a blank client secret keeps the stored one. The API checks the issuer at once.</summary>
    public async Task<IActionResult> OnPostSsoAsync(SsoInput sso, CancellationToken ct)
    {
        Submitted = sso with { ClientSecret = null }; // shown again if the API refuses it, never the secret
        return await AfterAsync(await SendAsync(HttpMethod.Put, "/api/v1/organization/sso/", new
        {
            protocol = "oidc",
            issuer = sso.Issuer?.Trim(),
            clientId = sso.ClientId?.Trim(),
            clientSecret = string.IsNullOrEmpty(sso.ClientSecret) ? null : sso.ClientSecret,
            allowedDomains = (sso.Domains ?? "").Split([',', ' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            passwordSignInAllowed = sso.PasswordSignInAllowed,
        }, ct), "sso", ct);
    }

    /// <summary>What the admin typed into the single sign-on form, when it was refused.</summary>
    public SsoInput? Submitted { get; private set; }

    public async Task<IActionResult> OnPostRemoveSsoAsync(CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Delete, "/api/v1/organization/sso/", null, ct), "sso-removed", ct);

    private async Task<IActionResult> AfterAsync(ApiClient.Problem? problem, string done, CancellationToken ct)
    {
        if (problem is null) return LocalRedirect($"/organization?done={done}");
        return await LoadAsync(ct) ?? Failed(problem);
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken ct)
    {
        var account = await GetAsync<AccountView>("/api/v1/account/", ct);
        if (!account.Ok) return Failed(account.Problem!);
        Account = account.Value!;
        var members = await GetAsync<MemberView[]>("/api/v1/members/", ct);
        Members = members.Value ?? [];
        Invitations = (await GetAsync<InvitationView[]>("/api/v1/invitations/", ct)).Value ?? [];
        Payments = (await GetAsync<PaymentAccountView>("/api/v1/organization/payments/", ct)).Value;
        if (Admin)
        {
            Dpa = (await GetAsync<Sigill.Contracts.DpaStatusView>("/api/v1/privacy/dpa", ct)).Value;
            Grants = (await GetAsync<GrantView[]>("/api/v1/organization/support-grants", ct)).Value ?? [];
            AccessReview = (await GetAsync<AccessReviewsOverview>("/api/v1/organization/access-reviews/", ct)).Value;
            AccessLog = (await GetAsync<AccessLogEntry[]>("/api/v1/organization/access-log", ct)).Value ?? [];
            Sso = (await GetAsync<SsoConnectionView>("/api/v1/organization/sso/", ct)).Value; // 404 when none
            Delivery = (await GetAsync<DeliverySettings>("/api/v1/organizations/current", ct)).Value;
            Retention = (await GetAsync<Sigill.Contracts.RetentionView>("/api/v1/privacy/retention", ct)).Value; // 403 without the privacy privilege
            if (Delivery?.HasLogo == true && await BytesAsync("/api/v1/organizations/current/logo", MaxLogoBytes, ct) is { } png)
            {
                LogoDataUrl = "data:image/png;base64," + Convert.ToBase64String(png);
            }
        }
        return null;
    }
}
