namespace Sigill.Pdf.Syntax.Filters;

/// <summary>
/// RunLengthDecode (ISO 32000-1 §7.4.5): a length byte 0–127 copies the next n+1 bytes, 129–255 repeats
/// the next byte 257−n times, 128 ends the data.
/// </summary>
internal sealed class RunLengthDecodeStream(Stream input) : DecoderStream(input)
{
    private int _copy;
    private int _repeat;
    private byte _value;
    private bool _done;

    protected override int Fill(Span<byte> output)
    {
        var n = 0;
        while (n < output.Length)
        {
            if (_repeat > 0)
            {
                var run = Math.Min(_repeat, output.Length - n);
                output.Slice(n, run).Fill(_value);
                n += run;
                _repeat -= run;
                continue;
            }
            if (_copy > 0)
            {
                var b = NextByte();
                if (b < 0) { _done = true; _copy = 0; break; }
                output[n++] = (byte)b;
                _copy--;
                continue;
            }
            if (_done) break;
            var length = NextByte();
            if (length is < 0 or 128) { _done = true; break; }
            if (length < 128)
            {
                _copy = length + 1;
            }
            else
            {
                var v = NextByte();
                if (v < 0) { _done = true; break; }
                _value = (byte)v;
                _repeat = 257 - length;
            }
        }
        return n;
    }
}
