using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Sigill.Web.Api;

namespace Sigill.Web.Pages.Documents;

/// <summary>
/// One document at <c>/documents/{id}</c>. A draft is prepared here: recipients in signing order, fields placed on the
/// pages (dragged from the palette by the browser module, or placed with the form), then sent from the send dialog.
/// Afterwards the page shows each recipient's progress, the activity timeline and the downloads; a live document can be voided.
/// Field posts from the browser module ask for JSON and get the placed field back; plain form posts reload the page.
/// </summary>
public sealed partial class DocumentModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : SignedInPage(api, protection, options)
{
    /// <summary>
    /// A new field's size in PDF points, by kind: every kind the API knows. A dropdown, radio group or formula starts
    /// with settings to edit (<see cref="DefaultSettings"/>); settings and conditions are edited per placed field.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (double Width, double Height)> FieldSizes = new Dictionary<string, (double, double)>
    {
        ["signature"] = (180, 48),
        ["initials"] = (72, 40),
        ["text"] = (180, 24),
        ["date"] = (110, 24),
        ["checkbox"] = (18, 18),
        ["number"] = (110, 24),
        ["email"] = (180, 24),
        ["name"] = (180, 24),
        ["dropdown"] = (180, 24),
        ["radio"] = (180, 56),
        ["formula"] = (110, 24),
        ["attachment"] = (180, 24),
    };

    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = "";

    public DocumentView Document { get; private set; } = null!;

    public IReadOnlyList<ActivityEntry> Activity { get; private set; } = [];

    public bool IsDraft => Document.Status == "draft";

    public IReadOnlyList<RecipientView> Signers => Placement.Signers;

    /// <summary>The pages with their fields (<c>_Pages.cshtml</c>): editable while a draft has a signer.</summary>
    public PagePlacement Placement { get; private set; } = null!;

    /// <summary>Signers with no field placed: the document cannot be sent until each has one.</summary>
    public IReadOnlyList<RecipientView> SignersWithoutFields => [.. Signers.Where(s => !Document.Fields.Any(f => f.RecipientId == s.Id))];

    /// <summary>A recipient of a sent document whose turn it is and who has not finished: they can be reminded or corrected.</summary>
    public bool IsWaiting(RecipientView r) => Document.Status == "sent" && r.Status == "notified";

    /// <summary>A recipient of a sent document who has not finished yet (their name or address can be corrected).</summary>
    public bool IsOpen(RecipientView r) => Document.Status == "sent" && r.Status is "pending" or "notified";

    public string RecipientName(string? id) => Placement.RecipientName(id);

    public int ColourOf(string recipientId) => Placement.ColourOf(recipientId);

    /// <summary>What a successful action says, shown after its redirect.</summary>
    public string? Notice { get; private set; }

    /// <summary>The API refused to require payment because the organization has no Stripe account: the page links to where it is connected.</summary>
    public bool PaymentsNotConnected { get; private set; }

