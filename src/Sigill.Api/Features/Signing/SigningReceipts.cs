using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Features.Documents;

namespace Sigill.Api.Features.Signing;

/// <summary>
/// A signing receipt lets the recipient who just signed download the document for a short while, although
/// their link stopped working the moment they signed. It is stateless:
/// <c>{recipientId}.{expiresUnixSeconds}.{mac}</c>, where the MAC is the organization's keyed HMAC (its
/// blind-index key, purpose <c>signing.receipt</c>) over recipient, document and expiry. It dies with the
/// organization's keys (crypto-shredding), after <see cref="Lifetime"/>, and when the document is voided,
/// declined or expired. The web tier keeps it in the recipient's encrypted session cookie; the browser never
/// sees it in the clear.
/// </summary>
public static class SigningReceipts
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);
    private const string Purpose = "signing.receipt";

    public sealed record ReceiptRequest(string? Receipt);

    public static void MapSigningReceipts(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/v1/signing/receipt", Download).WithTags("Signing").AllowAnonymous();

    internal static async Task<string> IssueAsync(Cell cell, Recipient recipient, DateTime now, CancellationToken ct)
    {
        var expires = new DateTimeOffset(now, TimeSpan.Zero).Add(Lifetime).ToUnixTimeSeconds();
        return $"{recipient.Id}.{expires.ToString(CultureInfo.InvariantCulture)}.{await MacAsync(cell, recipient, expires, ct)}";
    }

    private static Task<string> MacAsync(Cell cell, Recipient recipient, long expires, CancellationToken ct) =>
        cell.Keys.BlindIndexAsync(recipient.OrganizationId, Purpose, $"{recipient.Id}|{recipient.DocumentId}|{expires.ToString(CultureInfo.InvariantCulture)}", ct);

    /// <summary>The document as it stands — sealed once complete — for a valid, unexpired receipt; 404 for anything else.</summary>
    private static async Task<Results<FileContentHttpResult, NotFound>> Download(ReceiptRequest request, HttpContext http, CellRegistry cells, TimeProvider time, CancellationToken ct)
    {
        var parts = (request.Receipt ?? "").Split('.', 3);
        if (parts.Length != 3 || parts[2].Length > 100 || !SigillId.TryParse(parts[0], "rcp", out var region)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || expires < time.GetUtcNow().ToUnixTimeSeconds() || !cells.TryGet(region, out var cell))
        {
            return TypedResults.NotFound();
        }
        await using var db = cell.CreateDbContext();
        var recipient = await db.Recipients.AsNoTracking().SingleOrDefaultAsync(r => r.Id == parts[0], ct);
        if (recipient is null || recipient.Status is not (RecipientStates.Signed or RecipientStates.Approved)
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(await MacAsync(cell, recipient, expires, ct)), Encoding.ASCII.GetBytes(parts[2])))
        {
            return TypedResults.NotFound();
        }
        var document = await db.Documents.AsNoTracking().SingleOrDefaultAsync(d => d.Id == recipient.DocumentId && d.OrganizationId == recipient.OrganizationId, ct);
        if (document is null || document.Status is not (DocumentStates.Sent or DocumentStates.AwaitingPayment or DocumentStates.Completed))
        {
            return TypedResults.NotFound();
        }
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(await DocumentWorkflow.ReadPdfAsync(cell, document, ct), "application/pdf");
    }
}
