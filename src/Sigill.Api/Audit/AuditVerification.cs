using System.Globalization;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Cells;
using Sigill.Crypto;
using Sigill.Transparency;

namespace Sigill.Api.Audit;

/// <summary>The outcome of verifying one region's log.</summary>
/// <param name="Region">The region.</param>
/// <param name="Ok">True when nothing is wrong.</param>
/// <param name="Problem">The first problem, precisely (naming the leaf or checkpoint); null when OK.</param>
/// <param name="Events">Sequenced events checked.</param>
/// <param name="CheckpointSize">The size of the latest stored checkpoint.</param>
/// <param name="Checkpoints">Stored checkpoints whose signature and root were checked.</param>
/// <param name="Shredded">Events whose organization was crypto-shredded: in the tree, content unverifiable.</param>
/// <param name="Pending">Committed events still waiting for the sequencer (checked, not yet in the tree).</param>
/// <param name="VerifierKey">The region's published verifier key.</param>
public sealed record AuditVerificationReport(
    string Region, bool Ok, string? Problem, long Events, long CheckpointSize, int Checkpoints, long Shredded, long Pending, string? VerifierKey)
{
    /// <summary>False when only commitments, seals and checkpoints were checked (no decryption).</summary>
    public bool ContentChecked { get; init; } = true;

    public string Summary => Ok
        ? string.Create(CultureInfo.InvariantCulture, $"audit log {Region}: OK, {Events} events, checkpoint size {CheckpointSize}")
            + (Shredded > 0 ? string.Create(CultureInfo.InvariantCulture, $", {Shredded} shredded (content unverifiable)") : "")
            + (Pending > 0 ? string.Create(CultureInfo.InvariantCulture, $", {Pending} awaiting sequencing") : "")
            + (ContentChecked ? "" : ", event content not decrypted (--commitments-only)")
        : $"audit log {Region}: FAILED: {Problem}";
}

/// <summary>
/// <c>sigill audit verify</c> for one cell: every sequenced event is decrypted and its commitment
/// recomputed from (salt, canonical bytes); its plain columns are compared with the sealed content;
/// its position seal is checked; the tree is recomputed in leaf order and every stored checkpoint's
/// signature, origin and root checked against it (<see cref="AuditLogVerifier"/>). The first problem is
/// reported with the leaf it concerns. Decryption runs in parallel batches; the fold is sequential.
/// </summary>
public static class AuditVerification
{
    private const int BatchSize = 4096;

    private sealed record Row(string Id, string? OrganizationId, string Action, DateTime OccurredAt, byte[] Sealed, byte[] Commitment, long? LeafIndex, byte[]? PositionSeal);

    private readonly record struct Opened(byte[]? Salt, byte[]? EventHash, string? Problem, bool Shredded);

    /// <param name="cell">The cell.</param>
    /// <param name="progress">Leaves done and total, per batch.</param>
    /// <param name="decrypt">False checks the tree, position seals and checkpoints from the stored commitments only
    /// (fast, needs only the log key); content edits are then found only by a full run.</param>
    /// <param name="ct">Cancellation.</param>
    public static async Task<AuditVerificationReport> VerifyAsync(Cell cell, IProgress<(long Done, long Total)>? progress, CancellationToken ct, bool decrypt = true)
    {
        ArgumentNullException.ThrowIfNull(cell);
        await using var db = cell.CreateDbContext();
        var events = db.Set<AuditEvent>().AsNoTracking();
        long total = await events.LongCountAsync(e => e.LeafIndex != null, ct);
        long pendingCount = await events.LongCountAsync(e => e.LeafIndex == null, ct);
        var notes = await db.Set<AuditCheckpoint>().AsNoTracking().OrderBy(c => c.TreeSize).Select(c => c.Note).ToListAsync(ct);
        long checkpointSize = 0, expected = 0, shredded = 0;
        using var key = await AuditLogKeyMaterial.LoadAsync(cell, ct);
        if (key is null)
        {
            return total + pendingCount + notes.Count == 0
                ? new AuditVerificationReport(cell.Region, true, null, 0, 0, 0, 0, 0, null)
                : Fail("events or checkpoints are stored but the region's log key is missing (deleted)", 0);
        }
        foreach (var note in notes)
        {
            if (Checkpoint.Open(note, key.Verifier, key.Origin) is { IsValid: true } valid)
            {
                checkpointSize = Math.Max(checkpointSize, valid.Checkpoint.Size);
            }
        }
        var verifier = new AuditLogVerifier(key.Origin, key.Verifier, notes);
        progress?.Report((0, total));

        var batch = new List<Row>(BatchSize);
        var opened = new Opened[BatchSize];
        var query = events.Where(e => e.LeafIndex != null).OrderBy(e => e.LeafIndex)
            .Select(e => new Row(e.Id, e.OrganizationId, e.Action, e.OccurredAt, e.Sealed, e.Commitment, e.LeafIndex, e.PositionSeal));
        await using (var rows = query.AsAsyncEnumerable().GetAsyncEnumerator(ct))
        {
            bool more = true;
            while (more)
            {
                batch.Clear();
                while (batch.Count < BatchSize && (more = await rows.MoveNextAsync()))
                {
                    batch.Add(rows.Current);
                }
                if (decrypt)
                {
                    await Parallel.ForAsync(0, batch.Count, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount },
                        async (i, token) => opened[i] = await OpenAsync(cell, batch[i], token));
                }
                else
                {
                    Array.Fill(opened, default);
                }
                for (int i = 0; i < batch.Count; i++)
                {
                    var row = batch[i];
                    long index = row.LeafIndex!.Value;
                    if (index != expected)
                    {
                        return Fail(Leaves(expected, index - 1) + " missing (deleted)", expected);
                    }
                    var open = opened[i];
                    if (open.Problem is not null)
                    {
                        return Fail($"leaf {index}: {open.Problem}", expected);
                    }
                    if (open.Salt is not null)
                    {
                        var recomputed = LeafCommitment.FromEventHash(open.Salt, open.EventHash);
                        if (!CryptographicOperations.FixedTimeEquals(recomputed, row.Commitment))
                        {
                            return Fail(key.PositionSealMatches(index, recomputed, row.Id, row.PositionSeal)
                                ? $"leaf {index}: stored commitment was changed, the event still matches the original (edited)"
                                : $"leaf {index}: stored event does not match its commitment (edited)", expected);
                        }
                    }
                    else if (open.Shredded)
                    {
                        shredded++;
                    }
                    if (!key.PositionSealMatches(index, row.Commitment, row.Id, row.PositionSeal))
                    {
                        return Fail($"leaf {index}: event {row.Id} is not the event the sequencer put at this position (reordered or inserted)", expected);
                    }
                    if (verifier.Append(index, row.Commitment, open.Salt, open.EventHash) is { } failure)
                    {
                        return Fail(Describe(failure), expected);
                    }
                    expected++;
                }
                progress?.Report((expected, total));
            }
        }

