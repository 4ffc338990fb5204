namespace Sigill.Pdf.Syntax.Filters;

/// <summary>
/// LZWDecode (ISO 32000-1 §7.4.4): codes of 9 to 12 bits, most significant bit first; 256 clears the
/// table, 257 ends the data, and each code after the first adds one entry (previous string plus the
/// first byte of the current one). With <c>/EarlyChange 1</c> (the default) the code width grows one
/// code early. A table entry can stand for up to 3,839 bytes, so LZW expands about 2,500:1: only the
/// meter that reads this stream bounds it.
/// </summary>
internal sealed class LzwDecodeStream(Stream input, bool earlyChange) : DecoderStream(input)
{
    private const int TableSize = 4096;
    private readonly int[] _prefix = new int[TableSize];
    private readonly byte[] _suffix = new byte[TableSize];
    private readonly int[] _length = new int[TableSize];
    private readonly byte[] _first = new byte[TableSize];
    private readonly byte[] _string = new byte[TableSize];
    private int _stringPos;
    private int _stringLen;
    private int _next = 258;
    private int _width = 9;
    private int _previous = -1;
    private uint _bits;
    private int _bitCount;
    private bool _initialised;
    private bool _done;

    protected override int Fill(Span<byte> output)
    {
        if (!_initialised)
        {
            for (var i = 0; i < 256; i++)
            {
                _prefix[i] = -1;
                _suffix[i] = (byte)i;
                _first[i] = (byte)i;
                _length[i] = 1;
            }
            _initialised = true;
        }
        var n = 0;
        while (n < output.Length)
        {
            if (_stringPos < _stringLen)
            {
                var take = Math.Min(_stringLen - _stringPos, output.Length - n);
                _string.AsSpan(_stringPos, take).CopyTo(output[n..]);
                _stringPos += take;
                n += take;
                continue;
            }
            if (_done || !NextCode()) break;
        }
        return n;
    }

    /// <summary>Reads one code and puts its string in the output buffer; false at the end.</summary>
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
                continue;
            }
            if (_previous < 0)
            {
                if (code > 255) throw new PdfFormatException("invalid LZWDecode data");
            }
            else
            {
                if (code > _next || (code == _next && _next == TableSize)) throw new PdfFormatException("invalid LZWDecode data");
                if (_next < TableSize)
                {
                    _prefix[_next] = _previous;
                    _suffix[_next] = code < _next ? _first[code] : _first[_previous];
                    _length[_next] = _length[_previous] + 1;
                    _first[_next] = _first[_previous];
                    _next++;
                    if (_next + (earlyChange ? 1 : 0) >= 1 << _width && _width < 12) _width++;
                }
            }
            _previous = code;
            var length = _length[code];
            for (int i = length - 1, c = code; i >= 0; i--, c = _prefix[c]) _string[i] = _suffix[c];
            _stringPos = 0;
            _stringLen = length;
            return true;
        }
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
}
