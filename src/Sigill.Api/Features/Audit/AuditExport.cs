using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Transparency;

namespace Sigill.Api.Features.Audit;

/// <summary>
/// <c>sigill audit export --org ID</c>: one JSON line per event of the organization that a stored
/// checkpoint includes, in leaf order, for auditors:
/// <code>{"eventId":…,"leafIndex":…,"event":"&lt;canonical event JSON, verbatim&gt;","receipt":{sigill-audit-receipt-v1}}</code>
/// The receipt discloses salt and event hash, so the line proves offline (<c>audit verify-receipt</c>)
/// that exactly this event is at this leaf of a checkpoint signed by the region key.
/// </summary>
public static class AuditExport
{
    public sealed record ExportResult(long Exported, long Pending, long Shredded, long CheckpointSize);

    public static async Task<ExportResult> WriteAsync(Cell cell, string organizationId, Stream output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(output);
        using var key = await AuditLogKeyMaterial.LoadAsync(cell, ct);
        await using var db = cell.CreateDbContext();
        var latest = await db.Set<AuditCheckpoint>().AsNoTracking().OrderByDescending(c => c.TreeSize).FirstOrDefaultAsync(ct);
        long pending = await db.Set<AuditEvent>().LongCountAsync(e => e.OrganizationId == organizationId
            && (e.LeafIndex == null || (latest != null && e.LeafIndex >= latest.TreeSize)), ct);
        if (key is null || latest is null)
        {
            return new ExportResult(0, pending, 0, 0);
        }
        long size = latest.TreeSize;

        // Proofs need the whole tree up to the checkpoint, not only this organization's leaves.
        var tree = new MerkleTree();
        await foreach (var commitment in db.Set<AuditEvent>().AsNoTracking().Where(e => e.LeafIndex < size).OrderBy(e => e.LeafIndex)
            .Select(e => e.Commitment).AsAsyncEnumerable().WithCancellation(ct))
        {
            tree.AppendLeafData(commitment);
        }
        if (tree.Size != size || !tree.RootHash().AsSpan().SequenceEqual(ParseRoot(latest.Note, key)))
        {
            throw new InvalidDataException($"The {cell.Region} audit log does not match its latest checkpoint; run `sigill audit verify`.");
        }

        long exported = 0, shredded = 0;
        await using var json = new Utf8JsonWriter(output);
        var rows = db.Set<AuditEvent>().AsNoTracking().Where(e => e.OrganizationId == organizationId && e.LeafIndex < size).OrderBy(e => e.LeafIndex);
        await foreach (var row in rows.AsAsyncEnumerable().WithCancellation(ct))
        {
            byte[] salt, canonical;
            try
            {
                (salt, canonical) = await AuditReceipts.OpenAsync(cell, row, ct);
            }
            catch (Sigill.Crypto.CryptoIntegrityException e) when (e.Reason == Sigill.Crypto.CryptoFailureReason.KeyDestroyed)
            {
                shredded++;
                continue;
            }
            long index = row.LeafIndex!.Value;
            var receipt = Receipt.Create(key.Origin, index, row.Commitment, tree.InclusionProof(index, size), latest.Note, key.VerifierKey,
                salt, LeafCommitment.HashEvent(canonical));
            json.WriteStartObject();
            json.WriteString("eventId", row.Id);
            json.WriteNumber("leafIndex", index);
            json.WriteString("event", Encoding.UTF8.GetString(canonical));
            json.WritePropertyName("receipt");
            using (var document = JsonDocument.Parse(receipt.ToJson()))
            {
                document.RootElement.WriteTo(json);
            }
            json.WriteEndObject();
            await json.FlushAsync(ct);
            json.Reset();
            output.WriteByte((byte)'\n');
            exported++;
        }
        await output.FlushAsync(ct);
        return new ExportResult(exported, pending, shredded, size);
    }

    private static byte[] ParseRoot(string note, AuditLogKeyMaterial key)
    {
        var opened = Checkpoint.Open(note, key.Verifier, key.Origin);
        return opened.IsValid ? opened.Checkpoint.RootHash.ToArray() : throw new InvalidDataException($"The latest checkpoint is not validly signed: {opened.Detail}");
    }
}