    /// <summary>The notices by <c>?done=</c>, as keys of SenderText.</summary>
    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["refunded"] = "Doc.NoticeRefunded",
        ["paid-outside"] = "Doc.NoticePaidOutside",
    };

    public async Task<IActionResult> OnGetAsync(string? done, CancellationToken ct)
    {
        Notice = done is not null && Notices.TryGetValue(done, out var notice) ? SenderText.S(notice) : null;
        return await LoadAsync(ct) ?? Page();
    }

    // ---- recipients -----------------------------------------------------------------------------------------

    public sealed record RecipientInput(string? Name, string? Email, string? Role, int? SigningOrder, string? StepUp, string? AccessCode);

    public async Task<IActionResult> OnPostAddRecipientAsync(RecipientInput recipient, CancellationToken ct)
    {
        var stepUp = recipient.StepUp is "access_code" or "email_code" ? recipient.StepUp : null;
        var problem = await SendAsync(HttpMethod.Post, Path("/recipients"), new
        {
            name = recipient.Name,
            email = recipient.Email?.Trim(),
            role = recipient.Role ?? "signer",
            signingOrder = recipient.SigningOrder,
            stepUp,
            accessCode = stepUp == "access_code" ? recipient.AccessCode : null,
        }, ct);
        return await AfterAsync(problem, "#recipients", ct);
    }

    public async Task<IActionResult> OnPostRemoveRecipientAsync(string recipientId, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Delete, Path($"/recipients/{Seg(recipientId)}"), null, ct), "#recipients", ct);

    // ---- fields -----------------------------------------------------------------------------------------------

    /// <summary>A field to place: <c>Optional</c> unticked leaves the API's default (a checkbox optional, the rest required).</summary>
    public sealed record FieldInput(string? RecipientId, string? Kind, int Page, double X, double Y, bool Optional = false, string? Label = null, bool FillSigningDate = false);

    public async Task<IActionResult> OnPostAddFieldAsync(FieldInput field, CancellationToken ct)
    {
        if (field.Kind is null || !FieldSizes.TryGetValue(field.Kind, out var size)) return await FieldFailedAsync(SenderText.S("Doc.ChooseKind"), ct);
        var reply = await SendAsync<FieldView>(HttpMethod.Post, Path("/fields"), new
        {
            recipientId = field.RecipientId,
            kind = field.Kind,
            page = field.Page,
            x = Math.Round(field.X, 2),
            y = Math.Round(field.Y, 2),
            width = size.Width,
            height = size.Height,
            required = field.Optional ? false : (bool?)null,
            label = string.IsNullOrWhiteSpace(field.Label) ? null : field.Label.Trim(),
            fillSigningDate = field.Kind == "date" && field.FillSigningDate,
            settings = DefaultSettings(field.Kind),
        }, ct);
        if (WantsJson) return reply.Ok ? new JsonResult(reply.Value) : Json(reply.Problem!);
        return await AfterAsync(reply.Problem, "#fields", ct);
    }

    public async Task<IActionResult> OnPostRemoveFieldAsync(string fieldId, CancellationToken ct)
    {
        var problem = await SendAsync(HttpMethod.Delete, Path($"/fields/{Seg(fieldId)}"), null, ct);
        if (WantsJson) return problem is null ? new JsonResult(new { removed = fieldId }) : Json(problem);
        return await AfterAsync(problem, "#fields", ct);
    }

    /// <summary>Moving a field: its page and top-left corner change, nothing else.</summary>
    public async Task<IActionResult> OnPostMoveFieldAsync(string fieldId, int page, double x, double y, CancellationToken ct)
    {
        var moved = await SendAsync<FieldView>(HttpMethod.Patch, Path($"/fields/{Seg(fieldId)}"), new { page, x = Math.Round(x, 2), y = Math.Round(y, 2) }, ct);
        return moved.Ok ? new JsonResult(moved.Value) : Json(moved.Problem!);
    }

    /// <summary>A placed field's label (blank: named after its kind) and whether the signer must fill it in.</summary>
    public async Task<IActionResult> OnPostUpdateFieldAsync(string fieldId, string? label, bool required, CancellationToken ct)
    {
        var reply = await SendAsync<FieldView>(HttpMethod.Patch, Path($"/fields/{Seg(fieldId)}"), new { label = label?.Trim() ?? "", required }, ct);
        if (WantsJson) return reply.Ok ? new JsonResult(reply.Value) : Json(reply.Problem!);
        return await AfterAsync(reply.Problem, "#field-list-title", ct);
    }

    // ---- sending and after ----------------------------------------------------------------------------------------

    public sealed record SendInput(string? Message, int? ExpiresInDays, int? RemindEveryDays);

    public async Task<IActionResult> OnPostSendAsync(SendInput send, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Post, Path("/send"), new
        {
            message = string.IsNullOrWhiteSpace(send.Message) ? null : send.Message.Trim(),
            expiresInDays = send.ExpiresInDays,
            remindEveryDays = send.RemindEveryDays is > 0 ? send.RemindEveryDays : null,
        }, ct), "", ct);

    public async Task<IActionResult> OnPostVoidAsync(string? reason, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Post, Path("/void"), new { reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim() }, ct), "", ct);

    public async Task<IActionResult> OnPostResendAsync(string recipientId, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Post, Path($"/recipients/{Seg(recipientId)}/resend"), null, ct), "#recipients", ct);

    public async Task<IActionResult> OnPostRemindAsync(CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Post, Path("/remind"), null, ct), "#recipients", ct);

    public async Task<IActionResult> OnPostCorrectAsync(string recipientId, string? name, string? email, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Patch, Path($"/recipients/{Seg(recipientId)}"), new
        {
            name = string.IsNullOrWhiteSpace(name) ? null : name.Trim(),
            email = string.IsNullOrWhiteSpace(email) ? null : email.Trim(),
        }, ct), "#recipients", ct);

    public async Task<IActionResult> OnPostDuplicateAsync(CancellationToken ct)
    {
        var copy = await SendAsync<DocumentView>(HttpMethod.Post, Path("/duplicate"), null, ct);
        return copy.Ok ? LocalRedirect($"/documents/{Seg(copy.Value!.Id)}") : await AfterAsync(copy.Problem, "", ct);
    }

    public async Task<IActionResult> OnPostDeleteAsync(CancellationToken ct)
    {
        var problem = await SendAsync(HttpMethod.Delete, Path(""), null, ct);
        return problem is null ? LocalRedirect("/documents") : await AfterAsync(problem, "", ct);
    }

    // ---- payment --------------------------------------------------------------------------------------------------

    /// <summary>A draft with a pricing table: one of its signers pays the total after the last signature (or another signer, asked again).</summary>
    public async Task<IActionResult> OnPostRequirePaymentAsync(string? payerRecipientId, CancellationToken ct) =>
        await AfterAsync((await SendAsync<PaymentView>(HttpMethod.Put, Path("/payment"), new { payerRecipientId }, ct)).Problem, "#payment", ct);

    public async Task<IActionResult> OnPostStopPaymentAsync(CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Delete, Path("/payment"), null, ct), "#payment", ct);

    /// <summary>The payer paid another way (a bank transfer): the reason goes into the record and the certificate, and the document completes.</summary>
    public async Task<IActionResult> OnPostPaidOutsideAsync(string? reason, CancellationToken ct) =>
        await AfterAsync((await SendAsync<DocumentView>(HttpMethod.Post, Path("/payment/outside"), new { reason = reason?.Trim() }, ct)).Problem, "#payment", ct, "paid-outside");

    /// <summary>A refund through Stripe: the amount typed (in the payment's currency), or everything not refunded yet when left blank.</summary>
    public async Task<IActionResult> OnPostRefundAsync(string? amount, CancellationToken ct)
    {
        decimal? value = null;
        if (!string.IsNullOrWhiteSpace(amount) && (value = Payments.PaymentText.Parse(amount)) is null)
        {
            return await AfterAsync(new ApiClient.Problem(400, SenderText.S("Doc.RefundNumber"), null, null), "#payment", ct);
        }
        return await AfterAsync((await SendAsync<PaymentView>(HttpMethod.Post, Path("/payment/refunds"), new { amount = value }, ct)).Problem, "#payment", ct, "refunded");
    }

    /// <summary>The PDF as it is now: for the page view (pdf.js), or as a download named after the title.</summary>
    public Task<IActionResult> OnGetPdfAsync(bool download, CancellationToken ct) => PdfAsync(HttpMethod.Get, Path("/pdf"), null, download, ct);

    public Task<IActionResult> OnGetSealedAsync(CancellationToken ct) => PdfAsync(HttpMethod.Get, Path("/sealed.pdf"), null, true, ct);

    // ---- helpers ----------------------------------------------------------------------------------------------------

    private string Path(string rest) => $"/api/v1/documents/{Seg(Id)}{rest}";

    private bool WantsJson => AsksForJson(Request);

    /// <summary>A post from sender.js, which asks for JSON (the field placed, moved or removed) instead of the page.</summary>
    internal static bool AsksForJson(HttpRequest request) => request.Headers.Accept.Any(a => a?.Contains("application/json", StringComparison.Ordinal) == true);

    /// <summary>The API's problem as sender.js shows it: its words, with its status.</summary>
    internal static JsonResult Json(ApiClient.Problem problem) =>
        new(new { error = problem.Describe() }) { StatusCode = problem.Status is >= 400 and < 600 ? problem.Status : 400 };

    private async Task<IActionResult> FieldFailedAsync(string message, CancellationToken ct) =>
        WantsJson ? Json(new ApiClient.Problem(400, message, null, null)) : await AfterAsync(new ApiClient.Problem(400, message, null, null), "#fields", ct);

    /// <summary>
    /// After a form post: back to the page (at <paramref name="anchor"/>, saying <paramref name="done"/>'s notice) when it
    /// worked, else the page with the API's problem.
    /// </summary>
    private async Task<IActionResult> AfterAsync(ApiClient.Problem? problem, string anchor, CancellationToken ct, string? done = null)
    {
        if (problem is null) return LocalRedirect($"/documents/{Seg(Id)}{(done is null ? "" : "?done=" + done)}{anchor}");
        if (await LoadAsync(ct) is { } missing) return missing;
        PaymentsNotConnected = problem.Code == "payments_not_connected";
        return Failed(problem);
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken ct)
    {
        var doc = await GetAsync<DocumentView>(Path(""), ct);
        if (!doc.Ok) return doc.Problem!.Status == 404 ? NotFound() : Answer(doc.Problem);
        Document = doc.Value!;
        var self = $"/documents/{Seg(Id)}";
        Placement = new PagePlacement(Document, IsDraft && Document.Recipients.Any(r => r.Role == "signer"), self, self + "?handler=Pdf", PdfByPost: false);
        if (!IsDraft)
        {
            var activity = await GetAsync<ActivityEntry[]>(Path("/activity"), ct);
            Activity = activity.Value ?? [];
        }
        return null;
    }
}
