using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Crypto;

namespace Sigill.Api.Features.Backups;

/// <summary>What a backup holds besides data: enough to tell an operator what a restore needs. Never key material.</summary>
public sealed record BackupManifest(
    int Format, string Region, string Environment, DateTimeOffset CreatedAt, string DatabaseProvider, string DatabaseEntry,
    string? LastMigration, string KeyProvider, IReadOnlyList<string> RootKeyIds, string BackupKeyId);

public sealed record BackupProgress(string Phase, long Done, long Total);

public sealed record BackupResult(string File, string Region, long ArchiveBytes, int Entries, int Blobs, long ContentBytes, TimeSpan Duration);

/// <summary>
/// Writes one cell's full backup as one archive (docs/formats/backup-archive.md): manifest, blobs, a consistent
/// database snapshot, then blobs written meanwhile. Order matters: blobs copied before the snapshot can only need
/// keys the snapshot holds (keys are added, never changed, except by shredding), and the second blob pass picks
/// up every object the snapshot's rows can reference. The keyring / HSM is never read for content.
/// </summary>
public static class CellBackup
{
    public const string Extension = ".sgbk";

    public static string FileNameFor(string region, DateTimeOffset at) =>
        $"sigill-{region}-{at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}{Extension}";

    /// <summary>Parses the time out of a backup's file name (<see cref="FileNameFor"/>).</summary>
    public static bool TryParseFileName(string fileName, out string region, out DateTimeOffset at)
    {
        region = "";
        at = default;
        if (!fileName.StartsWith("sigill-", StringComparison.Ordinal) || !fileName.EndsWith(Extension, StringComparison.Ordinal))
        {
            return false;
        }
        var core = fileName["sigill-".Length..^Extension.Length];
        var dash = core.LastIndexOf('-');
        if (dash <= 0 || !DateTime.TryParseExact(core[(dash + 1)..], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }
        region = core[..dash];
        at = new DateTimeOffset(parsed, TimeSpan.Zero);
        return true;
    }

    public static async Task<BackupResult> CreateAsync(Cell cell, string directory, TimeProvider time, IProgress<BackupProgress>? progress, CancellationToken ct,
        EntryCompression compression = EntryCompression.ZLib)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(time);
        var started = time.GetTimestamp();
        Directory.CreateDirectory(directory);
        var createdAt = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
        var environment = cell.Keys.Environment;
        var provider = cell.KeyProvider;
        var keyId = await BackupKeys.EnsureAsync(provider, environment, cell.Region, ct);
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var finalPath = Path.Combine(Path.GetFullPath(directory), FileNameFor(cell.Region, createdAt));
        RemoveAbandonedPartials(directory, cell.Region);
        // Not named *.sgbk and hidden: a crash or a full disk never leaves something that looks like a backup.
        var temp = Path.Combine(Path.GetFullPath(directory), $".{Path.GetFileName(finalPath)}.partial-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        var dbTemp = temp + ".db";
        try
        {
            var header = new ArchiveHeader(cell.Region, environment, createdAt, keyId, [], ArchiveHeader.DefaultChunkSizeExponent);
            header = header with { WrappedDataKey = await provider.WrapAsync(keyId, dataKey, header.WrapAssociatedData(), ct) };
            var headerBytes = header.ToBytes();
            int entries, blobCount = 0;
            long contentBytes;
            await using (var file = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Options = FileOptions.Asynchronous,
                BufferSize = 1 << 20,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                // Held exclusively (an exclusive flock on Unix, honoured on NFS too): RemoveAbandonedPartials tells a
                // partial that is still being written from one a killed process left by whether it can take this lock.
                Share = FileShare.None,
            }))
            {
                await file.WriteAsync(headerBytes, ct);
                await using var encrypted = new ChunkEncryptionStream(file, dataKey, ArchiveHeader.Digest(headerBytes), header.ChunkSize);
                var writer = new ArchiveEntryWriter(encrypted);

                var manifest = await ManifestAsync(cell, createdAt, keyId, ct);
                await writer.AddAsync("manifest.json", new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(manifest)), EntryCompression.None, ct);

                var copied = new HashSet<string>(StringComparer.Ordinal);
                blobCount += await CopyBlobsAsync(cell, writer, copied, "blobs", progress, ct);

                progress?.Report(new BackupProgress("database", 0, 1));
                await DatabaseSnapshot.WriteAsync(cell, dbTemp, ct);
                await using (var snapshot = new FileStream(dbTemp, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan))
                {
                    var total = snapshot.Length;
                    long done = 0;
                    await writer.AddAsync(manifest.DatabaseEntry, snapshot, compression, ct,
                        progress is null ? null : new SyncProgress<long>(n => progress.Report(new BackupProgress("database", done += n, total))));
                }
                File.Delete(dbTemp);

                blobCount += await CopyBlobsAsync(cell, writer, copied, "blobs written meanwhile", progress, ct);
                await writer.FinishAsync(ct);
                await encrypted.FinishAsync(ct);
                entries = writer.Entries;
                contentBytes = writer.ContentBytes;
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, finalPath, overwrite: false);
            return new BackupResult(finalPath, cell.Region, new FileInfo(finalPath).Length, entries, blobCount, contentBytes, time.GetElapsedTime(started));
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            throw new BackupException($"cannot write the backup of {cell.Region} to {directory}: {e.Message}", e);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e) when (e.SqliteErrorCode == 13) // SQLITE_FULL: the snapshot file hit a full disk
        {
            throw new BackupException($"cannot write the backup of {cell.Region} to {directory}: No space left on device (database snapshot)", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            TryDelete(temp);
            TryDelete(dbTemp);
        }
    }

    /// <summary>
    /// Deletes what a backup of <paramref name="region"/> killed mid-write (kill -9, power loss, OOM) left in
    /// <paramref name="directory"/>: its hidden <c>.sigill-{region}-….sgbk.partial-{hex}</c> archive and the
    /// <c>….partial-{hex}.db</c> database snapshot beside it, which the <c>finally</c> of <see cref="CreateAsync"/> never
    /// got to remove. Without this each killed backup left an unreadable file the size of a backup on the backup volume,
    /// for ever. A partial still being written by another process (a second node, or <c>sigill backup</c> beside the
    /// scheduled job) is held with an exclusive lock and is left alone: only a partial that nobody holds open is deleted.
    /// </summary>
    internal static IReadOnlyList<string> RemoveAbandonedPartials(string directory, string region)
    {
        var removed = new List<string>();
        foreach (var partial in Directory.EnumerateFiles(directory, $".sigill-{region}-*{Extension}.partial-*"))
        {
            if (partial.EndsWith(".db", StringComparison.Ordinal))
            {
                continue;
            }
            try
            {
                // Fails while the writer lives (its lock); a killed writer's lock went with its process.
                using (new FileStream(partial, FileMode.Open, FileAccess.Write, FileShare.None))
                {
                    File.Delete(partial);
                }
                removed.Add(Path.GetFileName(partial));
                TryDelete(partial + ".db");
            }
            catch (IOException)
            {
                // Being written, or already gone.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        // A snapshot whose archive is gone: its writer deleted the archive first, then died (or is deleting it now).
        foreach (var snapshot in Directory.EnumerateFiles(directory, $".sigill-{region}-*{Extension}.partial-*.db"))
        {
            if (!File.Exists(snapshot[..^".db".Length]))
            {
                TryDelete(snapshot);
                removed.Add(Path.GetFileName(snapshot));
            }
        }
        return removed;
    }

    private static async Task<int> CopyBlobsAsync(Cell cell, ArchiveEntryWriter writer, HashSet<string> copied, string phase, IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        var keys = new List<string>();
        await foreach (var key in cell.Blobs.ListAsync("", ct))
        {
            if (!copied.Contains(key))
            {
                keys.Add(key);
            }
        }
        var count = 0;
        // Open the next few objects while the current one is written: small-file latency, not bandwidth, dominates.
        const int readAhead = 32;
        var opening = new Queue<(string Key, Task<Stream?> Stream)>();
        var next = 0;
        while (next < keys.Count || opening.Count > 0)
        {
            while (opening.Count < readAhead && next < keys.Count)
            {
                var key = keys[next++];
                opening.Enqueue((key, OpenBufferedAsync(cell, key, ct)));
            }
            var (current, open) = opening.Dequeue();
            await using var stream = await open;
            if (stream is null)
            {
                continue; // deleted since the listing
            }
            await writer.AddAsync("blobs/" + current, stream, EntryCompression.None, ct);
            copied.Add(current);
            count++;
            progress?.Report(new BackupProgress(phase, count, keys.Count));
        }
        return count;
    }

    private static async Task<Stream?> OpenBufferedAsync(Cell cell, string key, CancellationToken ct)
    {
        var stream = await cell.Blobs.OpenReadAsync(key, ct);
        if (stream is null || (stream.CanSeek && stream.Length > (1 << 20)))
        {
            return stream;
        }
        await using (stream)
        {
            // Synchronous reads on a pool thread: cheaper than async file I/O for small files on Linux.
            return await Task.Run(() =>
            {
                var memory = new MemoryStream(stream.CanSeek ? (int)stream.Length : 64 * 1024);
                stream.CopyTo(memory);
                memory.Position = 0;
                return memory;
            }, ct);
        }
    }

    private static async Task<BackupManifest> ManifestAsync(Cell cell, DateTimeOffset createdAt, string backupKeyId, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        var applied = await db.Database.GetAppliedMigrationsAsync(ct);
        var status = await cell.Keys.StatusAsync(ct);
        return new BackupManifest(1, cell.Region, cell.Keys.Environment, createdAt, cell.DatabaseProvider, DatabaseSnapshot.EntryFor(cell),
            applied.LastOrDefault(), cell.KeyProvider.Name, status.RootKeyIds, backupKeyId);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread (no synchronization context hop).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
