using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Api;
using Sigill.Web.Recipient;

namespace Sigill.Web.Pages;

/// <summary>
/// The recipient's signing steps, shared by the page at <c>/s</c> (<see cref="RecipientModel"/>, session in a cookie) and
/// the embedded page at <c>/e</c> (<see cref="EmbedModel"/>, session in a sealed form field): a code when the sender asks
/// for one (an access code handed over out of band, or a one-time code the API e-mails on request), consent to electronic
/// records, then the document's pages with the recipient's fields and signature, then a confirmation. Every action is a
/// plain form post; JavaScript only draws the pages (pdf.js), guides to the next field and offers the drawing pad.
/// Markup: Pages/Shared/_RecipientSteps.cshtml.
/// </summary>
public abstract class RecipientPageModel(ApiClient api) : PageModel
{
    public enum Steps { Inactive, Verify, Waiting, Consent, Sign, Signed, Declined }

    public Steps Step { get; private set; } = Steps.Inactive;
    public SigningView? View { get; private set; }
    public string? Title { get; private set; }
    public bool Completed { get; private set; }
    public string? Error { get; protected set; }

    /// <summary>The API's problem code behind <see cref="Error"/> (the embedded page reports it to the framing page).</summary>
    public string? ErrorCode { get; protected set; }
    public bool CodeSent { get; private set; }

    /// <summary>The page's words, in the recipient's language (<see cref="RecipientWords"/>).</summary>
    public RecipientWords T { get; protected set; } = new(Languages.English);

    /// <summary>For the signer who pays, after the last signature: their payment page (<c>/p/{token}</c>) and what it asks for.</summary>
    public string? PaymentLink { get; private set; }

    public PaymentPageView? Payment { get; private set; }

    [BindProperty]
    public string? Code { get; set; }

    [BindProperty]
    public Dictionary<string, string> Fields { get; set; } = [];

    [BindProperty]
    public string? SignatureMode { get; set; }

    [BindProperty]
    public string? TypedName { get; set; }

