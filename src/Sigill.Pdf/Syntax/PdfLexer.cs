using System.Text;

namespace Sigill.Pdf.Syntax;

/// <summary>
/// Reads PDF tokens and objects from a byte array (ISO 32000-1 §7.2–7.3). Bounded: nesting is
/// limited so hostile input cannot exhaust the stack.
/// </summary>
internal sealed class PdfLexer(byte[] data, int position = 0, int end = -1)
{
    private const int MaxDepth = 64;
    private readonly int _end = end < 0 ? data.Length : end;

    public int Position { get; set; } = position;

    public byte[] Data => data;

    /// <summary>Offset of the first byte of the last string token read (used to locate /Contents).</summary>
    public int LastStringStart { get; private set; } = -1;

    public static bool IsWhite(byte c) => c is 0 or 9 or 10 or 12 or 13 or 32;

    public static bool IsDelimiter(byte c) => c is (byte)'(' or (byte)')' or (byte)'<' or (byte)'>' or (byte)'['
        or (byte)']' or (byte)'{' or (byte)'}' or (byte)'/' or (byte)'%';

    public void SkipWhite()
    {
        while (Position < _end)
        {
            var c = data[Position];
            if (IsWhite(c)) { Position++; continue; }
            if (c == '%')
            {
                while (Position < _end && data[Position] != '\n' && data[Position] != '\r') Position++;
                continue;
            }
            break;
        }
    }

    /// <summary>Reads a bare keyword or number token (regular characters) without interpreting it.</summary>
    public string ReadRegular()
    {
        SkipWhite();
        var start = Position;
        while (Position < _end && !IsWhite(data[Position]) && !IsDelimiter(data[Position])) Position++;
        return Encoding.Latin1.GetString(data, start, Position - start);
    }

    public bool TryReadKeyword(string keyword)
    {
        var save = Position;
        if (ReadRegular() == keyword) return true;
        Position = save;
        return false;
    }

    public void ExpectKeyword(string keyword)
    {
        var at = Position;
        var got = ReadRegular();
        if (got != keyword) throw new PdfFormatException($"expected '{keyword}' at offset {at}, found '{Truncate(got)}'");
    }

    public object ReadObject() => ReadObject(0);

    private object ReadObject(int depth)
    {
        if (depth > MaxDepth) throw new PdfFormatException("objects nested too deeply");
        SkipWhite();
        if (Position >= _end) throw new PdfFormatException("unexpected end of data");
        var c = data[Position];
        switch (c)
        {
            case (byte)'/':
                return ReadName();
            case (byte)'(':
                return ReadLiteralString();
            case (byte)'[':
                {
                    Position++;
                    var array = new PdfArray();
                    while (true)
                    {
                        SkipWhite();
                        if (Position >= _end) throw new PdfFormatException("unterminated array");
                        if (data[Position] == ']') { Position++; return array; }
                        array.Add(ReadObject(depth + 1));
                    }
                }
            case (byte)'<':
                if (Position + 1 < _end && data[Position + 1] == '<')
                {
                    Position += 2;
                    var dict = new PdfDict();
                    while (true)
                    {
                        SkipWhite();
                        if (Position + 1 >= _end) throw new PdfFormatException("unterminated dictionary");
                        if (data[Position] == '>' && data[Position + 1] == '>') { Position += 2; return dict; }
                        if (data[Position] != '/') throw new PdfFormatException($"dictionary key expected at offset {Position}");
                        var key = ReadName().Value;
                        var value = ReadObject(depth + 1);
                        dict[key] = value; // last one wins, as most readers do
                    }
                }
                return ReadHexString();
            default:
                {
                    var start = Position;
                    var token = ReadRegular();
                    if (token.Length == 0) throw new PdfFormatException($"unexpected byte 0x{c:X2} at offset {start}");
                    switch (token)
                    {
                        case "true": return PdfKeyword.True;
                        case "false": return PdfKeyword.False;
                        case "null": return PdfKeyword.Null;
                    }
                    if (!IsNumber(token)) throw new PdfFormatException($"unexpected token '{Truncate(token)}' at offset {start}");
                    if (IsUnsignedInteger(token))
                    {
                        // Possibly "N G R".
                        var save = Position;
                        var gen = ReadRegular();
                        if (IsUnsignedInteger(gen) && gen.Length <= 5)
                        {
                            var r = ReadRegular();
                            if (r == "R" && int.TryParse(token, out var num) && int.TryParse(gen, out var g))
                            {
                                return new PdfRef(num, g);
                            }
                        }
                        Position = save;
                    }
                    return new PdfNumber(token);
                }
        }
    }

    public PdfName ReadName()
    {
        Position++; // '/'
        var sb = new StringBuilder();
        while (Position < _end && !IsWhite(data[Position]) && !IsDelimiter(data[Position]))
        {
            var c = data[Position++];
            if (c == '#' && Position + 1 < _end && Uri.IsHexDigit((char)data[Position]) && Uri.IsHexDigit((char)data[Position + 1]))
            {
                c = (byte)((PdfString.HexValue(data[Position]) << 4) | PdfString.HexValue(data[Position + 1]));
                Position += 2;
            }
            sb.Append((char)c);
        }
        return new PdfName(sb.ToString());
    }

    private PdfString ReadLiteralString()
    {
        var start = Position;
        LastStringStart = start;
        Position++;
        var depth = 1;
        while (Position < _end)
        {
            var c = data[Position++];
            if (c == '\\') { Position++; continue; }
            if (c == '(') depth++;
            else if (c == ')' && --depth == 0) return new PdfString(data.AsSpan(start, Position - start).ToArray());
        }
        throw new PdfFormatException("unterminated string");
    }

    private PdfString ReadHexString()
    {
        var start = Position;
        LastStringStart = start;
        var close = Array.IndexOf(data, (byte)'>', Position, _end - Position);
        if (close < 0) throw new PdfFormatException("unterminated hex string");
        for (var i = start + 1; i < close; i++)
        {
            if (!Uri.IsHexDigit((char)data[i]) && !IsWhite(data[i])) throw new PdfFormatException($"invalid hex string at offset {start}");
        }
        Position = close + 1;
        return new PdfString(data.AsSpan(start, Position - start).ToArray());
    }

    public static bool IsUnsignedInteger(string s)
    {
        if (s.Length == 0) return false;
        foreach (var ch in s)
        {
            if (ch is < '0' or > '9') return false;
        }
        return true;
    }

    private static bool IsNumber(string s)
    {
        var digits = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var ch = s[i];
            if (ch is '+' or '-' && i == 0) continue;
            if (ch == '.') continue;
            if (ch is < '0' or > '9') return false;
            digits++;
        }
        return digits > 0;
    }

    private static string Truncate(string s) => s.Length > 20 ? s[..20] : s;
}
