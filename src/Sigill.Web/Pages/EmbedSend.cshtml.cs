using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Contracts;
using Sigill.Web.Accounts;
using Sigill.Web.Api;
using Sigill.Web.Pages.Documents;
using Sigill.Web.Recipient;
using Sigill.Web.Security;

namespace Sigill.Web.Pages;

/// <summary>
/// The embedded sending page at <c>/e/send/{token}</c> (docs/embedding.md): one draft prepared and sent by an integrator's
/// signed-in user inside a frame of one registered origin. GET opens the one-time URL at the API (a second open answers
/// 410) and gets a session of that member scoped to that draft (the API refuses it everywhere else). As on the embedded
/// signing page, the session is sealed into a hidden field every form posts back (<see cref="EmbedSendSession"/>, its
/// own data-protection purpose), never a cookie; each post is answered with the page itself (no redirect, so the sealed
/// value never enters a URL), and a post counts only when its <c>Origin</c> is this web tier's own (instead of the
/// antiforgery cookie). <c>frame-ancestors</c> names the bound origin on these responses only. Once the document is
/// sent the page ends the scoped session at the API and says so; <c>postMessage</c> tells the bound origin
/// <c>loaded</c>, <c>sent</c> or <c>error</c>.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class EmbedSendModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : PageModel
{
    [BindProperty(Name = EmbedSendSession.Field)]
    public string? Posted { get; set; }

    private EmbedSendSession? _session;

    /// <summary>The session bound to an origin allowed to frame this response; null: the page shows only its problem.</summary>
    internal EmbedSendSession? Bound { get; private set; }

    public string? SealedSession { get; private set; }

    public DocumentView? Document { get; private set; }

    public string? Error { get; private set; }

    public string? ErrorCode { get; private set; }

    /// <summary>The document was sent from this page (the scoped session is ended).</summary>
    public bool Sent { get; private set; }

    /// <summary>The pages with their fields (<c>Documents/_Pages.cshtml</c>, drawn and edited by <c>sender.js</c>, which posts here).</summary>
    public PagePlacement? Placement => Document is null ? null : _placement is { } built && ReferenceEquals(built.Document, Document) ? built :
        _placement = new PagePlacement(Document, Document.Recipients.Any(r => r.Role == "signer"), "/e/send", "/e/send?handler=Pdf", PdfByPost: true);

    private PagePlacement? _placement;

    /// <summary>The editors of a placed field, or the blank one sender.js clones (null): forms that post here with the sealed session.</summary>
    public FieldEditors Editors(FieldView? field) => new(Document!, field, handler => $"/e/send?handler={handler}", SealedSession);

    /// <summary>What the page reports to the framing page besides <c>loaded</c>.</summary>
    public string? Event => Sent ? "sent" : ErrorCode is null && Error is null ? null : "error";

    public async Task<IActionResult> OnGetAsync(string? token, CancellationToken ct)
    {
        if (!ApiClient.TryParseEmbedToken(token, out var region))
        {
            Error = SenderText.S("Embed.UrlNotOpen");
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }
        var (opened, problem) = await api.OpenEmbedSendAsync(region, token!, ct);
        if (opened is null)
        {
            Error = problem?.Describe() ?? SenderText.S("Embed.UrlNotOpen");
            ErrorCode = problem?.Code;
            Response.StatusCode = problem?.Status ?? StatusCodes.Status404NotFound;
            return Page();
        }
        _session = new EmbedSendSession(opened.Session, region, opened.Origin, opened.DocumentId);
        return await ShowAsync(null, ct);
    }

    /// <summary>Every post: only from this web tier's own page (Origin) carrying a session sealed for this page, else 403 before anything is done.</summary>
    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        if (HttpMethods.IsPost(Request.Method))
        {
            if (!EmbedRequests.FromOwnPage(Request, options) || (_session = EmbedSendSession.Open(Posted, protection)) is null)
            {
                context.Result = new StatusCodeResult(StatusCodes.Status403Forbidden);
                return;
            }
        }
        var executed = await next();
        if (executed.Exception is ApiClient.SignedOutException)
        {
            executed.ExceptionHandled = true;
            if (WantsJson)
            {
                executed.Result = new JsonResult(new { error = SenderText.S("Embed.Ended") }) { StatusCode = StatusCodes.Status401Unauthorized };
                return;
            }
            Error = SenderText.S("Embed.Ended");
            ErrorCode = "unauthorized";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            Document = null;
            Bind(_session);
            executed.Result = Page();
        }
    }

    public async Task<IActionResult> OnPostAddRecipientAsync(DocumentModel.RecipientInput recipient, CancellationToken ct) =>
        await ShowAsync(await CallAsync(HttpMethod.Post, "/recipients", new
        {
            name = recipient.Name,
            email = recipient.Email?.Trim(),
            role = recipient.Role ?? "signer",
            signingOrder = recipient.SigningOrder,
        }, ct), ct);

    public async Task<IActionResult> OnPostRemoveRecipientAsync(string recipientId, CancellationToken ct) =>
        await ShowAsync(await CallAsync(HttpMethod.Delete, $"/recipients/{Uri.EscapeDataString(recipientId ?? "")}", null, ct), ct);

    /// <summary>A field placed with the form (answered with the page) or dragged onto a page by sender.js (answered with the field as JSON).</summary>
    public async Task<IActionResult> OnPostAddFieldAsync(DocumentModel.FieldInput field, CancellationToken ct)
    {
        if (field.Kind is null || !DocumentModel.FieldSizes.TryGetValue(field.Kind, out var size))
        {
            var problem = new ApiClient.Problem(400, SenderText.S("Doc.ChooseKind"), null, null);
            return WantsJson ? DocumentModel.Json(problem) : await ShowAsync(problem, ct);
        }
        return await FieldAsync(HttpMethod.Post, "/fields", new
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
            settings = DocumentModel.DefaultSettings(field.Kind),
        }, ct);
    }

    /// <summary>A placed field dragged to another spot (sender.js): its page and top-left corner change, nothing else.</summary>
    public Task<IActionResult> OnPostMoveFieldAsync(string fieldId, int page, double x, double y, CancellationToken ct) =>
        FieldAsync(HttpMethod.Patch, $"/fields/{Uri.EscapeDataString(fieldId ?? "")}", new { page, x = Math.Round(x, 2), y = Math.Round(y, 2) }, ct);

    public async Task<IActionResult> OnPostRemoveFieldAsync(string fieldId, CancellationToken ct)
    {
        var problem = await CallAsync(HttpMethod.Delete, $"/fields/{Uri.EscapeDataString(fieldId ?? "")}", null, ct);
        if (!WantsJson) return await ShowAsync(problem, ct);
        return problem is null ? new JsonResult(new { removed = fieldId }) : DocumentModel.Json(problem);
    }

    /// <summary>What a field asks for and whether it must be filled (its label editor).</summary>
    public Task<IActionResult> OnPostUpdateFieldAsync(string fieldId, string? label, bool required, CancellationToken ct) =>
        FieldAsync(HttpMethod.Patch, $"/fields/{Uri.EscapeDataString(fieldId ?? "")}", new { label = label?.Trim() ?? "", required }, ct);

    /// <summary>A field's own settings (options, a formula, a number's bounds, its condition), as on the sender's document page.</summary>
    public async Task<IActionResult> OnPostFieldSettingsAsync(string fieldId, DocumentModel.SettingsInput settings, CancellationToken ct)
    {
        var session = _session!;
        var document = await api.CallAsync<DocumentView>(session.Region, session.Session, HttpMethod.Get, $"/api/v1/documents/{Uri.EscapeDataString(session.DocumentId)}", null, ct);
        if (document.Value?.Fields.FirstOrDefault(f => f.Id == fieldId) is not { } field)
        {
            return await ShowAsync(document.Problem ?? new ApiClient.Problem(404, SenderText.S("Settings.FieldGone"), null, null), ct);
        }
        if (DocumentModel.SettingsPatch(field, settings) is not { } patch)
        {
            return await ShowAsync(new ApiClient.Problem(400, SenderText.S("Settings.NotNumbers"), null, null), ct);
        }
        return await FieldAsync(HttpMethod.Patch, $"/fields/{Uri.EscapeDataString(field.Id)}", patch, ct);
    }

    /// <summary>The page drawn again (sender.js after a field with settings is dropped: this page cannot reload its one-time URL).</summary>
    public Task<IActionResult> OnPostShowAsync(CancellationToken ct) => ShowAsync(null, ct);

    /// <summary>
    /// The draft's PDF for sender.js to draw. A POST, not a GET: the sealed session travels in the body, never in a URL,
    /// and only the page's own origin may ask (as for every post here).
    /// </summary>
    public async Task<IActionResult> OnPostPdfAsync(CancellationToken ct)
    {
        var session = _session!;
        var (pdf, problem) = await api.PdfAsync(session.Region, session.Session, HttpMethod.Get, $"/api/v1/documents/{Uri.EscapeDataString(session.DocumentId)}/pdf", null, ct);
        if (pdf is null) return DocumentModel.Json(problem!);
        HttpContext.Response.RegisterForDispose(pdf);
        Response.Headers.CacheControl = "no-store";
        return File(await pdf.Content.ReadAsStreamAsync(ct), "application/pdf");
    }

    /// <summary>A field change: JSON (the field, or the problem's words) for sender.js, else the page.</summary>
    private async Task<IActionResult> FieldAsync(HttpMethod method, string rest, object body, CancellationToken ct)
    {
        var session = _session!;
        var reply = await api.CallAsync<FieldView>(session.Region, session.Session, method, $"/api/v1/documents/{Uri.EscapeDataString(session.DocumentId)}{rest}", body, ct);
        if (WantsJson) return reply.Problem is null ? new JsonResult(reply.Value) : DocumentModel.Json(reply.Problem);
        return await ShowAsync(reply.Problem, ct);
    }

    private bool WantsJson => DocumentModel.AsksForJson(Request);

    public async Task<IActionResult> OnPostSendAsync(DocumentModel.SendInput send, CancellationToken ct)
    {
        var problem = await CallAsync(HttpMethod.Post, "/send", new
        {
            message = string.IsNullOrWhiteSpace(send.Message) ? null : send.Message.Trim(),
            expiresInDays = send.ExpiresInDays,
            remindEveryDays = send.RemindEveryDays is > 0 ? send.RemindEveryDays : null,
        }, ct);
        if (problem is not null) return await ShowAsync(problem, ct);
        var session = _session!;
        Document = (await api.CallAsync<DocumentView>(session.Region, session.Session, HttpMethod.Get, $"/api/v1/documents/{Uri.EscapeDataString(session.DocumentId)}", null, ct)).Value;
        // Sent: the scoped session has done its job; end it at the API now (rather than let it lapse).
        await api.CallAsync(session.Region, session.Session, HttpMethod.Post, "/api/v1/embed/sign-out", null, ct);
        Sent = true;
        Bind(_session);
        return Page();
    }

    private Task<ApiClient.Problem?> CallAsync(HttpMethod method, string rest, object? body, CancellationToken ct) =>
        api.CallAsync(_session!.Region, _session.Session, method, $"/api/v1/documents/{Uri.EscapeDataString(_session.DocumentId)}{rest}", body, ct);

    /// <summary>The page after an action (or on opening): the draft as it is now, with the action's problem if any.</summary>
    private async Task<IActionResult> ShowAsync(ApiClient.Problem? problem, CancellationToken ct)
    {
        var session = _session!;
        var doc = await api.CallAsync<DocumentView>(session.Region, session.Session, HttpMethod.Get, $"/api/v1/documents/{Uri.EscapeDataString(session.DocumentId)}", null, ct);
        Document = doc.Value;
        problem ??= doc.Problem;
        if (problem is not null)
        {
            Error = problem.Describe();
            ErrorCode = problem.Code ?? "validation_failed";
            Response.StatusCode = problem.Status is >= 400 and < 600 ? problem.Status.Value : 400;
        }
        Bind(session);
        return Page();
    }

    /// <summary>Lets the bound origin frame this response and seals the session into the forms (while the draft can still change).</summary>
    private void Bind(EmbedSendSession? session)
    {
        if (session is not null && SecurityHeaders.AllowFrameAncestors(HttpContext, session.Origin))
        {
            Bound = session;
            SealedSession = Sent ? null : session.Seal(protection);
        }
    }
}
