using System.Security.Cryptography;
using System.Text.Json;
using Sigill.Api.Platform.Blobs;
using Sigill.Crypto;

namespace Sigill.Api.Features.Backups;

public sealed record VerifyResult(ArchiveHeader Header, BackupManifest Manifest, int Entries, int Blobs, long ContentBytes);

/// <summary>Opens archives written by <see cref="CellBackup"/>: verify every entry, or extract them into a folder.</summary>
public static class BackupArchive
{
    public static async Task<ArchiveHeader> ReadHeaderAsync(string file, CancellationToken ct)
    {
        await using var stream = OpenFile(file);
        return (await ArchiveHeader.ReadAsync(stream, ct)).Header;
    }

    /// <summary>Decrypts the whole archive and checks every entry's SHA-256; throws <see cref="BackupException"/> on any problem.</summary>
    public static Task<VerifyResult> VerifyAsync(string file, IKeyProvider provider, IProgress<long>? progress, CancellationToken ct) =>
        ReadAsync(file, provider, null, progress, ct);

    /// <summary>
    /// Extracts into <paramref name="folder"/>: the database to <c>database/…</c>, blobs under <c>blobs/…</c> (the
    /// file blob store's layout), <c>manifest.json</c>. Nothing is written outside the folder; entry paths are checked.
    /// </summary>
    public static Task<VerifyResult> ExtractAsync(string file, IKeyProvider provider, string folder, IProgress<long>? progress, CancellationToken ct) =>
        ReadAsync(file, provider, Path.GetFullPath(folder), progress, ct);

    private static async Task<VerifyResult> ReadAsync(string file, IKeyProvider provider, string? folder, IProgress<long>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(provider);
        await using var stream = OpenFile(file);
        var (header, headerBytes) = await ArchiveHeader.ReadAsync(stream, ct);
        byte[] dataKey;
        try
        {
            dataKey = await provider.UnwrapAsync(header.BackupKeyId, header.WrappedDataKey, header.WrapAssociatedData(), ct);
        }
        catch (CryptoIntegrityException e)
        {
            throw new BackupException(e.Reason == CryptoFailureReason.KeyDestroyed
                ? $"the key provider does not hold the backup key {header.BackupKeyId} (a different keyring or HSM, or the key was destroyed)"
                : $"the backup key {header.BackupKeyId} cannot open this archive (wrong key, or the header was modified)", e);
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or CryptographicException)
        {
            throw new BackupException($"the key provider cannot open the backup key {header.BackupKeyId}: {e.Message}", e);
        }
        BackupManifest? manifest = null;
        var blobs = 0;
        try
        {
            await using var plain = new ChunkDecryptionStream(stream, dataKey, ArchiveHeader.Digest(headerBytes), header.ChunkSize);
            var (entries, bytes) = await ArchiveEntryReader.ReadAllAsync(plain,
                async (path, token) =>
                {
                    if (path == "manifest.json")
                    {
                        return new MemoryStream();
                    }
                    if (manifest is null)
                    {
                        throw new BackupException("the archive is corrupt (it does not start with its manifest)");
                    }
                    if (path.StartsWith("blobs/", StringComparison.Ordinal))
                    {
                        blobs++;
                        if (!BlobKey.IsValid(path["blobs/".Length..]))
                        {
                            throw new BackupException("the archive is corrupt (an invalid blob key)");
                        }
                    }
                    else if (path != manifest.DatabaseEntry)
                    {
                        throw new BackupException("the archive is corrupt (an unexpected entry)");
                    }
                    return folder is null ? null : await CreateFileAsync(folder, path, token);
                },
                (path, sink, _) =>
                {
                    if (path == "manifest.json")
                    {
                        manifest = ParseManifest(((MemoryStream)sink!).ToArray(), header);
                    }
                    return Task.CompletedTask;
                }, progress, ct);
            if (manifest is null)
            {
                throw new BackupException("the archive is corrupt (no manifest)");
            }
            return new VerifyResult(header, manifest, entries, blobs, bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    private static BackupManifest ParseManifest(byte[] json, ArchiveHeader header)
    {
        BackupManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<BackupManifest>(json);
        }
        catch (JsonException e)
        {
            throw new BackupException("the archive is corrupt (unreadable manifest)", e);
        }
        if (manifest is null || manifest.Format != 1 || manifest.Region != header.Region
            || manifest.DatabaseEntry is not (DatabaseSnapshot.SqliteEntry or DatabaseSnapshot.PostgresEntry))
        {
            throw new BackupException("the archive is corrupt (its manifest does not match its header)");
        }
        return manifest;
    }

    private static async Task<Stream> CreateFileAsync(string folder, string path, CancellationToken ct)
    {
        var target = Path.GetFullPath(Path.Combine(folder, path));
        if (!target.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new BackupException("the archive is corrupt (an entry path leaves the target folder)");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await Task.CompletedTask;
        return new FileStream(target, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            BufferSize = 1 << 16,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
    }

    private static FileStream OpenFile(string file)
    {
        try
        {
            return new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BackupException($"cannot read '{file}': {e.Message}", e);
        }
    }
}