        var result = verifier.Complete();
        if (!result.IsValid)
        {
            return Fail(Describe(result), expected);
        }

        // Committed but not yet sequenced events must be genuine too: the sequencer would take them as they are.
        var pending = await events.Where(e => e.LeafIndex == null)
            .Select(e => new Row(e.Id, e.OrganizationId, e.Action, e.OccurredAt, e.Sealed, e.Commitment, e.LeafIndex, e.PositionSeal)).ToListAsync(ct);
        foreach (var row in decrypt ? pending : [])
        {
            var open = await OpenAsync(cell, row, ct);
            if (open.Problem is not null)
            {
                return Fail($"event {row.Id} awaiting sequencing: {open.Problem}", expected);
            }
            if (open.Salt is not null && !CryptographicOperations.FixedTimeEquals(LeafCommitment.FromEventHash(open.Salt, open.EventHash), row.Commitment))
            {
                return Fail($"event {row.Id} awaiting sequencing: stored event does not match its commitment (edited)", expected);
            }
        }
        return new AuditVerificationReport(cell.Region, true, null, expected, checkpointSize, result.CheckpointsVerified, shredded, pending.Count, key.VerifierKey)
        {
            ContentChecked = decrypt,
        };

        AuditVerificationReport Fail(string problem, long verified) =>
            new(cell.Region, false, problem, verified, checkpointSize, 0, shredded, pendingCount, key?.VerifierKey);
    }

    private static string Leaves(long first, long last) =>
        first == last ? string.Create(CultureInfo.InvariantCulture, $"leaf {first}") : string.Create(CultureInfo.InvariantCulture, $"leaves {first}-{last}");

    private static string Describe(AuditLogResult failure) => failure.Problem switch
    {
        AuditProblem.CheckpointBeyondLog =>
            string.Create(CultureInfo.InvariantCulture, $"checkpoint at size {failure.CheckpointSize} commits to more events than the {failure.LeavesVerified} stored: ")
            + Leaves(failure.LeavesVerified, failure.CheckpointSize!.Value - 1) + " missing (deleted)",
        AuditProblem.CheckpointRootMismatch =>
            string.Create(CultureInfo.InvariantCulture, $"checkpoint at size {failure.CheckpointSize} does not match the stored events: ") + failure.Detail,
        AuditProblem.CommitmentMismatch when failure.LeafIndex is { } leaf =>
            string.Create(CultureInfo.InvariantCulture, $"leaf {leaf}: stored event does not match its commitment (edited)"),
        _ => failure.Detail,
    };

    private static async Task<Opened> OpenAsync(Cell cell, Row row, CancellationToken ct)
    {
        byte[] salt, canonical;
        try
        {
            (salt, canonical) = await AuditReceipts.OpenAsync(cell, new AuditEvent
            {
                Id = row.Id, OrganizationId = row.OrganizationId, Action = row.Action, Sealed = row.Sealed, Commitment = row.Commitment,
            }, ct);
        }
        catch (CryptoIntegrityException e) when (e.Reason == CryptoFailureReason.KeyDestroyed)
        {
            return new Opened(null, null, null, true);
        }
        catch (CryptoIntegrityException)
        {
            return new Opened(null, null, $"event {row.Id} cannot be decrypted: its content or row was altered (edited or inserted)", false);
        }
        (string? Id, string? Organization, string? Action, string? Time) header;
        try
        {
            header = AuditEventJson.Header(canonical);
        }
        catch (Exception e) when (e is InvalidOperationException or System.Text.Json.JsonException)
        {
            header = default;
        }
        if (header.Id != row.Id || header.Organization != row.OrganizationId || header.Action != row.Action
            || header.Time != row.OccurredAt.ToString(AuditEventJson.TimeFormat, CultureInfo.InvariantCulture))
        {
            return new Opened(null, null, $"event {row.Id}: its stored columns do not match its sealed content (edited)", false);
        }
        return new Opened(salt, LeafCommitment.HashEvent(canonical), null, false);
    }
}
