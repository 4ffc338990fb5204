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
    private const int BatchSize = 8192;

    private sealed record Row(string Id, string? OrganizationId, string Action, DateTime OccurredAt, byte[]? Sealed, byte[] Commitment, long? LeafIndex, byte[]? PositionSeal);

    /// <summary>What the parallel phase found for one row; the sequential fold reports the first problem in leaf order.</summary>
    private readonly record struct Checked(string? Problem, bool Shredded);

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
        long expected = 0, shredded = 0, checkpointSize = 0;
        using var key = await AuditLogKeyMaterial.LoadAsync(cell, ct);
        if (key is null)
        {
            return total + pendingCount + notes.Count == 0
                ? new AuditVerificationReport(cell.Region, true, null, 0, 0, 0, 0, 0, null)
                : Fail("events or checkpoints are stored but the region's log key is missing (deleted)", 0);
        }
        var verifier = new AuditLogVerifier(key.Origin, key.Verifier, notes);
        checkpointSize = verifier.LargestCheckpointSize;
        progress?.Report((0, total));

        // Reading the next batch overlaps with checking this one; checks run on every core; the fold is sequential.
        var parallel = new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount };
        var sequenced = events.Where(e => e.LeafIndex != null).OrderBy(e => e.LeafIndex);
        var query = decrypt
            ? sequenced.Select(e => new Row(e.Id, e.OrganizationId, e.Action, e.OccurredAt, e.Sealed, e.Commitment, e.LeafIndex, e.PositionSeal))
            : sequenced.Select(e => new Row(e.Id, null, "", default, null, e.Commitment, e.LeafIndex, e.PositionSeal)); // what seals and tree need
        await using (var rows = query.AsAsyncEnumerable().GetAsyncEnumerator(ct))
        {
            var reading = ReadBatchAsync(rows);
            try
            {
                while (await reading is { Count: > 0 } batch)
                {
                    reading = ReadBatchAsync(rows);
                    var results = new Checked[batch.Count];
                    await Parallel.ForAsync(0, batch.Count, parallel, async (i, token) => results[i] = await CheckAsync(cell, key, batch[i], decrypt, token));
                    for (int i = 0; i < batch.Count; i++)
                    {
                        var row = batch[i];
                        long index = row.LeafIndex!.Value;
                        if (index != expected)
                        {
                            return Fail(Leaves(expected, index - 1) + " missing (deleted)", expected);
                        }
                        if (results[i].Problem is { } problem)
                        {
                            return Fail(problem, expected);
                        }
                        if (results[i].Shredded)
                        {
                            shredded++;
                        }
                        if (verifier.Append(index, row.Commitment) is { } failure)
                        {
                            return Fail(Describe(failure), expected);
                        }
                        expected++;
                    }
                    progress?.Report((expected, total));
                }
            }
            finally
            {
                // Never leave a read running on the enumerator being disposed.
                await reading.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
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
            if ((await CheckAsync(cell, key, row, decrypt, ct)).Problem is { } problem)
            {
                return Fail(problem, expected);
            }
        }
        return new AuditVerificationReport(cell.Region, true, null, expected, checkpointSize, result.CheckpointsVerified, shredded, pending.Count, key.VerifierKey)
        {
            ContentChecked = decrypt,
        };

        AuditVerificationReport Fail(string problem, long verified) =>
            new(cell.Region, false, problem, verified, checkpointSize, 0, shredded, pendingCount, key?.VerifierKey);

        async Task<List<Row>> ReadBatchAsync(IAsyncEnumerator<Row> source)
        {
            var batch = new List<Row>(BatchSize);
            while (batch.Count < BatchSize && await source.MoveNextAsync())
            {
                batch.Add(source.Current);
            }
            return batch;
        }
    }

    /// <summary>
    /// The checks of one row that need no other row: its content against its commitment and columns
    /// (when decrypting) and, for a sequenced row, its position seal. Problems name the leaf or event.
    /// </summary>
    private static async Task<Checked> CheckAsync(Cell cell, AuditLogKeyMaterial key, Row row, bool decrypt, CancellationToken ct)
    {
        string where = row.LeafIndex is { } leaf
            ? string.Create(CultureInfo.InvariantCulture, $"leaf {leaf}")
            : $"event {row.Id} awaiting sequencing";
        bool shredded = false;
        if (decrypt)
        {
            var open = await OpenAsync(cell, row, ct);
            if (open.Problem is not null)
            {
                return new Checked($"{where}: {open.Problem}", false);
            }
            shredded = open.Shredded;
            if (open.Salt is not null)
            {
                var recomputed = LeafCommitment.FromEventHash(open.Salt, open.EventHash);
                if (!CryptographicOperations.FixedTimeEquals(recomputed, row.Commitment))
                {
                    return new Checked(row.LeafIndex is { } index && key.PositionSealMatches(index, recomputed, row.Id, row.PositionSeal)
                        ? $"{where}: stored commitment was changed, the event still matches the original (edited)"
                        : $"{where}: stored event does not match its commitment (edited)", false);
                }
            }
        }
        if (row.LeafIndex is { } position && !key.PositionSealMatches(position, row.Commitment, row.Id, row.PositionSeal))
        {
            return new Checked($"{where}: event {row.Id} is not the event the sequencer put at this position (reordered or inserted)", false);
        }
        return new Checked(null, shredded);
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

    private readonly record struct Opened(byte[]? Salt, byte[]? EventHash, string? Problem, bool Shredded);

    private static async Task<Opened> OpenAsync(Cell cell, Row row, CancellationToken ct)
    {
        byte[] salt, canonical;
        try
        {
            (salt, canonical) = await AuditReceipts.OpenAsync(cell, new AuditEvent
            {
                Id = row.Id, OrganizationId = row.OrganizationId, Action = row.Action, Sealed = row.Sealed ?? [], Commitment = row.Commitment,
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
