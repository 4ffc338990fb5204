using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Sigill.Web.Api;

namespace Sigill.Web.Recipient;

/// <summary>
/// The two PDFs a recipient's browser fetches, each fetched server-side from the API tier with what the
/// session cookie holds: the document to sign (<c>/s/document.pdf</c>, drawn by pdf.js; the API records the
/// view) and, after signing, the signed — and once complete, sealed — document (<c>/s/signed.pdf</c>).
/// Streamed through, never stored, never cached.
/// </summary>
internal static class RecipientEndpoints
{
    public static void MapRecipientDocuments(this IEndpointRouteBuilder app)
    {
        app.MapGet("/s/document.pdf", async (HttpContext http, ApiClient api, IDataProtectionProvider protection, WebTierOptions options, CancellationToken ct) =>
            RecipientSession.Read(http, protection, options) is { Outcome: null } session
                ? await PdfAsync(http, await api.GetSigningPdfAsync(session.Region, session.Token, session.Grant, ct), "document.pdf")
                : Results.NotFound());
        app.MapGet("/s/signed.pdf", async (HttpContext http, ApiClient api, IDataProtectionProvider protection, WebTierOptions options, CancellationToken ct) =>
            RecipientSession.Read(http, protection, options) is { Receipt: { } receipt } session
                ? await PdfAsync(http, await api.GetReceiptPdfAsync(session.Region, receipt, ct), "signed.pdf")
                : Results.NotFound());
        // The embedded page (/e) has no cookie: the same two documents, for a post from its own page with its sealed session.
        app.MapPost("/e/document.pdf", async (HttpContext http, ApiClient api, IDataProtectionProvider protection, WebTierOptions options, CancellationToken ct) =>
            await EmbedRequests.SessionAsync(http.Request, options, protection) is { Outcome: null } session
                ? await PdfAsync(http, await api.GetSigningPdfAsync(session.Region, session.Token, session.Grant, ct), "document.pdf")
                : Results.NotFound()).DisableAntiforgery();
        app.MapPost("/e/signed.pdf", async (HttpContext http, ApiClient api, IDataProtectionProvider protection, WebTierOptions options, CancellationToken ct) =>
            await EmbedRequests.SessionAsync(http.Request, options, protection) is { Receipt: { } receipt } session
                ? await PdfAsync(http, await api.GetReceiptPdfAsync(session.Region, receipt, ct), "signed.pdf")
                : Results.NotFound()).DisableAntiforgery();
    }

    private static async Task<IResult> PdfAsync(HttpContext http, HttpResponseMessage? response, string name)
    {
        if (response is null) return Results.NotFound();
        http.Response.RegisterForDispose(response);
        return Results.Stream(await response.Content.ReadAsStreamAsync(http.RequestAborted), "application/pdf", name);
    }
}
