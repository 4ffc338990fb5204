using System.Globalization;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Crypto;
using Sigill.Transparency;

namespace Sigill.Api.Features.Audit;

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

    /// <summary>Plaintext buffer per worker; a larger event gets its own array.</summary>
    private const int ScratchSize = 4096;

    /// <summary>One stored event. Byte columns are empty when NULL; in a <see cref="Batch"/> they point into its buffers.</summary>
    private readonly record struct Row(string Id, string? OrganizationId, string Action, DateTime OccurredAt, long? LeafIndex,
        ReadOnlyMemory<byte> Sealed, ReadOnlyMemory<byte> Commitment, ReadOnlyMemory<byte> PositionSeal);

    /// <summary>
    /// Rows read in leaf order, reused from batch to batch. Their byte columns are packed into the batch's chunks, so
    /// reading a million events allocates little more than their identifier strings: arrays per row were most of the
    /// verifier's time in garbage collection.
    /// </summary>
    private sealed class Batch
    {
        private const int ChunkSize = 1 << 20;
        private readonly List<byte[]> _chunks = [];
        private int _chunk;
        private int _used;

        /// <summary>Organization ids and actions repeat: one instance of each stays alive, the copies read die young.</summary>
        private readonly Dictionary<string, string> _shared = new(StringComparer.Ordinal);

        public Row[] Rows { get; } = new Row[BatchSize];

        public string Shared(string value)
        {
            if (_shared.TryGetValue(value, out var shared))
            {
                return shared;
            }
            if (_shared.Count < 4096)
            {
                _shared[value] = value;
            }
            return value;
        }

        public int Count { get; set; }

        public void Clear()
        {
            Array.Clear(Rows, 0, Count);
            Count = 0;
            _chunk = 0;
            _used = 0;
        }

        /// <summary>
        /// Copies a byte column into the batch. The provider's array dies young (GetBytes would be cheaper in theory, but
        /// Microsoft.Data.Sqlite answers it through incremental blob I/O, several times slower).
        /// </summary>
        public ReadOnlyMemory<byte> Bytes(System.Data.Common.DbDataReader reader, int ordinal)
        {
            if (reader.IsDBNull(ordinal))
            {
                return ReadOnlyMemory<byte>.Empty;
            }
            var value = reader.GetFieldValue<byte[]>(ordinal);
            var (chunk, at) = Reserve(value.Length);
            value.CopyTo(chunk, at);
            return chunk.AsMemory(at, value.Length);
        }

        private (byte[] Chunk, int At) Reserve(int length)
        {
            while (true)
            {
                if (_chunk == _chunks.Count)
                {
                    _chunks.Add(new byte[Math.Max(ChunkSize, length)]);
                }
                if (_chunks[_chunk].Length - _used >= length)
                {
                    _used += length;
                    return (_chunks[_chunk], _used - length);
                }
                if (_used == 0)
                {
                    _chunks[_chunk] = new byte[length]; // an event larger than a chunk
                    continue;
                }
                _chunk++;
                _used = 0;
            }
        }
    }

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
        // Events whose content an erasure replaced (ADR 0016) verify by their leaf only, and only if the journal lists the erasure.
        HashSet<string> erasures;
        try
        {
            erasures = decrypt ? [.. (await Privacy.ErasureJournal.ReadAsync(cell, ct)).Select(e => e.Id)] : [];
        }
        catch (InvalidDataException e)
        {
            return Fail(e.Message, 0);
        }
        catch (InvalidOperationException)
        {
            erasures = []; // no journal directory: nothing was ever erased in this cell
        }
        var verifier = new AuditLogVerifier(key.Origin, key.Verifier, notes);
        checkpointSize = verifier.LargestCheckpointSize;
        progress?.Report((0, total));

        var parallel = new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount };
        var shreddedOrganizations = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var warmed = new HashSet<string>(StringComparer.Ordinal);
        var results = new Checked[BatchSize];
        var commitments = new byte[BatchSize * LeafCommitment.Size];
        var free = new System.Collections.Concurrent.ConcurrentQueue<Batch>();
        await using var readDb = cell.CreateDbContext();
        var connection = readDb.Database.GetDbConnection();
        await connection.OpenAsync(ct);
        var batches = System.Threading.Channels.Channel.CreateBounded<Batch>(new System.Threading.Channels.BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Its own thread, not a pool thread: on two cores the pool would otherwise leave the checks one core until it grows.
        var reading = Task.Factory.StartNew(() => ReadRows(connection, decrypt, free, batches.Writer, stopReading.Token),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync(ct))
            {
                var rows = batch.Rows;
                int count = batch.Count;
                if (decrypt)
                {
                    // The first event of each organization loads its key (possibly from the database) here, awaited; after
                    // that the key is cached and every decryption in the parallel loop completes synchronously.
                    for (int i = 0; i < count; i++)
                    {
                        if (warmed.Add(rows[i].OrganizationId ?? ""))
                        {
                            await CheckAsync(cell, key, rows[i], decrypt, erasures, shreddedOrganizations, new byte[ScratchSize], ct);
                        }
                    }
                }
                Parallel.For(0, count, parallel, () => new byte[ScratchSize], (i, _, scratch) =>
                {
                    var check = CheckAsync(cell, key, rows[i], decrypt, erasures, shreddedOrganizations, scratch, ct);
                    results[i] = check.IsCompletedSuccessfully ? check.Result : check.AsTask().GetAwaiter().GetResult();
                    return scratch;
                }, scratch => CryptographicOperations.ZeroMemory(scratch));
                // The rows before the first one with a problem go into the tree; then that row's problem is reported
                // (after any checkpoint those earlier leaves contradict: the first problem in leaf order).
                int stop = 0;
                while (stop < count && rows[stop].LeafIndex == expected + stop && results[stop].Problem is null)
                {
                    shredded += results[stop].Shredded ? 1 : 0;
                    rows[stop].Commitment.Span.CopyTo(commitments.AsSpan(stop * LeafCommitment.Size));
                    stop++;
                }
                if (verifier.AppendRange(expected, commitments.AsMemory(0, stop * LeafCommitment.Size)) is { } failure)
                {
                    return Fail(Describe(failure), failure.LeavesVerified);
                }
                expected += stop;
                if (stop < count)
                {
                    long index = rows[stop].LeafIndex!.Value;
                    return index != expected
                        ? Fail(Leaves(expected, index - 1) + " missing (deleted)", expected)
                        : Fail(results[stop].Problem!, expected);
                }
                batch.Clear();
                free.Enqueue(batch);
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
        // (From commitments only there is nothing to check in them: they are counted, not read.)
        var pending = decrypt ? await events.Where(e => e.LeafIndex == null).ToListAsync(ct) : [];
        var pendingScratch = new byte[ScratchSize];
        foreach (var e in pending)
        {
            var row = new Row(e.Id, e.OrganizationId, e.Action, e.OccurredAt, e.LeafIndex, e.Sealed, e.Commitment, e.PositionSeal);
            if ((await CheckAsync(cell, key, row, decrypt, erasures, shreddedOrganizations, pendingScratch, ct)).Problem is { } problem)
            {
                return Fail(problem, expected);
            }
        }
        return new AuditVerificationReport(cell.Region, true, null, expected, checkpointSize, result.CheckpointsVerified, shredded,
            decrypt ? pending.Count : pendingCount, key.VerifierKey)
        {
            ContentChecked = decrypt,
        };

        AuditVerificationReport Fail(string problem, long verified) =>
            new(cell.Region, false, problem, verified, checkpointSize, 0, shredded, pendingCount, key?.VerifierKey);
    }

    /// <summary>
    /// Streams the sequenced rows in leaf order with a plain data reader (no change tracking, no per-row task) into
    /// batches, synchronously on its own thread. Column names are those of <see cref="AuditEventConfiguration"/>; the SQL is fixed text.
    /// </summary>
    private static void ReadRows(System.Data.Common.DbConnection connection, bool decrypt, System.Collections.Concurrent.ConcurrentQueue<Batch> free,
        System.Threading.Channels.ChannelWriter<Batch> output, CancellationToken ct)
    {
        Exception? error = null;
        try
        {
            using var command = connection.CreateCommand();
#pragma warning disable CA2100 // one of two fixed statements, no input
            command.CommandText = decrypt
                ? """SELECT "Id", "OrganizationId", "Action", "OccurredAt", "Sealed", "Commitment", "LeafIndex", "PositionSeal" FROM audit_events WHERE "LeafIndex" IS NOT NULL ORDER BY "LeafIndex" """
                : """SELECT "Id", "Commitment", "LeafIndex", "PositionSeal" FROM audit_events WHERE "LeafIndex" IS NOT NULL ORDER BY "LeafIndex" """;
#pragma warning restore CA2100
            using var reader = command.ExecuteReader(System.Data.CommandBehavior.SequentialAccess);
            var batch = free.TryDequeue(out var reused) ? reused : new Batch();
            while (reader.Read())
            {
                // Sequential access: columns are read in select order.
                batch.Rows[batch.Count++] = decrypt ? ReadEvent(reader, batch) : ReadCommitment(reader, batch);
                if (batch.Count == BatchSize)
                {
                    Write(batch);
                    batch = free.TryDequeue(out reused) ? reused : new Batch();
                }
            }
            if (batch.Count > 0)
            {
                Write(batch);
            }
        }
        catch (Exception e)
        {
            error = e;
        }
        output.TryComplete(error is OperationCanceledException ? null : error);

        void Write(Batch batch)
        {
            ct.ThrowIfCancellationRequested(); // the verification stopped at a problem
            while (!output.TryWrite(batch))
            {
                if (!output.WaitToWriteAsync(ct).AsTask().GetAwaiter().GetResult())
                {
                    throw new OperationCanceledException(ct);
                }
            }
        }

        static Row ReadEvent(System.Data.Common.DbDataReader reader, Batch batch)
        {
            var id = reader.GetString(0);
            var organization = reader.IsDBNull(1) ? null : batch.Shared(reader.GetString(1));
            var action = batch.Shared(reader.GetString(2));
            var at = DateTime.SpecifyKind(reader.GetDateTime(3), DateTimeKind.Utc);
            var sealedBytes = batch.Bytes(reader, 4);
            var commitment = batch.Bytes(reader, 5);
            return new Row(id, organization, action, at, reader.GetInt64(6), sealedBytes, commitment, batch.Bytes(reader, 7));
        }

        static Row ReadCommitment(System.Data.Common.DbDataReader reader, Batch batch)
        {
            var id = reader.GetString(0);
            var commitment = batch.Bytes(reader, 1);
            return new Row(id, null, "", default, reader.GetInt64(2), ReadOnlyMemory<byte>.Empty, commitment, batch.Bytes(reader, 3));
        }
    }

    /// <summary>
    /// The checks of one row that need no other row: its content against its commitment and columns
    /// (when decrypting) and, for a sequenced row, its position seal. Problems name the leaf or event.
    /// <paramref name="scratch"/> receives the plaintext and is cleared again.
    /// </summary>
    private static async ValueTask<Checked> CheckAsync(Cell cell, AuditLogKeyMaterial key, Row row, bool decrypt, HashSet<string> erasures,
        System.Collections.Concurrent.ConcurrentDictionary<string, bool> shreddedOrganizations, byte[] scratch, CancellationToken ct)
    {
        if (row.LeafIndex is not null && row.Commitment.Length != LeafCommitment.Size)
        {
            return new Checked(string.Create(CultureInfo.InvariantCulture, $"{Where(row)}: stored commitment is {row.Commitment.Length} bytes, not {LeafCommitment.Size} (edited)"), false);
        }
        bool shredded = false;
        if (decrypt && row.Sealed.Span.StartsWith(Privacy.Erasure.RedactedPrefix))
        {
            var erasure = System.Text.Encoding.ASCII.GetString(row.Sealed.Span[Privacy.Erasure.RedactedPrefix.Length..]);
            if (!erasures.Contains(erasure))
            {
                return new Checked($"{Where(row)}: event {row.Id} is marked erased by {erasure}, which the erasure journal does not list (edited)", false);
            }
            shredded = true; // erased: in the tree, content gone
        }
        else if (decrypt)
        {
            var owner = row.OrganizationId ?? AuditRecorder.CellOrganization(cell.Region);
            if (shreddedOrganizations.ContainsKey(owner))
            {
                shredded = true; // its keys are destroyed: every further event of it is shredded too (one exception per organization)
            }
            else
            {
                var open = await OpenAsync(cell, key, owner, row, scratch, ct);
                if (open.Shredded)
                {
                    shreddedOrganizations.TryAdd(owner, true);
                    shredded = true;
                }
                else if (open.Problem is not null)
                {
                    return new Checked($"{Where(row)}: {open.Problem}", false);
                }
            }
        }
        if (row.LeafIndex is { } position && !key.PositionSealMatches(position, row.Commitment.Span, row.Id, row.PositionSeal.Span))
        {
            return new Checked($"{Where(row)}: event {row.Id} is not the event the sequencer put at this position (reordered or inserted)", false);
        }
        return new Checked(null, shredded);
    }

    /// <summary>Decrypts one event into <paramref name="scratch"/> (or its own array when larger) and compares it with the row.</summary>
    private static async ValueTask<(string? Problem, bool Shredded)> OpenAsync(Cell cell, AuditLogKeyMaterial key, string owner, Row row, byte[] scratch, CancellationToken ct)
    {
        int length = CellKeyManager.RecordPlaintextLength(row.Sealed.Length);
        var plain = length <= scratch.Length ? scratch : new byte[length];
        try
        {
            length = await cell.Keys.OpenRecordAsync(AuditRecorder.SealContext(cell.Region, owner, row.Id), row.Sealed, plain, ct);
        }
        catch (CryptoIntegrityException e) when (e.Reason == CryptoFailureReason.KeyDestroyed)
        {
            return (null, true);
        }
        catch (CryptoIntegrityException)
        {
            return ($"event {row.Id} cannot be decrypted: its content or row was altered (edited or inserted)", false);
        }
        try
        {
            return (Compare(plain.AsSpan(0, length), key, row), false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain.AsSpan(0, length));
        }
    }

    /// <summary>The decrypted event against the row: its header against the plain columns, its recomputed commitment against the stored one.</summary>
    private static string? Compare(ReadOnlySpan<byte> plain, AuditLogKeyMaterial key, Row row)
    {
        if (plain.Length < LeafCommitment.SaltSize)
        {
            return $"event {row.Id} cannot be decrypted: its content or row was altered (edited or inserted)";
        }
        var canonical = plain[LeafCommitment.SaltSize..];
        if (!HeaderMatches(canonical, row))
        {
            return $"event {row.Id}: its stored columns do not match its sealed content (edited)";
        }
        Span<byte> eventHash = stackalloc byte[32];
        SHA256.HashData(canonical, eventHash);
        Span<byte> commitment = stackalloc byte[LeafCommitment.Size];
        LeafCommitment.FromEventHash(plain[..LeafCommitment.SaltSize], eventHash, commitment);
        if (CryptographicOperations.FixedTimeEquals(commitment, row.Commitment.Span))
        {
            return null;
        }
        return row.LeafIndex is { } index && key.PositionSealMatches(index, commitment, row.Id, row.PositionSeal.Span)
            ? "stored commitment was changed, the event still matches the original (edited)"
            : "stored event does not match its commitment (edited)";
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
        _ => failure.Detail,
    };

    /// <summary>
    /// True when the sealed JSON's id, organization, action and time (<see cref="AuditEventJson"/>) are the row's columns.
    /// Reading stops at the time, the last of them: the details that follow are covered by the commitment.
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
