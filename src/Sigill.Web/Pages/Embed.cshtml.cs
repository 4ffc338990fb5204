using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Sigill.Web.Api;
using Sigill.Web.Recipient;
using Sigill.Web.Security;

namespace Sigill.Web.Pages;

/// <summary>
/// The embedded signing page at <c>/e/{token}</c> (docs/embedding.md), framed by one origin the organization registered.
/// GET opens the one-time URL at the API (a second open answers 410) and shows the recipient's steps; the API names the
/// origin bound to the URL, and only that origin may frame this page (<c>frame-ancestors</c>, this response only). The
/// session cannot live in a cookie (it would be a third-party cookie in a frame): it is sealed into a hidden field every
/// form posts back, and each post is answered with the page itself (no redirect, so the sealed value never enters a
/// URL). Instead of the antiforgery cookie, posts must come from this web tier's own page (<c>Origin</c>) and carry a
/// session sealed for the embedded page (<see cref="EmbedRequests"/>). A small script tells the framing page what
/// happened (<c>postMessage</c> to the bound origin only).
/// </summary>
[IgnoreAntiforgeryToken]
[Sigill.Http.UploadEndpoint(ReadsForm = false, TooLargeCode = "attachment_too_large", TooLargeTitle = "The attachment is too large.")] // an attachment's upload (OnPostAttachAsync)
public sealed class EmbedModel(ApiClient client, IDataProtectionProvider protection, WebTierOptions options) : RecipientPageModel(client)
{
    private readonly ApiClient _api = client;
    private RecipientSession? _session;
    private bool _read;

    public override string PagePath => "/e";

    public override bool Embedded => true;

    [BindProperty(Name = EmbedRequests.SessionField)]
    public string? Posted { get; set; }

    /// <summary>The origin framing this page, once the session is known (the target of every postMessage).</summary>
    internal RecipientSession? Bound { get; private set; }

    /// <summary>What the page reports to the framing page besides <c>loaded</c>: <c>signed</c>, <c>declined</c> or <c>error</c>.</summary>
    public string? Event => Step switch
    {
        Steps.Signed => "signed",
        Steps.Declined => "declined",
        _ => ErrorCode is null ? null : "error",
    };

    public async Task<IActionResult> OnGetAsync(string? token, CancellationToken ct)
    {
        T = new RecipientWords(RecipientWords.FromBrowser(Request)); // until the link's view names the recipient's language
        if (!ApiClient.TryParseEmbedToken(token, out var region))
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }
        var (opened, problem) = await _api.OpenEmbedAsync(region, token!, ct);
        if (opened is null || !RecipientSession.TryParseToken(opened.RecipientToken, out var linkRegion))
        {
            Error = problem?.Describe() ?? "This embedded signing URL does not open.";
            ErrorCode = problem?.Code;
            Response.StatusCode = problem?.Status ?? StatusCodes.Status404NotFound;
            return Page();
        }
        _session = new RecipientSession(opened.RecipientToken, linkRegion, EmbedOrigin: opened.Origin, DocumentId: opened.DocumentId, RecipientId: opened.RecipientId);
        return await ShowAsync(ct);
    }

    /// <summary>Every post: only from this web tier's own page (the Origin header), else 403 before anything is read or done.</summary>
    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        if (HttpMethods.IsPost(Request.Method) && !EmbedRequests.FromOwnPage(Request, options))
        {
            context.Result = new StatusCodeResult(StatusCodes.Status403Forbidden);
            return;
        }
        await next();
    }

    private protected override RecipientSession? Session()
    {
        if (!_read)
        {
            _read = true;
            _session ??= RecipientSession.OpenEmbedded(Posted, protection);
        }
        return _session;
    }

    private protected override async Task<IActionResult> SavedAsync(RecipientSession session, CancellationToken ct)
    {
        _session = session;
        _read = true;
        return await ShowAsync(ct);
    }

    private protected override void Rendering(RecipientSession? session)
    {
        if (session?.EmbedOrigin is { } origin && SecurityHeaders.AllowFrameAncestors(HttpContext, origin))
        {
            Bound = session;
            SealedSession = session.SealForEmbed(protection);
        }
    }
}
