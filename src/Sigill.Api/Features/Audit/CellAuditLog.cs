using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Sigill.Api.Platform.Cells;
using Sigill.Transparency;

namespace Sigill.Api.Features.Audit;

/// <summary>The latest checkpoint this node serves, with its tree size.</summary>
public sealed record SignedCheckpoint(long Size, string Note);

/// <summary>
/// One region's log as this API node sees it: the in-memory Merkle tree of every sequenced
/// commitment (for tiles and proofs), the latest checkpoint and the region key.
/// <para>
/// Sequencing is safe with any number of nodes on one database: each pass runs in one transaction
/// that first takes the cell's sequencing lock (a transaction-scoped PostgreSQL advisory lock; on
/// SQLite the write lock <c>BEGIN IMMEDIATE</c> takes), catches up with leaves other nodes sequenced,
/// gives the waiting events the next contiguous indexes, stores their position seals and a signed
/// checkpoint, and commits. The tree grows only after the commit.
/// </para>
/// </summary>
public sealed class CellAuditLog : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SignedCheckpoint? _latest;

    internal CellAuditLog(Cell cell)
    {
        Cell = cell;
    }

    public Cell Cell { get; }
    public MerkleTree Tree { get; } = new();
    public SignedCheckpoint? Latest => Volatile.Read(ref _latest);

    /// <summary>When this node last saw the sequencer finish a pass (a checkpoint signed or nothing to do); for the checkpoint-age metric.</summary>
    public DateTimeOffset? LastSequencedAt { get; internal set; }
    public AuditLogKeyMaterial? Key { get; private set; }

    internal async Task InitializeAsync(AuditOptions options, TimeProvider time, CancellationToken ct)
    {
        Key ??= await AuditLogKeyMaterial.LoadOrCreateAsync(Cell, options.OriginFor(Cell.Region), time, ct);
    }

    /// <summary>One sequencing pass; returns how many events it sequenced.</summary>
    internal async Task<int> SequenceOnceAsync(int batchSize, TimeProvider time, CancellationToken ct)
    {
        var key = Key ?? throw new InvalidOperationException("The audit log is not initialized.");
        await _gate.WaitAsync(ct);
        try
        {
            await using var db = Cell.CreateDbContext();
            var events = db.Set<AuditEvent>();
            // Committed, sequenced rows never change: catch up outside the lock (this is also the rebuild at start).
            await CatchUpAsync(db, ct);
            long size = Tree.Size;
            if (Latest is not null && !await events.AnyAsync(e => e.LeafIndex == null || e.LeafIndex >= size, ct))
            {
                return 0;
            }

            await using var tx = await db.Database.BeginTransactionAsync(ct);
            if (Cell.DatabaseProvider == "postgres")
            {
                // Any fixed 64-bit number, the same on every node: ASCII "sigillAL".
                await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(8316291889404592460)", ct);
            }
            else
            {
                // A batch touches a few thousand pages of the table and its indexes: keep them in memory
                // (64 MiB, this connection only) rather than spilling dirty pages to the WAL mid-transaction.
                await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -65536", ct);
            }
            var frontier = new CompactRange(Tree);
            var caughtUp = new List<byte[]>();
            await foreach (var row in events.AsNoTracking().Where(e => e.LeafIndex >= size).OrderBy(e => e.LeafIndex)
                .Select(e => new { e.LeafIndex, e.Commitment }).AsAsyncEnumerable().WithCancellation(ct))
            {
                ExpectIndex(row.LeafIndex, frontier.Size);
                frontier.AppendLeafData(row.Commitment);
                caughtUp.Add(row.Commitment);
            }

            var pending = await events.AsNoTracking().Where(e => e.LeafIndex == null)
                .OrderBy(e => e.OccurredAt).ThenBy(e => e.Id)
                .Select(e => new { e.Id, e.Commitment }).Take(batchSize).ToListAsync(ct);
            long first = frontier.Size;
            var ids = new string[pending.Count];
            var indexes = new long[pending.Count];
            var seals = new byte[pending.Count][];
            for (int i = 0; i < pending.Count; i++)
            {
                ids[i] = pending[i].Id;
                indexes[i] = first + i;
                seals[i] = key.PositionSeal(first + i, pending[i].Commitment, pending[i].Id);
                frontier.AppendLeafData(pending[i].Commitment);
            }
            await WriteAssignmentsAsync(db, tx, ids, indexes, seals, ct);

            var stored = await db.Set<AuditCheckpoint>().AsNoTracking().OrderByDescending(c => c.TreeSize)
                .Select(c => new SignedCheckpoint(c.TreeSize, c.Note)).FirstOrDefaultAsync(ct);
            var latest = stored;
            if (pending.Count > 0 || stored is null)
            {
                var note = new Checkpoint(key.Origin, frontier.Size, frontier.RootHash()).Sign(key.Signer);
                db.Add(new AuditCheckpoint { TreeSize = frontier.Size, Note = note, CreatedAt = time.GetUtcNow().UtcDateTime });
                await db.SaveChangesAsync(ct);
                latest = new SignedCheckpoint(frontier.Size, note);
            }
            await tx.CommitAsync(ct);

            foreach (var commitment in caughtUp)
            {
                Tree.AppendLeafData(commitment);
            }
            foreach (var row in pending)
            {
                Tree.AppendLeafData(row.Commitment);
            }
            if (latest is not null && latest.Size <= Tree.Size)
            {
                Volatile.Write(ref _latest, latest);
            }
            LastSequencedAt = time.GetUtcNow();
            return pending.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Sequences now, instead of waiting for the sequencer's next pass, until a checkpoint this node
    /// serves includes every one of <paramref name="eventIds"/> (committed events of this cell), or
    /// <paramref name="timeout"/> passes. For evidence built right after a change, such as a
    /// certificate of completion. Returns false on timeout (or when an id is unknown).
    /// </summary>
    public async Task<bool> SequenceUntilCheckpointedAsync(IReadOnlyCollection<string> eventIds, AuditOptions options, TimeProvider time, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(eventIds);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            List<long?> indexes;
            await using (var db = Cell.CreateDbContext())
            {
                indexes = await db.Set<AuditEvent>().AsNoTracking().Where(e => eventIds.Contains(e.Id)).Select(e => e.LeafIndex).ToListAsync(ct);
            }
            if (indexes.Count == eventIds.Count && indexes.All(i => i is not null) && Latest is { } latest && (indexes.Count == 0 || indexes.Max() < latest.Size))
            {
                return true;
            }
            if (time.GetUtcNow() >= deadline)
            {
                return false;
            }
            await InitializeAsync(options, time, ct);
            if (await SequenceOnceAsync(options.BatchSize, time, ct) == 0)
            {
                // Nothing waiting here: another node is sequencing them, or an id is not (yet) committed.
                await Task.Delay(TimeSpan.FromMilliseconds(20), time, ct);
            }
        }
    }

    private async Task CatchUpAsync(Sigill.Api.Platform.Persistence.CellDbContext db, CancellationToken ct)
    {
        long size = Tree.Size;
        await foreach (var row in db.Set<AuditEvent>().AsNoTracking().Where(e => e.LeafIndex >= size).OrderBy(e => e.LeafIndex)
            .Select(e => new { e.LeafIndex, e.Commitment }).AsAsyncEnumerable().WithCancellation(ct))
        {
            ExpectIndex(row.LeafIndex, Tree.Size);
            Tree.AppendLeafData(row.Commitment);
        }
        if (Latest is null || Latest.Size < Tree.Size)
        {
            long treeSize = Tree.Size;
            var stored = await db.Set<AuditCheckpoint>().AsNoTracking().Where(c => c.TreeSize <= treeSize)
                .OrderByDescending(c => c.TreeSize).Select(c => new SignedCheckpoint(c.TreeSize, c.Note)).FirstOrDefaultAsync(ct);
            if (stored is not null && (Latest is null || stored.Size > Latest.Size))
            {
                Volatile.Write(ref _latest, stored);
            }
        }
    }

    private void ExpectIndex(long? found, long expected)
    {
        if (found != expected)
        {
            throw new InvalidDataException($"The {Cell.Region} audit log has leaf {found} where leaf {expected} was expected; run `sigill audit verify`.");
        }
    }

    // Provider-specific on purpose: one round trip per batch on PostgreSQL, one prepared statement on SQLite.
    private static async Task WriteAssignmentsAsync(
        Sigill.Api.Platform.Persistence.CellDbContext db, IDbContextTransaction tx, string[] ids, long[] indexes, byte[][] seals, CancellationToken ct)
    {
        if (ids.Length == 0)
        {
            return;
        }
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.Transaction = tx.GetDbTransaction();
        if (db.Database.ProviderName?.Contains("Npgsql", StringComparison.Ordinal) == true)
        {
            command.CommandText = """
                UPDATE audit_events AS e SET "LeafIndex" = u.i, "PositionSeal" = decode(u.s, 'hex')
                FROM unnest(@ids, @indexes, @seals) AS u(id, i, s)
                WHERE e."Id" = u.id AND e."LeafIndex" IS NULL
                """;
            Add(command, "@ids", ids);
            Add(command, "@indexes", indexes);
            Add(command, "@seals", seals.Select(Convert.ToHexStringLower).ToArray());
            int updated = await command.ExecuteNonQueryAsync(ct);
            if (updated != ids.Length)
            {
                throw new DBConcurrencyException($"Sequencing updated {updated} of {ids.Length} audit events.");
            }
            return;
        }

        command.CommandText = """UPDATE audit_events SET "LeafIndex" = $i, "PositionSeal" = $s WHERE "Id" = $id AND "LeafIndex" IS NULL""";
        var index = Add(command, "$i", 0L);
        var seal = Add(command, "$s", Array.Empty<byte>());
        var id = Add(command, "$id", "");
        await command.PrepareAsync(ct);
        for (int i = 0; i < ids.Length; i++)
        {
            index.Value = indexes[i];
            seal.Value = seals[i];
            id.Value = ids[i];
            // Microsoft.Data.Sqlite runs every command synchronously anyway: the async wrapper only adds a task per row.
            ct.ThrowIfCancellationRequested();
            if (command.ExecuteNonQuery() != 1)
            {
                throw new DBConcurrencyException($"Audit event {ids[i]} was sequenced by someone else.");
            }
        }
    }

    private static DbParameter Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    public void Dispose()
    {
        Key?.Dispose();
        _gate.Dispose();
    }
}

/// <summary>Every cell's <see cref="CellAuditLog"/> on this API node. A singleton.</summary>
public sealed class AuditLogs : IDisposable
{
    private readonly Dictionary<string, CellAuditLog> _logs;

    public AuditLogs(CellRegistry cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        _logs = cells.All.ToDictionary(c => c.Region, c => new CellAuditLog(c), StringComparer.Ordinal);
    }

    public IEnumerable<CellAuditLog> All => _logs.Values;

    public bool TryGet(string region, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CellAuditLog? log) =>
        _logs.TryGetValue(region, out log);

    public void Dispose()
    {
        foreach (var log in _logs.Values)
        {
            log.Dispose();
        }
    }
}
