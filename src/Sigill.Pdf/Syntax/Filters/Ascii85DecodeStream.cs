namespace Sigill.Pdf.Syntax.Filters;

/// <summary>
/// ASCII85Decode (ISO 32000-1 §7.4.3): groups of five characters '!'–'u' make four bytes, 'z' makes
/// four zero bytes, '~&gt;' ends the data, and a final group of n characters makes n−1 bytes.
/// </summary>
internal sealed class Ascii85DecodeStream(Stream input) : DecoderStream(input)
{
    private readonly byte[] _pending = new byte[4];
    private readonly int[] _group = new int[5];
    private int _pendingPos;
    private int _pendingLen;
    private int _count;
    private bool _started;
    private bool _done;

    protected override int Fill(Span<byte> output)
    {
        var n = 0;
        while (n < output.Length)
        {
            if (_pendingPos < _pendingLen)
            {
                output[n++] = _pending[_pendingPos++];
                continue;
            }
            if (_done) break;
            var c = NextByte();
            if (!_started && c == '<')
            {
                if (NextByte() != '~') throw new PdfFormatException("invalid ASCII85Decode data");
                _started = true;
                continue;
            }
            _started = true;
            if (c < 0 || c == '~')
            {
                Finish();
                continue;
            }
            if (PdfLexer.IsWhite((byte)c)) continue;
            if (c == 'z' && _count == 0)
            {
                Emit(0, 4);
                continue;
            }
            if (c is < '!' or > 'u') throw new PdfFormatException("invalid ASCII85Decode data");
            _group[_count++] = c - '!';
            if (_count == 5)
            {
                Emit(Value(5), 4);
                _count = 0;
            }
        }
        return n;
    }

    private void Finish()
    {
        _done = true;
        if (_count <= 1) return; // a lone final character carries no byte
        var got = _count;
        while (_count < 5) _group[_count++] = 84; // pad with 'u'
        Emit(Value(5), got - 1);
        _count = 0;
    }

    private uint Value(int count)
    {
        ulong v = 0;
        for (var i = 0; i < count; i++) v = v * 85 + (ulong)_group[i];
        if (v > uint.MaxValue) throw new PdfFormatException("invalid ASCII85Decode group");
        return (uint)v;
    }

    private void Emit(uint value, int bytes)
    {
        _pending[0] = (byte)(value >> 24);
        _pending[1] = (byte)(value >> 16);
        _pending[2] = (byte)(value >> 8);
        _pending[3] = (byte)value;
        _pendingPos = 0;
        _pendingLen = bytes;
    }
}
