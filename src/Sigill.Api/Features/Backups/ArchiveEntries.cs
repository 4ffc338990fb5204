using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Sigill.Api.Features.Backups;

public enum EntryCompression : byte
{
    None = 0,
    Brotli = 1,
    ZLib = 2,
}

/// <summary>
/// The entry stream inside the encryption (docs/formats/backup-archive.md):
/// <code>
/// entry = type[1]=1 || compression[1] || path length[2] || path (UTF-8) || frame* || end frame || SHA-256(content)[32]
/// frame = stored length[4] || (compressed: original length[4]) || stored bytes   — end frame: stored length 0
/// end   = type[1]=0 || entry count[4] || total content bytes[8]
/// </code>
/// Compression is per frame (4 MiB of content each), so frames compress and decompress in parallel; already
/// encrypted blobs are stored uncompressed (they would not shrink).
/// </summary>
internal sealed class ArchiveEntryWriter(Stream output)
{
    public const int FrameSize = 4 << 20;
    private const int UncompressedFrame = 1 << 20;
    private static readonly int Parallelism = Math.Max(1, System.Environment.ProcessorCount);

    public int Entries { get; private set; }
    public long ContentBytes { get; private set; }

    public async Task AddAsync(string path, Stream content, EntryCompression compression, CancellationToken ct, IProgress<long>? progress = null)
    {
        var pathBytes = Encoding.UTF8.GetBytes(path);
        var head = new byte[4 + pathBytes.Length];
        head[0] = 1;
        head[1] = (byte)compression;
        BinaryPrimitives.WriteUInt16BigEndian(head.AsSpan(2), checked((ushort)pathBytes.Length));
        pathBytes.CopyTo(head, 4);
        await output.WriteAsync(head, ct);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var frameHead = new byte[8];
        if (compression == EntryCompression.None && content is MemoryStream memory && memory.TryGetBuffer(out var whole))
        {
            // Small objects arrive buffered (read ahead on other threads): frame them straight from memory.
            for (var at = (int)memory.Position; at < whole.Count; at += UncompressedFrame)
            {
                var slice = whole.AsMemory(at, Math.Min(UncompressedFrame, whole.Count - at));
                hash.AppendData(slice.Span);
                BinaryPrimitives.WriteUInt32BigEndian(frameHead, (uint)slice.Length);
                await output.WriteAsync(frameHead.AsMemory(0, 4), ct);
                await output.WriteAsync(slice, ct);
                ContentBytes += slice.Length;
                progress?.Report(slice.Length);
            }
        }
        else if (compression == EntryCompression.None)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(UncompressedFrame);
            try
            {
                int read;
                while ((read = await content.ReadAtLeastAsync(buffer.AsMemory(0, UncompressedFrame), UncompressedFrame, throwOnEndOfStream: false, ct)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    BinaryPrimitives.WriteUInt32BigEndian(frameHead, (uint)read);
                    await output.WriteAsync(frameHead.AsMemory(0, 4), ct);
                    await output.WriteAsync(buffer.AsMemory(0, read), ct);
                    ContentBytes += read;
                    progress?.Report(read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        else
        {
            // Read frames in order, compress up to one per core at a time, write them back in order.
            var pending = new Queue<Task<(byte[] Stored, int StoredLength, int Original)>>();
            while (true)
            {
                var frame = new byte[FrameSize];
                var read = await content.ReadAtLeastAsync(frame, frame.Length, throwOnEndOfStream: false, ct);
                if (read == 0)
                {
                    break;
                }
                hash.AppendData(frame, 0, read);
                pending.Enqueue(Task.Run(() => Compress(frame, read, compression), ct));
                if (pending.Count >= Parallelism)
                {
                    await WriteFrameAsync(await pending.Dequeue(), frameHead, progress, ct);
                }
            }
            while (pending.Count > 0)
            {
                await WriteFrameAsync(await pending.Dequeue(), frameHead, progress, ct);
            }
        }
        BinaryPrimitives.WriteUInt32BigEndian(frameHead, 0);
        await output.WriteAsync(frameHead.AsMemory(0, 4), ct);
        await output.WriteAsync(hash.GetHashAndReset(), ct);
        Entries++;
    }

    private async Task WriteFrameAsync((byte[] Stored, int StoredLength, int Original) frame, byte[] frameHead, IProgress<long>? progress, CancellationToken ct)
    {
        BinaryPrimitives.WriteUInt32BigEndian(frameHead, (uint)frame.StoredLength);
        BinaryPrimitives.WriteUInt32BigEndian(frameHead.AsSpan(4), (uint)frame.Original);
        await output.WriteAsync(frameHead, ct);
        await output.WriteAsync(frame.Stored.AsMemory(0, frame.StoredLength), ct);
        ContentBytes += frame.Original;
        progress?.Report(frame.Original);
    }

    public async Task FinishAsync(CancellationToken ct)
    {
        var end = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(end.AsSpan(1), Entries);
        BinaryPrimitives.WriteInt64BigEndian(end.AsSpan(5), ContentBytes);
        await output.WriteAsync(end, ct);
    }

    /// <summary>ZLib at its fastest level (the default), or Brotli with a 4 MiB window: measured by `sigill bench backup` (docs/adr/0005-backups-and-jobs.md).</summary>
    internal static (byte[] Stored, int StoredLength, int Original) Compress(byte[] frame, int length, EntryCompression compression)
    {
        if (compression == EntryCompression.Brotli)
        {
            var target = new byte[BrotliEncoder.GetMaxCompressedLength(length)];
            if (!BrotliEncoder.TryCompress(frame.AsSpan(0, length), target, out var written, BrotliQuality, 22))
            {
                throw new InvalidOperationException("Brotli compression failed.");
            }
            return (target, written, length);
        }
        using var memory = new MemoryStream(length / 2 + 64);
        using (var zlib = new ZLibStream(memory, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(frame, 0, length);
        }
        return (memory.GetBuffer(), (int)memory.Length, length);
    }

    internal static int BrotliQuality { get; set; } = 4;
}

/// <summary>Reads entries back, decompressing frames in parallel and checking every entry's SHA-256.</summary>
internal static class ArchiveEntryReader
{
    /// <summary>
    /// Reads every entry; <paramref name="openSink"/> gets the path and returns where to write the content (null: hash
    /// only). <paramref name="entryDone"/> runs after an entry's hash matched. Returns (entries, content bytes).
    /// </summary>
    public static async Task<(int Entries, long Bytes)> ReadAllAsync(
        Stream input, Func<string, CancellationToken, Task<Stream?>> openSink, Func<string, Stream?, CancellationToken, Task>? entryDone, IProgress<long>? progress, CancellationToken ct)
    {
        var entries = 0;
        long bytes = 0;
        var small = new byte[8];
        var hashBytes = new byte[32];
        while (true)
        {
            await ArchiveHeader.ReadExactAsync(input, small.AsMemory(0, 1), ct, "the entry stream");
            if (small[0] == 0)
            {
                var end = new byte[12];
                await ArchiveHeader.ReadExactAsync(input, end, ct, "the end record");
                if (BinaryPrimitives.ReadInt32BigEndian(end) != entries || BinaryPrimitives.ReadInt64BigEndian(end.AsSpan(4)) != bytes)
                {
                    throw new BackupException("the archive is corrupt (its end record does not match the entries read)");
                }
                if (await input.ReadAsync(small.AsMemory(0, 1), ct) != 0)
                {
                    throw new BackupException("the archive is corrupt (data after the end record)");
                }
                return (entries, bytes);
            }
            if (small[0] != 1)
            {
                throw new BackupException("the archive is corrupt (unknown entry type)");
            }
            await ArchiveHeader.ReadExactAsync(input, small.AsMemory(0, 3), ct, "an entry header");
            var compression = (EntryCompression)small[0];
            if (compression is not (EntryCompression.None or EntryCompression.Brotli or EntryCompression.ZLib))
            {
                throw new BackupException("the archive is corrupt (unknown compression)");
            }
            var pathBytes = new byte[BinaryPrimitives.ReadUInt16BigEndian(small.AsSpan(1))];
            await ArchiveHeader.ReadExactAsync(input, pathBytes, ct, "an entry path");
            var path = Encoding.UTF8.GetString(pathBytes);
            var sink = await openSink(path, ct);
            try
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                bytes += await ReadFramesAsync(input, compression, hash, sink, progress, ct);
                await ArchiveHeader.ReadExactAsync(input, hashBytes, ct, "an entry hash");
                if (!CryptographicOperations.FixedTimeEquals(hash.GetHashAndReset(), hashBytes))
                {
                    throw new BackupException($"the archive is corrupt (entry '{path}' does not match its SHA-256)");
                }
                entries++;
                if (entryDone is not null)
                {
                    await entryDone(path, sink, ct);
                }
            }
            finally
            {
                if (sink is not null)
                {
                    await sink.DisposeAsync();
                }
            }
        }
    }

    private static async Task<long> ReadFramesAsync(Stream input, EntryCompression compression, IncrementalHash hash, Stream? sink, IProgress<long>? progress, CancellationToken ct)
    {
        long total = 0;
        var head = new byte[8];
        var pending = new Queue<Task<(byte[] Data, int Length)>>();
        var parallelism = Math.Max(1, System.Environment.ProcessorCount);
        async Task DrainOneAsync()
        {
            var (data, length) = await pending.Dequeue();
            hash.AppendData(data, 0, length);
            if (sink is not null)
            {
                await sink.WriteAsync(data.AsMemory(0, length), ct);
            }
            total += length;
            progress?.Report(length);
        }
        while (true)
        {
            var headLength = compression == EntryCompression.None ? 4 : 8;
            await ArchiveHeader.ReadExactAsync(input, head.AsMemory(0, 4), ct, "a frame");
            var stored = BinaryPrimitives.ReadInt32BigEndian(head);
            if (stored == 0)
            {
                break;
            }
            if (headLength == 8)
            {
                await ArchiveHeader.ReadExactAsync(input, head.AsMemory(4, 4), ct, "a frame");
            }
            var original = headLength == 8 ? BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(4)) : stored;
            if (stored < 0 || original < 0 || stored > 2 * ArchiveEntryWriter.FrameSize || original > ArchiveEntryWriter.FrameSize)
            {
                throw new BackupException("the archive is corrupt (impossible frame length)");
            }
            var data = new byte[stored];
            await ArchiveHeader.ReadExactAsync(input, data, ct, "a frame");
            pending.Enqueue(compression == EntryCompression.None
                ? Task.FromResult((data, stored))
                : Task.Run(() => Decompress(data, original, compression), ct));
            if (pending.Count >= parallelism)
            {
                await DrainOneAsync();
            }
        }
        while (pending.Count > 0)
        {
            await DrainOneAsync();
        }
        return total;
    }

    private static (byte[] Data, int Length) Decompress(byte[] stored, int original, EntryCompression compression)
    {
        var target = new byte[original];
        if (compression == EntryCompression.Brotli)
        {
            if (!BrotliDecoder.TryDecompress(stored, target, out var written) || written != original)
            {
                throw new BackupException("the archive is corrupt (a compressed frame does not decompress)");
            }
            return (target, original);
        }
        try
        {
            using var zlib = new ZLibStream(new MemoryStream(stored), CompressionMode.Decompress);
            zlib.ReadExactly(target);
            return (target, original);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new BackupException("the archive is corrupt (a compressed frame does not decompress)", e);
        }
    }
}