    [BindProperty]
    public string? DrawnPng { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    /// <summary>Where the page's forms post: <c>/s</c> or <c>/e</c>.</summary>
    public abstract string PagePath { get; }

    /// <summary>The embedded page: forms carry the sealed session (<see cref="SealedSession"/>) and no antiforgery token.</summary>
    public virtual bool Embedded => false;

    /// <summary>The sealed session every form of the embedded page posts back (null on <c>/s</c>).</summary>
    public string? SealedSession { get; protected set; }

    /// <summary>The recipient's session (cookie or posted field), or null.</summary>
    private protected abstract RecipientSession? Session();

    /// <summary>After an action changed the session: keep it and show the page (a redirect on <c>/s</c>, the page itself on <c>/e</c>).</summary>
    private protected abstract Task<IActionResult> SavedAsync(RecipientSession session, CancellationToken ct);

    /// <summary>Called once the page is about to render with <paramref name="session"/> (the embedded page seals it and allows its origin to frame it).</summary>
    private protected virtual void Rendering(RecipientSession? session)
    {
    }

    /// <summary>The page's title for each step.</summary>
    public string? PageTitle => Step switch
    {
        Steps.Consent or Steps.Sign or Steps.Waiting => Title,
        Steps.Verify => T["Title.Verify"],
        Steps.Signed => T["Title.Signed"],
        Steps.Declined => T["Title.Declined"],
        _ => T["Title.Inactive"],
    };

    public async Task<IActionResult> OnPostConsentAsync(CancellationToken ct)
    {
        if (Session() is not { } session) return await ShowAsync(ct);
        if (await api.ConsentAsync(session.Region, session.Token, session.Grant, ct) is { } problem) return await ShowAsync(ct, problem);
        return await SavedAsync(session, ct);
    }

    public async Task<IActionResult> OnPostSignAsync(CancellationToken ct)
    {
        if (Session() is not { } session || await api.GetSigningAsync(session.Region, session.Token, session.Grant, ct) is not { } view) return await ShowAsync(ct);
        var drawn = SignatureMode == "draw" && DrawnPng is { Length: > 0 } png ? StripDataUrl(png) : null;
        // Only the recipient's own field ids: with no Fields[...] in the post (a signature-only recipient) the dictionary
        // binder falls back to every form key (SignatureMode, TypedName, …), which the API rightly refuses.
        var fields = Fields.Where(f => !string.IsNullOrWhiteSpace(f.Value) && view.Fields.Any(v => v.Id == f.Key)).ToDictionary(f => f.Key, f => f.Value.Trim());
        var (result, problem) = await api.SignAsync(session.Region, session.Token, session.Grant, fields, drawn is null ? TypedName : null, drawn, ct);
        if (result is null) return await ShowAsync(ct, problem);
        return await SavedAsync(session with
        {
            Outcome = RecipientSession.Signed, Receipt = result.Receipt, Title = view.Title, Completed = result.DocumentStatus == "completed",
            PaymentLink = Payments.PayLink.IsPagePath(result.PaymentLink) ? result.PaymentLink : null,
            DocumentId = session.DocumentId ?? view.DocumentId, RecipientId = session.RecipientId ?? view.RecipientId, Language = view.Language,
        }, ct);
    }

    public async Task<IActionResult> OnPostDeclineAsync(CancellationToken ct)
    {
        if (Session() is not { } session || await api.GetSigningAsync(session.Region, session.Token, session.Grant, ct) is not { } view) return await ShowAsync(ct);
        if (await api.DeclineAsync(session.Region, session.Token, session.Grant, Reason ?? "", ct) is { } problem) return await ShowAsync(ct, problem);
        return await SavedAsync(session with { Outcome = RecipientSession.Declined, Title = view.Title, Language = view.Language }, ct);
    }

    /// <summary>
    /// An attachment field's Upload button: the sign form posted as multipart with the file. The file goes to the API (which
    /// judges it and replaces any earlier one) with the values entered so far, and the page comes back with them still
    /// filled in (no redirect, which would lose them) and the field showing what is attached.
    /// </summary>
    public async Task<IActionResult> OnPostAttachAsync(string? field, CancellationToken ct)
    {
        if (Session() is not { } session || await api.GetSigningAsync(session.Region, session.Token, session.Grant, ct) is not { } view) return await ShowAsync(ct);
        T = new RecipientWords(view.Language);
        if (view.Fields.FirstOrDefault(f => f.Id == field && f.Kind == "attachment") is not { } target)
        {
            return await ShowAsync(ct, new ApiClient.Problem(StatusCodes.Status400BadRequest, T["Attachment.NoField"], null, null));
        }
        var file = Request.HasFormContentType ? Request.Form.Files.GetFile(new FieldInput(target, "", null, T).AttachmentInputName) : null;
        if (file is not { Length: > 0 })
        {
            return await ShowAsync(ct, new ApiClient.Problem(StatusCodes.Status400BadRequest, T["Attachment.ChooseFirst"], null, null));
        }
        if (file.Length > Attachments.MaxBytes)
        {
            return await ShowAsync(ct, new ApiClient.Problem(StatusCodes.Status413PayloadTooLarge, T["Error.attachment_too_large"], null, null));
        }
        var values = Fields.Where(f => !string.IsNullOrWhiteSpace(f.Value) && view.Fields.Any(v => v.Id == f.Key && v.Kind != "attachment"))
            .ToDictionary(f => f.Key, f => f.Value.Trim());
        await using var stream = file.OpenReadStream();
        var (_, problem) = await api.UploadAttachmentAsync(session.Region, session.Token, session.Grant, target.Id, stream, file.FileName, values, ct);
        return await ShowAsync(ct, problem);
    }

    /// <summary>The access code or e-mailed code: a pass keeps the API's grant in the session cookie for every later call.</summary>
    public async Task<IActionResult> OnPostVerifyAsync(CancellationToken ct)
    {
        if (Session() is not { } session) return await ShowAsync(ct);
        var (grant, problem) = await api.VerifyStepUpAsync(session.Region, session.Token, Code ?? "", ct);
        if (grant is null) return await ShowAsync(ct, problem);
        return await SavedAsync(session with { Grant = grant.Grant }, ct);
    }

    /// <summary>Asks the API to e-mail a one-time code, then shows the same code step with a note that it was sent.</summary>
    public async Task<IActionResult> OnPostSendCodeAsync(CancellationToken ct)
    {
        if (Session() is not { } session) return await ShowAsync(ct);
        var problem = await api.SendStepUpCodeAsync(session.Region, session.Token, ct);
        CodeSent = problem is null;
        return await ShowAsync(ct, problem);
    }

    protected async Task<IActionResult> ShowAsync(CancellationToken ct, ApiClient.Problem? problem = null)
    {
        var session = Session();
        if (session?.Outcome is { } outcome)
        {
            Rendering(session);
            T = new RecipientWords(session.Language);
            Step = outcome == RecipientSession.Signed ? Steps.Signed : Steps.Declined;
            Title = session.Title;
            Completed = session.Completed;
            if (session.PaymentLink is { } link && Payments.PayLink.TryParse(link[3..], out var region))
            {
                // Read again on every view: once paid (or the payment cancelled) the confirmation says so, not "due".
                Payment = await api.GetPaymentPageAsync(region, link[3..], ct);
                PaymentLink = Payment is null ? null : link;
            }
            return Page();
        }
        Rendering(session);
        View = session is null ? null : await api.GetSigningAsync(session.Region, session.Token, session.Grant, ct);
        T = new RecipientWords(View?.Language ?? RecipientWords.FromBrowser(Request));
        Step = View switch
        {
            null => Steps.Inactive,
            { NeedsStepUp: true } => Steps.Verify, // before anything of the document, even its title
            { YourTurn: false } => Steps.Waiting,
            { ConsentGiven: false } => Steps.Consent,
            _ => Steps.Sign,
        };
        Title = View?.Title;
        if (problem is not null)
        {
            Error = T.Describe(problem);
            ErrorCode = problem.Code;
            Response.StatusCode = problem.Status ?? StatusCodes.Status400BadRequest;
        }
        if (Step == Steps.Inactive)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
        }
        return Page();
    }

