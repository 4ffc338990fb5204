using System.Security.Cryptography;
using Sigill.Api.Platform.Cells;
using Sigill.Crypto;

namespace Sigill.Api.Features.Backups;

public sealed record RestoreResult(string Region, BackupManifest Manifest, int Blobs, long ContentBytes, TimeSpan Duration);

/// <summary>
/// Restores one archive into an empty cell. Nothing partial: everything is extracted (and every hash checked) into
/// a staging folder first; only then is it moved into place, the database last, so a cell with a database is
/// always a complete restore. The target's key provider must hold the same keys as the source's (the keyring or
/// HSM is backed up separately, by design: docs/adr/0005-backups-and-jobs.md).
/// </summary>
public static class CellRestore
{
    /// <summary>Into an embedded cell folder (<c>DATA/&lt;region&gt;</c>: sigill.db and blobs/). It may hold only <c>keys/</c>.</summary>
    public static async Task<RestoreResult> RestoreEmbeddedAsync(string archive, IKeyProvider provider, string cellDirectory, TimeProvider time, IProgress<long>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(time);
        var started = time.GetTimestamp();
        cellDirectory = Path.GetFullPath(cellDirectory);
        RefuseNonEmpty(cellDirectory);
        var parent = Path.GetDirectoryName(cellDirectory)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".restore-{Path.GetFileName(cellDirectory)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        try
        {
            var result = await BackupArchive.ExtractAsync(archive, provider, staging, progress, ct);
            if (result.Manifest.DatabaseProvider != "sqlite")
            {
                throw new BackupException("this archive holds a PostgreSQL dump: restore it with --config naming an empty PostgreSQL database");
            }
            if (Path.GetFileName(cellDirectory) != result.Header.Region)
            {
                throw new BackupException($"the archive is of region {result.Header.Region}, the target folder is '{cellDirectory}'");
            }
            RefuseNonEmpty(cellDirectory); // again: nothing may have appeared meanwhile
            Directory.CreateDirectory(cellDirectory);
            var blobs = Path.Combine(staging, "blobs");
            if (Directory.Exists(blobs))
            {
                Directory.Move(blobs, Path.Combine(cellDirectory, "blobs"));
            }
            await using (var db = new FileStream(Path.Combine(staging, DatabaseSnapshot.SqliteEntry), FileMode.Open, FileAccess.ReadWrite))
            {
                db.Flush(flushToDisk: true);
            }
            File.Move(Path.Combine(staging, DatabaseSnapshot.SqliteEntry), Path.Combine(cellDirectory, "sigill.db"));
            return new RestoreResult(result.Header.Region, result.Manifest, result.Blobs, result.ContentBytes, time.GetElapsedTime(started));
        }
        finally
        {
            TryDeleteDirectory(staging);
        }
    }

    /// <summary>Into a configured cell (PostgreSQL and/or S3) whose database and blob store are empty.</summary>
    public static async Task<RestoreResult> RestoreIntoCellAsync(string archive, Cell target, TimeProvider time, IProgress<long>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(time);
        var started = time.GetTimestamp();
        await foreach (var _ in target.Blobs.ListAsync("", ct))
        {
            throw new BackupException($"the blob store of {target.Region} at {target.Blobs.Location} is not empty; restore needs an empty installation");
        }
        var staging = Directory.CreateTempSubdirectory("sigill-restore-").FullName;
        var put = new List<string>();
        try
        {
            var result = await BackupArchive.ExtractAsync(archive, target.KeyProvider, staging, progress, ct);
            if (result.Header.Region != target.Region)
            {
                throw new BackupException($"the archive is of region {result.Header.Region}, not {target.Region}");
            }
            if (result.Manifest.DatabaseProvider != target.DatabaseProvider)
            {
                throw new BackupException($"the archive holds a {result.Manifest.DatabaseProvider} database; the target cell uses {target.DatabaseProvider}");
            }
            if (target.DatabaseProvider == "postgres")
            {
                await DatabaseSnapshot.RestorePostgresAsync(target.Options.Database.ConnectionString, Path.Combine(staging, DatabaseSnapshot.PostgresEntry), ct);
            }
            else
            {
                if (File.Exists(target.DatabaseLocation))
                {
                    throw new BackupException($"the database {target.DatabaseLocation} exists; restore needs an empty installation");
                }
                Directory.CreateDirectory(Path.GetDirectoryName(target.DatabaseLocation)!);
                File.Move(Path.Combine(staging, DatabaseSnapshot.SqliteEntry), target.DatabaseLocation);
            }
            var blobRoot = Path.Combine(staging, "blobs");
            if (Directory.Exists(blobRoot))
            {
                var files = Directory.EnumerateFiles(blobRoot, "*", SearchOption.AllDirectories).ToList();
                await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (path, token) =>
                {
                    var key = Path.GetRelativePath(blobRoot, path).Replace(Path.DirectorySeparatorChar, '/');
                    await using var content = File.OpenRead(path);
                    await target.Blobs.PutAsync(key, content, token);
                    lock (put)
                    {
                        put.Add(key);
                    }
                });
            }
            return new RestoreResult(result.Header.Region, result.Manifest, result.Blobs, result.ContentBytes, time.GetElapsedTime(started));
        }
        catch
        {
            foreach (var key in put)
            {
                await target.Blobs.DeleteAsync(key, CancellationToken.None);
            }
            throw;
        }
        finally
        {
            TryDeleteDirectory(staging);
        }
    }

    private static void RefuseNonEmpty(string cellDirectory)
    {
        if (!Directory.Exists(cellDirectory))
        {
            return;
        }
        var present = Directory.EnumerateFileSystemEntries(cellDirectory).Select(Path.GetFileName).Where(n => n != "keys").Order(StringComparer.Ordinal).ToList();
        if (present.Count > 0)
        {
            throw new BackupException($"'{cellDirectory}' is not empty (it holds {string.Join(", ", present.Take(3))}); restore needs an empty installation");
        }
    }

    internal static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
