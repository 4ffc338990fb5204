using Microsoft.EntityFrameworkCore;
using Sigill.Crypto;
using Sigill.Transparency;

namespace Sigill.Api.Features.Audit;

/// <summary>Where one event sits in its region's log: its leaf index and a signed checkpoint that includes it.</summary>
/// <param name="EventId">The event.</param>
/// <param name="LeafIndex">Its leaf index; null while it waits for the sequencer.</param>
/// <param name="Checkpoint">The signed checkpoint note (verbatim) whose tree includes the leaf; null while pending.</param>
/// <param name="Receipt">A <c>sigill-audit-receipt-v1</c> JSON proving it offline (salt and event hash disclosed); null while pending.</param>
public sealed record AuditInclusion(string EventId, long? LeafIndex, string? Checkpoint, string? Receipt);

/// <summary>
/// Inclusion evidence for events, for organization members (receipts) and for the certificate of
/// completion: <see cref="ForEventsAsync"/> maps event ids to leaf index + checkpoint text.
/// </summary>
public static class AuditReceipts
{
    /// <summary>
    /// For each id of an event in <paramref name="organizationId"/> (ids of other organizations or
    /// regions are left out, never reported), its leaf index, the latest checkpoint and a receipt.
    /// </summary>
    public static async Task<IReadOnlyList<AuditInclusion>> ForEventsAsync(
        CellAuditLog log, string organizationId, IReadOnlyCollection<string> eventIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(eventIds);
        await using var db = log.Cell.CreateDbContext();
        var rows = await db.Set<AuditEvent>().AsNoTracking()
            .Where(e => eventIds.Contains(e.Id) && e.OrganizationId == organizationId).ToListAsync(ct);
        var result = new List<AuditInclusion>(rows.Count);
        foreach (var row in rows.OrderBy(r => r.LeafIndex ?? long.MaxValue))
        {
            result.Add(await ForEventAsync(log, row, ct));
        }
        return result;
    }

    internal static async Task<AuditInclusion> ForEventAsync(CellAuditLog log, AuditEvent row, CancellationToken ct)
    {
        var latest = log.Latest;
        if (row.LeafIndex is not { } index || latest is null || index >= latest.Size || log.Key is not { } key)
        {
            return new AuditInclusion(row.Id, row.LeafIndex, null, null);
        }
        if (row.Sealed.AsSpan().StartsWith(Privacy.Erasure.RedactedPrefix))
        {
            // An erased event (ADR 0016) keeps its leaf and its place in the checkpoint; with its content gone there is
            // nothing to issue a receipt over. A document still in progress completes with it (the certificate lists the
            // event by its row), so erasing the person who sent it does not leave the document stuck.
            return new AuditInclusion(row.Id, index, latest.Note, null);
        }
        var (salt, canonical) = await OpenAsync(log.Cell, row, ct);
        return ForOpenedEvent(log, row, salt, canonical);
    }

    /// <summary>As <see cref="ForEventAsync"/> for an event already decrypted with <see cref="OpenAsync"/> (its salt and canonical bytes).</summary>
    internal static AuditInclusion ForOpenedEvent(CellAuditLog log, AuditEvent row, byte[] salt, byte[] canonical)
    {
        var latest = log.Latest;
        if (row.LeafIndex is not { } index || latest is null || index >= latest.Size || log.Key is not { } key)
        {
            return new AuditInclusion(row.Id, row.LeafIndex, null, null);
        }
        var proof = log.Tree.InclusionProof(index, latest.Size);
        var receipt = Receipt.Create(key.Origin, index, row.Commitment, proof, latest.Note, key.VerifierKey, salt, LeafCommitment.HashEvent(canonical));
        return new AuditInclusion(row.Id, index, latest.Note, receipt.ToJson());
    }

    /// <summary>Decrypts a stored event: its 32-byte salt and canonical bytes. Throws <see cref="CryptoIntegrityException"/>.</summary>
    public static async Task<(byte[] Salt, byte[] Canonical)> OpenAsync(Platform.Cells.Cell cell, AuditEvent row, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(row);
        if (row.Sealed.AsSpan().StartsWith(Privacy.Erasure.RedactedPrefix))
        {
            // An erased event (ADR 0016) reads like a shredded one: its content is gone, its leaf stays.
            throw new CryptoIntegrityException(CryptoFailureReason.KeyDestroyed, $"Audit event {row.Id} was erased.");
        }
        var owner = row.OrganizationId ?? AuditRecorder.CellOrganization(cell.Region);
        var plain = await cell.Keys.OpenRecordAsync(AuditRecorder.SealContext(cell.Region, owner, row.Id), row.Sealed, ct);
        if (plain.Length < LeafCommitment.SaltSize)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.UnsupportedFormat, $"Audit event {row.Id} is too short.");
        }
        return (plain[..LeafCommitment.SaltSize], plain[LeafCommitment.SaltSize..]);
    }
}
