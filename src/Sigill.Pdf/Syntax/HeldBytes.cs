using System.Buffers;

namespace Sigill.Pdf.Syntax;

/// <summary>
/// Decoded bytes of a stream Sigill parses (an object or cross-reference stream), in a pooled buffer
/// that grows by doubling and is cleared before it goes back to the pool: decoding one object stream
/// after another reuses memory instead of leaving megabytes of garbage per stream, and no document's
/// data outlives its use in a pooled array.
/// </summary>
internal sealed class HeldBytes : IDisposable
{
    private byte[]? _array;

    public HeldBytes(int capacity) => _array = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 256));

    public int Length { get; private set; }

    /// <summary>The buffer itself; bytes from <see cref="Length"/> on are not part of the data.</summary>
    public byte[] Array => _array ?? throw new ObjectDisposedException(nameof(HeldBytes));

    public ReadOnlySpan<byte> Span => Array.AsSpan(0, Length);

    /// <summary>A buffer of <paramref name="length"/> zero bytes, to be written in place.</summary>
    public static HeldBytes Zeroed(int length)
    {
        var held = new HeldBytes(length) { Length = length };
        held.Array.AsSpan(0, length).Clear();
        return held;
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        if (Length + data.Length > Array.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(Length + data.Length, Array.Length * 2));
            Array.AsSpan(0, Length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(Array, clearArray: true);
            _array = larger;
        }
        data.CopyTo(Array.AsSpan(Length));
        Length += data.Length;
    }

    public void Dispose()
    {
        if (_array is null) return;
        ArrayPool<byte>.Shared.Return(_array, clearArray: true);
        _array = null;
    }
}
