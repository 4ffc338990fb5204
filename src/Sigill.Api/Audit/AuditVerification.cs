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
/// reported with the leaf it concerns.
/// <para>
/// Pipeline (issue 5: 1,000,000 events in 10 s on two cores): one thread streams the rows with a plain data reader
/// in batches; each batch's per-row checks (decryption, commitment, columns, seal) run on every core; the leaf hashes
/// are computed on every core too (<see cref="AuditLogVerifier.AppendRange"/>); only the fold into the tree is
/// sequential. The next batch is read while one is checked.
/// </para>
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

        var parallel = new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount };
        var shreddedOrganizations = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var warmed = new HashSet<string>(StringComparer.Ordinal);
        await using var readDb = cell.CreateDbContext();
        var connection = readDb.Database.GetDbConnection();
        await connection.OpenAsync(ct);
        var batches = System.Threading.Channels.Channel.CreateBounded<List<Row>>(new System.Threading.Channels.BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reading = Task.Run(() => ReadRows(connection, decrypt, batches.Writer, stopReading.Token), CancellationToken.None);
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync(ct))
            {
                if (decrypt)
                {
                    // The first event of each organization loads its key (possibly from the database) here, awaited; after
                    // that the key is cached and every decryption in the parallel loop completes synchronously.
                    foreach (var row in batch)
                    {
                        if (warmed.Add(row.OrganizationId ?? ""))
                        {
                            await CheckAsync(cell, key, row, decrypt, shreddedOrganizations, ct);
                        }
                    }
                }
                var results = new Checked[batch.Count];
                Parallel.For(0, batch.Count, parallel, i =>
                {
                    var check = CheckAsync(cell, key, batch[i], decrypt, shreddedOrganizations, ct);
                    results[i] = check.IsCompletedSuccessfully ? check.Result : check.AsTask().GetAwaiter().GetResult();
                });
                // The rows before the first one with a problem go into the tree; then that row's problem is reported
                // (after any checkpoint those earlier leaves contradict: the first problem in leaf order).
                int stop = 0;
                while (stop < batch.Count && batch[stop].LeafIndex == expected + stop && results[stop].Problem is null)
                {
                    shredded += results[stop].Shredded ? 1 : 0;
                    stop++;
                }
                if (verifier.AppendRange(expected, batch.GetRange(0, stop).ConvertAll(r => r.Commitment)) is { } failure)
                {
                    return Fail(Describe(failure), failure.LeavesVerified);
                }
                expected += stop;
                if (stop < batch.Count)
                {
                    long index = batch[stop].LeafIndex!.Value;
                    return index != expected
                        ? Fail(Leaves(expected, index - 1) + " missing (deleted)", expected)
                        : Fail(results[stop].Problem!, expected);
                }
                progress?.Report((expected, total));
            }
            await reading; // surfaces a failed read
        }
        finally
        {
            await stopReading.CancelAsync();
            // Never leave a read running on the connection being disposed.
            await reading.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
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
            if ((await CheckAsync(cell, key, row, decrypt, shreddedOrganizations, ct)).Problem is { } problem)
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
    }

    /// <summary>
    /// Streams the sequenced rows in leaf order with a plain data reader (no change tracking, no per-row task) into
    /// batches. Column names are those of <see cref="AuditEventConfiguration"/>; the SQL is fixed text.
    /// </summary>
    private static async Task ReadRows(System.Data.Common.DbConnection connection, bool decrypt, System.Threading.Channels.ChannelWriter<List<Row>> output, CancellationToken ct)
    {
        Exception? error = null;
        try
        {
            await using var command = connection.CreateCommand();
#pragma warning disable CA2100 // one of two fixed statements, no input
            command.CommandText = decrypt
                ? """SELECT "Id", "OrganizationId", "Action", "OccurredAt", "Sealed", "Commitment", "LeafIndex", "PositionSeal" FROM audit_events WHERE "LeafIndex" IS NOT NULL ORDER BY "LeafIndex" """
                : """SELECT "Id", "Commitment", "LeafIndex", "PositionSeal" FROM audit_events WHERE "LeafIndex" IS NOT NULL ORDER BY "LeafIndex" """;
#pragma warning restore CA2100
            await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
            var batch = new List<Row>(BatchSize);
            while (reader.Read())
            {
                batch.Add(decrypt
                    ? new Row(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2),
                        DateTime.SpecifyKind(reader.GetDateTime(3), DateTimeKind.Utc), Bytes(reader, 4), Bytes(reader, 5) ?? [], reader.GetInt64(6), Bytes(reader, 7))
                    : new Row(reader.GetString(0), null, "", default, null, Bytes(reader, 1) ?? [], reader.GetInt64(2), Bytes(reader, 3)));
                if (batch.Count == BatchSize)
                {
                    await output.WriteAsync(batch, ct);
                    batch = new List<Row>(BatchSize);
                }
            }
            if (batch.Count > 0)
            {
                await output.WriteAsync(batch, ct);
            }
        }
        catch (Exception e)
        {
            error = e;
        }
        output.TryComplete(error is OperationCanceledException ? null : error);

        static byte[]? Bytes(System.Data.Common.DbDataReader reader, int ordinal) =>
            reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<byte[]>(ordinal);
    }

    /// <summary>
    /// The checks of one row that need no other row: its content against its commitment and columns
    /// (when decrypting) and, for a sequenced row, its position seal. Problems name the leaf or event.
    /// </summary>
    private static async ValueTask<Checked> CheckAsync(Cell cell, AuditLogKeyMaterial key, Row row, bool decrypt,
        System.Collections.Concurrent.ConcurrentDictionary<string, bool> shreddedOrganizations, CancellationToken ct)
    {
        bool shredded = false;
        if (decrypt)
        {
            var owner = row.OrganizationId ?? AuditRecorder.CellOrganization(cell.Region);
            if (shreddedOrganizations.ContainsKey(owner))
            {
                shredded = true; // its keys are destroyed: every further event of it is shredded too (one exception per organization)
            }
            else
            {
                var open = await OpenAsync(cell, owner, row, ct);
                if (open.Problem is not null)
                {
                    return new Checked($"{Where(row)}: {open.Problem}", false);
                }
                if (open.Shredded)
                {
                    shreddedOrganizations.TryAdd(owner, true);
                    shredded = true;
                }
                else if (!CryptographicOperations.FixedTimeEquals(open.Commitment, row.Commitment))
                {
                    return new Checked(row.LeafIndex is { } index && key.PositionSealMatches(index, open.Commitment, row.Id, row.PositionSeal)
                        ? $"{Where(row)}: stored commitment was changed, the event still matches the original (edited)"
                        : $"{Where(row)}: stored event does not match its commitment (edited)", false);
                }
            }
        }
        if (row.LeafIndex is { } position && !key.PositionSealMatches(position, row.Commitment, row.Id, row.PositionSeal))
        {
            return new Checked($"{Where(row)}: event {row.Id} is not the event the sequencer put at this position (reordered or inserted)", false);
        }
        return new Checked(null, shredded);
    }

    private static string Where(Row row) => row.LeafIndex is { } leaf
        ? string.Create(CultureInfo.InvariantCulture, $"leaf {leaf}")
        : $"event {row.Id} awaiting sequencing";

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

    private readonly record struct Opened(byte[] Commitment, string? Problem, bool Shredded);

    /// <summary>Decrypts one event and recomputes its commitment; compares its plain columns with the sealed content without allocating.</summary>
    private static async ValueTask<Opened> OpenAsync(Cell cell, string owner, Row row, CancellationToken ct)
    {
        byte[] plain;
        try
        {
            plain = await cell.Keys.OpenRecordAsync(AuditRecorder.SealContext(cell.Region, owner, row.Id), row.Sealed ?? [], ct);
        }
        catch (CryptoIntegrityException e) when (e.Reason == CryptoFailureReason.KeyDestroyed)
        {
            return new Opened([], null, true);
        }
        catch (CryptoIntegrityException)
        {
            return new Opened([], $"event {row.Id} cannot be decrypted: its content or row was altered (edited or inserted)", false);
        }
        try
        {
            return Recompute(plain, row);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    private static Opened Recompute(byte[] plain, Row row)
    {
        if (plain.Length < LeafCommitment.SaltSize)
        {
            return new Opened([], $"event {row.Id} cannot be decrypted: its content or row was altered (edited or inserted)", false);
        }
        var canonical = plain.AsSpan(LeafCommitment.SaltSize);
        if (!HeaderMatches(canonical, row))
        {
            return new Opened([], $"event {row.Id}: its stored columns do not match its sealed content (edited)", false);
        }
        Span<byte> eventHash = stackalloc byte[32];
        SHA256.HashData(canonical, eventHash);
        var commitment = new byte[LeafCommitment.Size];
        LeafCommitment.FromEventHash(plain.AsSpan(0, LeafCommitment.SaltSize), eventHash, commitment);
        return new Opened(commitment, null, false);
    }

    /// <summary>
    /// True when the sealed JSON's id, organization, action and time are the row's columns (as <see cref="AuditEventJson.Header"/>
    /// reads them). Reading stops at the time, the last of them: the details that follow are covered by the commitment.
    /// </summary>
    private static bool HeaderMatches(ReadOnlySpan<byte> canonical, Row row)
    {
        // "O" is the runtime's fast path and writes 7 fraction digits; sealed times are whole microseconds (6 digits).
        Span<byte> time = stackalloc byte[40];
        if (!row.OccurredAt.TryFormat(time, out int timeLength, "O", CultureInfo.InvariantCulture) || timeLength != 28 || time[26] != '0')
        {
            return false;
        }
        time[26] = (byte)'Z';
        time = time[..27];
        bool id = false, organization = row.OrganizationId is null, action = false; // no organization property reads as null
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(canonical);
            if (!reader.Read() || reader.TokenType != System.Text.Json.JsonTokenType.StartObject)
            {
                return false;
            }
            while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName && reader.CurrentDepth == 1)
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    id = reader.TokenType == System.Text.Json.JsonTokenType.String && reader.ValueTextEquals(row.Id);
                }
                else if (reader.ValueTextEquals("organization"u8))
                {
                    reader.Read();
                    organization = reader.TokenType == System.Text.Json.JsonTokenType.Null
                        ? row.OrganizationId is null
                        : reader.TokenType == System.Text.Json.JsonTokenType.String && row.OrganizationId is not null && reader.ValueTextEquals(row.OrganizationId);
                }
                else if (reader.ValueTextEquals("action"u8))
                {
                    reader.Read();
                    action = reader.TokenType == System.Text.Json.JsonTokenType.String && reader.ValueTextEquals(row.Action);
                }
                else if (reader.ValueTextEquals("time"u8))
                {
                    reader.Read();
                    return id && organization && action && reader.TokenType == System.Text.Json.JsonTokenType.String && reader.ValueTextEquals(time);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
        return false;
    }
}
