using System.Buffers;

namespace Sigill.Pdf.Syntax.Filters;

/// <summary>
/// LZWDecode (ISO 32000-1 §7.4.4): codes of 9 to 12 bits, most significant bit first; 256 clears the
/// table, 257 ends the data, and each code after the first adds one entry (previous string plus the
/// first byte of the current one). With <c>/EarlyChange 1</c> (the default) the code width grows one
/// code early. A table entry can stand for up to 3,839 bytes, so LZW expands about 2,500:1: only the
/// meter that reads this stream bounds it.
/// <para>
/// Every entry's bytes sit contiguously in one pooled arena (an entry is its prefix's bytes plus one),
/// so emitting a code is a copy, never a walk along the prefix chain: a bomb decodes at memory speed
/// and the budget, not the decoder, decides how long it takes. The arena holds at most the 3,838 entries
/// of one table (under 16 MB) and is cleared when returned.
/// </para>
/// </summary>
internal sealed class LzwDecodeStream(Stream input, bool earlyChange) : DecoderStream(input)
{
    private const int TableSize = 4096;
    private int[] _start = [];
    private int[] _length = [];
    private byte[]? _arena;
    private int _arenaLength;
    private int _emit;
    private int _emitEnd;
    private int _next = 258;
    private int _width = 9;
    private int _previous = -1;
    private uint _bits;
    private int _bitCount;
    private bool _done;

    protected override int Fill(Span<byte> output)
    {
        if (_arena is null)
        {
            _arena = ArrayPool<byte>.Shared.Rent(4096);
            _start = ArrayPool<int>.Shared.Rent(TableSize);
            _length = ArrayPool<int>.Shared.Rent(TableSize);
            for (var i = 0; i < 256; i++)
            {
                _arena[i] = (byte)i;
                _start[i] = i;
                _length[i] = 1;
            }
            _arenaLength = 256;
        }
        var n = 0;
        while (n < output.Length)
        {
            if (_emit < _emitEnd)
            {
                var take = Math.Min(_emitEnd - _emit, output.Length - n);
                _arena.AsSpan(_emit, take).CopyTo(output[n..]);
                _emit += take;
                n += take;
                continue;
            }
            if (_done || !NextCode()) break;
        }
        return n;
    }

    /// <summary>Reads one code and points the output at its string; false at the end.</summary>
    private bool NextCode()
    {
        while (true)
        {
            var code = ReadCode();
            if (code is < 0 or 257)
            {
                _done = true;
                return false;
            }
            if (code == 256)
            {
                _next = 258;
                _width = 9;
                _previous = -1;
                _arenaLength = 256;
                continue;
            }
            if (_previous < 0)
            {
                if (code > 255) throw new PdfFormatException("invalid LZWDecode data");
            }
            else
            {
                if (code > _next || (code == _next && _next == TableSize)) throw new PdfFormatException("invalid LZWDecode data");
                if (_next < TableSize) Add(code);
            }
            _previous = code;
            _emit = _start[code];
            _emitEnd = _emit + _length[code];
            return true;
        }
    }

    /// <summary>Adds previous string + first byte of <paramref name="code"/>'s string (or of the previous one, for the entry being defined).</summary>
    private void Add(int code)
    {
        var arena = _arena!;
        var length = _length[_previous] + 1;
        if (_arenaLength + length > arena.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(arena.Length * 2, _arenaLength + length));
            arena.AsSpan(0, _arenaLength).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(arena, clearArray: true);
            _arena = arena = larger;
        }
        var at = _arenaLength;
        arena.AsSpan(_start[_previous], length - 1).CopyTo(arena.AsSpan(at));
        arena[at + length - 1] = code < _next ? arena[_start[code]] : arena[_start[_previous]];
        _start[_next] = at;
        _length[_next] = length;
        _arenaLength += length;
        _next++;
        if (_next + (earlyChange ? 1 : 0) >= 1 << _width && _width < 12) _width++;
    }

    private int ReadCode()
    {
        while (_bitCount < _width)
        {
            var b = NextByte();
            if (b < 0) return -1;
            _bits = (_bits << 8) | (uint)b;
            _bitCount += 8;
        }
        _bitCount -= _width;
        return (int)((_bits >> _bitCount) & ((1u << _width) - 1));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _arena is not null)
        {
            ArrayPool<byte>.Shared.Return(_arena, clearArray: true);
            ArrayPool<int>.Shared.Return(_start);
            ArrayPool<int>.Shared.Return(_length);
            _arena = null;
        }
        base.Dispose(disposing);
    }
}
