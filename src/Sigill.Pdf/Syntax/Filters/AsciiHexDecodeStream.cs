namespace Sigill.Pdf.Syntax.Filters;

/// <summary>ASCIIHexDecode (ISO 32000-1 §7.4.2): hex digit pairs, white space ignored, '&gt;' ends the data.</summary>
internal sealed class AsciiHexDecodeStream(Stream input) : DecoderStream(input)
{
    private int _high = -1;
    private bool _done;

    protected override int Fill(Span<byte> output)
    {
        var n = 0;
        while (n < output.Length && !_done)
        {
            var c = NextByte();
            if (c < 0 || c == '>')
            {
                if (_high >= 0) output[n++] = (byte)(_high << 4); // an odd final digit is followed by 0
                _done = true;
                break;
            }
            if (PdfLexer.IsWhite((byte)c)) continue;
            var v = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => throw new PdfFormatException("invalid ASCIIHexDecode data"),
            };
            if (_high < 0)
            {
                _high = v;
            }
            else
            {
                output[n++] = (byte)((_high << 4) | v);
                _high = -1;
            }
        }
        return n;
    }
}
