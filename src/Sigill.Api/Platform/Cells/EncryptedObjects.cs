using Sigill.Api.Platform.Blobs;
using Sigill.Crypto;

namespace Sigill.Api.Platform.Cells;

/// <summary>
/// Customer content in a cell's blob store, always encrypted first (docs/formats/encrypted-object.md).
/// The blob key is derived from the object's context — <c>{organization}/{purpose}/{object id}/v{version}</c> —
/// and the same context is bound into the ciphertext, so a blob copied under another organization's or
/// object's key fails to decrypt with a <see cref="CryptoIntegrityException"/> instead of yielding data.
/// Ciphertext is spooled through a temporary file, so memory stays constant for any object size.
/// </summary>
public sealed class EncryptedObjects(IBlobStore blobs, CellKeyManager keys)
{
    public static string BlobKeyOf(ObjectContext context) =>
        $"{context.OrganizationId}/{context.Purpose}/{context.ObjectId}/v{context.ObjectVersion}";

    public async Task PutAsync(ObjectContext context, Stream plaintext, CancellationToken cancellationToken)
    {
        var key = BlobKeyOf(context);
        BlobKey.Validate(key);
        await using var spool = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await keys.EncryptAsync(context, plaintext, spool, cancellationToken);
        spool.Position = 0;
        await blobs.PutAsync(key, spool, cancellationToken);
    }

    /// <summary>Decrypts the whole object into <paramref name="destination"/>; false when it does not exist.</summary>
    public async Task<bool> CopyToAsync(ObjectContext context, Stream destination, CancellationToken cancellationToken)
    {
        await using var source = await blobs.OpenReadAsync(BlobKeyOf(context), cancellationToken);
        if (source is null)
        {
            return false;
        }
        await keys.DecryptAsync(context, source, destination, cancellationToken);
        return true;
    }

    /// <summary>
    /// The object's plaintext as a stream that decrypts while it is read (64 KiB chunks, each authenticated before it is
    /// handed on; a cut or changed object fails the read), so a large object is never held whole in memory nor written
    /// out in clear; null when it does not exist. Disposing the stream early stops the decryption.
    /// </summary>
    public async Task<Stream?> OpenReadAsync(ObjectContext context, CancellationToken cancellationToken)
    {
        var source = await blobs.OpenReadAsync(BlobKeyOf(context), cancellationToken);
        if (source is null)
        {
            return null;
        }
        var pipe = new System.IO.Pipelines.Pipe(new System.IO.Pipelines.PipeOptions(pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024));
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var decrypting = Task.Run(async () =>
        {
            await using (source)
            {
                try
                {
                    await using var sink = pipe.Writer.AsStream(leaveOpen: true);
                    await keys.DecryptAsync(context, source, sink, stop.Token);
                    await pipe.Writer.CompleteAsync();
                }
                catch (Exception e)
                {
                    await pipe.Writer.CompleteAsync(e); // the reader sees the failure (a broken object, a lost connection)
                }
            }
        }, CancellationToken.None);
        return new DecryptingStream(pipe.Reader.AsStream(), stop, decrypting);
    }

    private sealed class DecryptingStream(Stream inner, CancellationTokenSource stop, Task decrypting) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private bool _disposed;

        public override async ValueTask DisposeAsync()
        {
            if (_disposed) return;
            _disposed = true;
            await stop.CancelAsync();
            await inner.DisposeAsync(); // completes the reader: a writer still running stops at its next write
            await decrypting;
            stop.Dispose();
            GC.SuppressFinalize(this);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                stop.Cancel();
                inner.Dispose();
                decrypting.GetAwaiter().GetResult();
                stop.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    public Task<bool> DeleteAsync(ObjectContext context, CancellationToken cancellationToken) =>
        blobs.DeleteAsync(BlobKeyOf(context), cancellationToken);

    /// <summary>Reads an object's context back from its blob key (the inverse of <see cref="BlobKeyOf"/>).</summary>
    public static bool TryParseBlobKey(string region, string key, out ObjectContext context)
    {
        context = default;
        var parts = key.Split('/');
        if (parts.Length != 4 || !parts[3].StartsWith('v') || !int.TryParse(parts[3].AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version))
        {
            return false;
        }
        context = new ObjectContext(region, parts[0], parts[2], version, parts[1]);
        return true;
    }

    /// <summary>
    /// Moves one object to the organization's current key version (a fresh data key). Idempotent, so a
    /// re-encryption pass can stop anywhere and resume: objects already current are skipped.
    /// </summary>
    public async Task<bool> ReencryptIfStaleAsync(ObjectContext context, int currentVersion, CancellationToken cancellationToken)
    {
        await using var source = await blobs.OpenReadAsync(BlobKeyOf(context), cancellationToken);
        if (source is null)
        {
            return false;
        }
        await using var copy = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await source.CopyToAsync(copy, cancellationToken);
        copy.Position = 0;
        if (await CellKeyManager.ReadObjectKeyVersionAsync(copy, cancellationToken) >= currentVersion)
        {
            return false;
        }
        copy.Position = 0;
        await using var spool = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await keys.ReencryptAsync(context, copy, spool, cancellationToken);
        spool.Position = 0;
        await blobs.PutAsync(BlobKeyOf(context), spool, cancellationToken);
        return true;
    }
}
