using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Features.Documents;

namespace Sigill.Api.Features.Signing;

/// <summary>
/// The recipient's signing link of this request (<c>{token}</c> in the route), bound once per request: handlers take it
/// as a parameter, and <see cref="LiveOnly"/> opens it before they run, answering 404 for every link that is not live
/// (malformed, unknown, another region's, acted on, or its document no longer out for signature) — all alike.
/// The link's <see cref="Db"/> is a context on the cell the token names, and it ends with the request.
/// </summary>
public sealed class SigningLink(CellRegistry cells, TimeProvider time) : IAsyncDisposable
{
    private string? _token;
    private CellDbContext? _db;
    private Cell? _cell;
    private Recipient? _recipient;
    private Document? _document;

    public Cell Cell => _cell ?? throw NotOpen();
    public CellDbContext Db => _db ?? throw NotOpen();
    public Recipient Recipient => _recipient ?? throw NotOpen();
    public Document Document => _document ?? throw NotOpen();

    /// <summary>Opens the link the token names; false when it is not live.</summary>
    public async Task<bool> OpenAsync(string? token, CancellationToken ct)
    {
        await CloseAsync();
        _token = token;
        if (token is null || !DocumentWorkflow.TryParseLinkToken(token, out var region) || !cells.TryGet(region, out var cell))
        {
            return false;
        }
        var hash = DocumentWorkflow.HashLinkToken(token);
        var db = cell.CreateDbContext();
        var recipient = await db.Recipients.SingleOrDefaultAsync(r => r.LinkHash == hash, ct);
        var document = recipient is null ? null : await db.Documents.SingleOrDefaultAsync(d => d.Id == recipient.DocumentId && d.OrganizationId == recipient.OrganizationId, ct);
        if (recipient is null || document is null
            || await DocumentWorkflow.ExpireIfDueAsync(db, cell, document, time.GetUtcNow().UtcDateTime, ct)
            || document.Status != DocumentStates.Sent
            || recipient.Status is not RecipientStates.Notified)
        {
            await db.DisposeAsync();
            return false;
        }
        (_db, _cell, _recipient, _document) = (db, cell, recipient, document);
        return true;
    }

    /// <summary>Opens the same link again on a fresh context (after losing a race to another recipient's commit).</summary>
    public Task<bool> ReopenAsync(CancellationToken ct) => OpenAsync(_token, ct);

    public ValueTask DisposeAsync() => CloseAsync();

    private async ValueTask CloseAsync()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
        (_db, _cell, _recipient, _document) = (null, null, null, null);
    }

    private static InvalidOperationException NotOpen() => new("The signing link is not open: map the endpoint in a group with the LiveOnly filter.");

    /// <summary>The endpoint filter of the signing group: opens the request's link, or answers 404 without running the handler.</summary>
    internal sealed class LiveOnly(SigningLink link) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var http = context.HttpContext;
            return await link.OpenAsync(http.GetRouteValue("token") as string, http.RequestAborted)
                ? await next(context)
                : TypedResults.NotFound();
        }
    }
}
