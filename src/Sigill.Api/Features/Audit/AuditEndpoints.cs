using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Security;
using Sigill.Http;
using Sigill.Transparency;

namespace Sigill.Api.Features.Audit;

/// <summary>
/// The audit log over HTTP. Public and read-only at <c>/audit/&lt;region&gt;/</c> (C2SP tlog-tiles:
/// <c>checkpoint</c>, <c>tile/…</c>, plus <c>verifier-key</c> and proofs by index): it reveals only
/// commitments, hashes and signed checkpoints, never an event's content or id. Receipts by event id
/// are for members of the event's organization only, under <c>/api/v1/audit</c>.
/// </summary>
public static class AuditEndpoints
{
    public const string BasePath = "/audit";
    private const string Immutable = "public, max-age=31536000, immutable";
    private const string Fresh = "no-cache";

    public sealed record InclusionProofView(long LeafIndex, long TreeSize, string LeafHash, IReadOnlyList<string> Proof);

    public sealed record ConsistencyProofView(long From, long To, IReadOnlyList<string> Proof);

    public static IServiceCollection AddAudit(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSigillOptions<AuditOptions>("Audit");
        services.AddSingleton<AuditLogs>();
        services.AddHostedService<AuditSequencer>();
        return services;
    }

    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder app)
    {
        var log = app.MapGroup(BasePath + "/{region}").WithTags("Audit log").AllowAnonymous();
        log.MapGet("/checkpoint", Checkpoint);
        log.MapGet("/verifier-key", VerifierKey);
        log.MapGet("/tile/{**path}", Tile);
        log.MapGet("/proof/inclusion", InclusionProof);
        log.MapGet("/proof/consistency", ConsistencyProof);

        var members = app.MapGroup("/api/v1/audit").WithTags("Audit log").RequireAuthorization(Policies.OrganizationRead);
        members.MapGet("/events/{id}/receipt", EventReceipt);
        return app;
    }

    private static Results<ContentHttpResult, NotFound> Checkpoint(string region, AuditLogs logs, HttpContext http)
    {
        if (!logs.TryGet(region, out var log) || log.Latest is not { } latest)
        {
            return TypedResults.NotFound();
        }
        http.Response.Headers.CacheControl = Fresh;
        return TypedResults.Text(latest.Note, "text/plain; charset=utf-8");
    }

    private static Results<ContentHttpResult, NotFound> VerifierKey(string region, AuditLogs logs)
    {
        return logs.TryGet(region, out var log) && log.Key is { } key
            ? TypedResults.Text(key.VerifierKey + "\n", "text/plain; charset=utf-8")
            : TypedResults.NotFound();
    }

    private static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> Tile(
        string region, string path, AuditLogs logs, HttpContext http, ILoggerFactory loggers, CancellationToken ct)
    {
        if (!logs.TryGet(region, out var log) || !TlogTiles.TryParsePath("tile/" + path, out var parsed))
        {
            return TypedResults.NotFound();
        }
        var tile = parsed.Value;
        long size = log.Tree.Size;
        byte[] body;
        if (!tile.IsEntryBundle)
        {
            if (tile.Width > TlogTiles.HashTileWidth(size, tile.Level, tile.Index))
            {
                return TypedResults.NotFound();
            }
            body = TlogTiles.ReadHashTile(log.Tree, size, tile.Level, tile.Index, tile.Width);
        }
        else
        {
            if (tile.Width > TlogTiles.EntryBundleWidth(size, tile.Index))
            {
                return TypedResults.NotFound();
            }
            long first = tile.Index * TlogTiles.Width;
            long end = first + tile.Width;
            await using var db = log.Cell.CreateDbContext();
            var entries = await db.Set<AuditEvent>().AsNoTracking()
                .Where(e => e.LeafIndex >= first && e.LeafIndex < end).OrderBy(e => e.LeafIndex)
                .Select(e => e.Commitment).ToListAsync(ct);
            // The entries must be exactly the leaves of the served tree; a database edited since would make them lie.
            bool matches = entries.Count == tile.Width;
            for (int i = 0; matches && i < entries.Count; i++)
            {
                matches = MerkleHash.Leaf(entries[i]).AsSpan().SequenceEqual(log.Tree.LeafHash(first + i));
            }
            if (!matches)
            {
                AuditLog.EntriesMismatch(loggers.CreateLogger("Sigill.Audit"), region, first, end - 1);
                return Problems.Create(StatusCodes.Status500InternalServerError, ErrorCodes.InternalError, "An unexpected error occurred.");
            }
            body = TlogTiles.EncodeEntryBundle(entries.Select(e => (ReadOnlyMemory<byte>)e));
        }
        http.Response.Headers.CacheControl = tile.Width == TlogTiles.Width ? Immutable : Fresh;
        return TypedResults.Bytes(body, "application/octet-stream");
    }

    private static Results<Ok<InclusionProofView>, NotFound, ProblemHttpResult> InclusionProof(string region, long? index, long? size, AuditLogs logs)
    {
        if (!logs.TryGet(region, out var log))
        {
            return TypedResults.NotFound();
        }
        long treeSize = log.Tree.Size;
        if (index is not { } i || size is not { } n || i < 0 || i >= n || n > treeSize)
        {
            return Problems.Validation(string.Create(CultureInfo.InvariantCulture, $"index and size are required, with 0 <= index < size <= {treeSize}."));
        }
        var proof = log.Tree.InclusionProof(i, n);
        return TypedResults.Ok(new InclusionProofView(i, n, Convert.ToBase64String(log.Tree.LeafHash(i)), [.. proof.Select(Convert.ToBase64String)]));
    }

    private static Results<Ok<ConsistencyProofView>, NotFound, ProblemHttpResult> ConsistencyProof(string region, long? from, long? to, AuditLogs logs)
    {
        if (!logs.TryGet(region, out var log))
        {
            return TypedResults.NotFound();
        }
        long treeSize = log.Tree.Size;
        if (from is not { } m || to is not { } n || m < 0 || m > n || n > treeSize)
        {
            return Problems.Validation(string.Create(CultureInfo.InvariantCulture, $"from and to are required, with 0 <= from <= to <= {treeSize}."));
        }
        var proof = log.Tree.ConsistencyProof(m, n);
        return TypedResults.Ok(new ConsistencyProofView(m, n, [.. proof.Select(Convert.ToBase64String)]));
    }

    // Another organization's event — in this region or another — answers 404, exactly like an unknown id.
    private static async Task<Results<ContentHttpResult, NotFound, ProblemHttpResult>> EventReceipt(
        string id, Caller caller, AuditLogs logs, CancellationToken ct)
    {
        if (!SigillId.TryParse(id, "aev", out var region) || region != caller.Region || !logs.TryGet(region, out var log))
        {
            return TypedResults.NotFound();
        }
        var found = await AuditReceipts.ForEventsAsync(log, caller.OrganizationId, [id], ct);
        if (found.Count == 0)
        {
            return TypedResults.NotFound();
        }
        if (found[0] is { Receipt: null, LeafIndex: not null, Checkpoint: not null })
        {
            return Problems.Create(StatusCodes.Status410Gone, ErrorCodes.AuditEventErased,
                "This event's content was erased (docs/privacy.md); its leaf stays in the log, so `audit verify` still passes, but there is nothing to issue a receipt over.");
        }
        if (found[0].Receipt is not { } receipt)
        {
            return Problems.Conflict(ErrorCodes.AuditEventPending, "The event is recorded but not yet in a signed checkpoint; retry in a second.");
        }
        return TypedResults.Text(receipt, "application/json");
    }
}