    private static string StripDataUrl(string png) =>
        png.StartsWith("data:image/png;base64,", StringComparison.Ordinal) ? png["data:image/png;base64,".Length..] : png;

    /// <summary>The sender's label for the field, or its kind and number; its page, and whether it may stay empty.</summary>
    public string FieldLabel(FieldView field, int number) => T.Format(field.Required ? "Field.Where" : "Field.WhereOptional", field.Label ?? T.Format(field.Kind switch
    {
        "text" => "Field.Text",
        "date" => "Field.Date",
        "checkbox" => "Field.Checkbox",
        "number" => "Field.Number",
        "email" => "Field.Email",
        "name" => "Field.Name",
        "dropdown" or "radio" => "Field.Choice",
        "formula" => "Field.Formula",
        "attachment" => "Field.Attachment",
        _ => "Field.Other",
    }, number), field.Page);

    /// <summary>What a field's box on the page says: the sender's label, or what goes in it.</summary>
    public string BoxLabel(FieldView field) => field.Label ?? T[field.Kind switch
    {
        "signature" => "Box.Signature",
        "initials" => "Box.Initials",
        "date" => field.FillSigningDate ? "Box.SigningDate" : "Box.Date",
        "checkbox" => "Box.Tick",
        "number" => "Box.Number",
        "email" => "Box.Email",
        "name" => "Box.Name",
        "dropdown" or "radio" => "Box.Choice",
        "attachment" => "Box.Attachment",
        "formula" => "Box.Formula",
        _ => "Box.Text",
    }];
}

/// <summary>
/// The recipient's signing page at <c>/s</c>: the session lives in a cookie, every action is antiforgery-checked and
/// answered by a redirect back to <c>/s</c>.
/// </summary>
[Sigill.Http.UploadEndpoint(ReadsForm = false, TooLargeCode = "attachment_too_large", TooLargeTitle = "The attachment is too large.")] // an attachment's upload (OnPostAttachAsync)
public sealed class RecipientModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : RecipientPageModel(api)
{
    public override string PagePath => "/s";

    /// <summary>
    /// <c>/s/{token}</c> from the e-mail: trade the token for the session cookie and redirect to <c>/s</c>.
    /// <c>/s</c>: show the step the recipient is at.
    /// </summary>
    public async Task<IActionResult> OnGetAsync(string? token, CancellationToken ct)
    {
        if (token is not null)
        {
            if (!RecipientSession.TryParseToken(token, out var region))
            {
                T = new RecipientWords(RecipientWords.FromBrowser(Request));
                Response.StatusCode = StatusCodes.Status404NotFound;
                return Page();
            }
            new RecipientSession(token, region).Write(HttpContext, protection, options);
            return Redirect("/s");
        }
        return await ShowAsync(ct);
    }

    private protected override RecipientSession? Session() => RecipientSession.Read(HttpContext, protection, options);

    private protected override Task<IActionResult> SavedAsync(RecipientSession session, CancellationToken ct)
    {
        session.Write(HttpContext, protection, options);
        return Task.FromResult<IActionResult>(Redirect("/s"));
    }
}
