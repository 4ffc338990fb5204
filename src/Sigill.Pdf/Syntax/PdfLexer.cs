using System.Globalization;
using System.Text;

namespace Sigill.Pdf.Syntax;

/// <summary>
/// Reads PDF tokens and objects from a byte array (ISO 32000-1 §7.2–7.3). Bounded, because the bytes
/// are hostile: nesting is limited so the stack cannot be exhausted, one object holds at most
/// <see cref="MaxItems"/> values and a name at most <see cref="MaxNameLength"/> bytes, so memory stays
/// proportional to something small; with a <see cref="ReadBudget"/> every value is also counted for
/// the whole document.
/// </summary>
internal sealed class PdfLexer
{
    private const int MaxDepth = 64;

    /// <summary>Most values in one object (a flat name tree or a CID font's widths can hold many thousands).</summary>
    public const int MaxItems = 500_000;

    /// <summary>Longest name; the standard's implementation limit is 127 bytes.</summary>
    public const int MaxNameLength = 4096;

    private readonly byte[] _data;
    private readonly int _end;
    private readonly ReadBudget? _budget;
    private int _items;

    public PdfLexer(byte[] data, int position = 0, int end = -1, ReadBudget? budget = null)
    {
        _data = data;
        _end = end < 0 || end > data.Length ? data.Length : end;
        if (position < 0 || position > _end) throw new PdfFormatException($"offset {position} is outside the data");
        Position = position;
        _budget = budget;
    }

    public int Position { get; set; }

    public byte[] Data => _data;

    /// <summary>Offset of the first byte of the last string token read (used to locate /Contents).</summary>
    public int LastStringStart { get; private set; } = -1;

    public static bool IsWhite(byte c) => c is 0 or 9 or 10 or 12 or 13 or 32;

    public static bool IsDelimiter(byte c) => c is (byte)'(' or (byte)')' or (byte)'<' or (byte)'>' or (byte)'['
        or (byte)']' or (byte)'{' or (byte)'}' or (byte)'/' or (byte)'%';

    public void SkipWhite()
    {
        while (Position < _end)
        {
            var c = _data[Position];
            if (IsWhite(c)) { Position++; continue; }
            if (c == '%')
            {
                while (Position < _end && _data[Position] != '\n' && _data[Position] != '\r') Position++;
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
        while (Position < _end && !IsWhite(_data[Position]) && !IsDelimiter(_data[Position])) Position++;
        return Encoding.Latin1.GetString(_data, start, Position - start);
    }

    public bool TryReadKeyword(string keyword)
    {
        var save = Position;
        if (Matches(RegularSpan(), keyword)) return true;
        Position = save;
        return false;
    }

    public void ExpectKeyword(string keyword)
    {
        var at = Position;
        var got = RegularSpan();
        if (!Matches(got, keyword)) throw new PdfFormatException($"expected '{keyword}' at offset {at}, found '{Truncate(Encoding.Latin1.GetString(got))}'");
    }

    /// <summary>Reads a token that must be an unsigned 32-bit integer (object and generation numbers).</summary>
    public bool TryReadUnsigned(out int value) => int.TryParse(RegularSpan(), NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static bool Matches(ReadOnlySpan<byte> token, string keyword)
    {
        if (token.Length != keyword.Length) return false;
        for (var i = 0; i < token.Length; i++)
        {
            if (token[i] != keyword[i]) return false;
        }
        return true;
    }

    public object ReadObject()
    {
        _items = 0;
        return ReadObject(0);
    }

    private object ReadObject(int depth)
    {
        if (depth > MaxDepth) throw new PdfFormatException("objects nested too deeply");
        if (++_items > MaxItems) throw PdfRejectedException.TooComplex($"An object in the PDF holds more than {MaxItems} values.");
        _budget?.ChargeValue();
        SkipWhite();
        if (Position >= _end) throw new PdfFormatException("unexpected end of _data");
        var c = _data[Position];
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
                        if (_data[Position] == ']') { Position++; return array; }
                        array.Add(ReadObject(depth + 1));
                    }
                }
            case (byte)'<':
                if (Position + 1 < _end && _data[Position + 1] == '<')
                {
                    Position += 2;
                    var dict = new PdfDict();
                    while (true)
                    {
                        SkipWhite();
                        if (Position + 1 >= _end) throw new PdfFormatException("unterminated dictionary");
                        if (_data[Position] == '>' && _data[Position + 1] == '>') { Position += 2; return dict; }
                        if (_data[Position] != '/') throw new PdfFormatException($"dictionary key expected at offset {Position}");
                        var key = ReadName().Value;
                        var value = ReadObject(depth + 1);
                        dict[key] = value; // last one wins, as most readers do
                    }
                }
                return ReadHexString();
            default:
                {
                    // The hot path of every file: no string is made unless the token is kept.
                    var start = Position;
                    var token = RegularSpan();
                    if (token.Length == 0) throw new PdfFormatException($"unexpected byte 0x{c:X2} at offset {start}");
                    if (token.SequenceEqual("true"u8)) return PdfKeyword.True;
                    if (token.SequenceEqual("false"u8)) return PdfKeyword.False;
                    if (token.SequenceEqual("null"u8)) return PdfKeyword.Null;
                    if (!IsNumber(token)) throw new PdfFormatException($"unexpected token '{Truncate(Encoding.Latin1.GetString(token))}' at offset {start}");
                    if (IsUnsignedInteger(token) && TryReadReference(token, out var reference)) return reference;
                    return PdfNumber.FromToken(token);
                }
        }
    }

    /// <summary>After an unsigned integer: "G R" makes it a reference; otherwise the position is left as it was.</summary>
    private bool TryReadReference(ReadOnlySpan<byte> number, out PdfRef reference)
    {
        reference = default;
        var save = Position;
        var gen = RegularSpan();
        if (gen.Length is > 0 and <= 5 && IsUnsignedInteger(gen))
        {
            SkipWhite();
            if (Position < _end && _data[Position] == 'R' && (Position + 1 == _end || IsWhite(_data[Position + 1]) || IsDelimiter(_data[Position + 1]))
                && int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                && int.TryParse(gen, NumberStyles.None, CultureInfo.InvariantCulture, out var g))
            {
                Position++;
                reference = new PdfRef(n, g);
                return true;
            }
        }
        Position = save;
        return false;
    }

    /// <summary>Skips white space and reads the regular characters that follow, without copying them.</summary>
    private ReadOnlySpan<byte> RegularSpan()
    {
        SkipWhite();
        var start = Position;
        while (Position < _end && !IsWhite(_data[Position]) && !IsDelimiter(_data[Position])) Position++;
        return _data.AsSpan(start, Position - start);
    }

    public PdfName ReadName()
    {
        Position++; // '/'
        var start = Position;
        var escaped = false;
        while (Position < _end && !IsWhite(_data[Position]) && !IsDelimiter(_data[Position]))
        {
            escaped |= _data[Position] == '#';
            Position++;
        }
        if (Position - start > MaxNameLength * 3) throw new PdfFormatException($"a name longer than {MaxNameLength} bytes");
        var raw = _data.AsSpan(start, Position - start);
        if (!escaped)
        {
            if (raw.Length > MaxNameLength) throw new PdfFormatException($"a name longer than {MaxNameLength} bytes");
            return new PdfName(Encoding.Latin1.GetString(raw));
        }
        var sb = new StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '#' && i + 2 < raw.Length && Uri.IsHexDigit((char)raw[i + 1]) && Uri.IsHexDigit((char)raw[i + 2]))
            {
                c = (byte)((PdfString.HexValue(raw[i + 1]) << 4) | PdfString.HexValue(raw[i + 2]));
                i += 2;
            }
            sb.Append((char)c);
        }
        if (sb.Length > MaxNameLength) throw new PdfFormatException($"a name longer than {MaxNameLength} bytes");
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
            var c = _data[Position++];
            if (c == '\\') { Position++; continue; }
            if (c == '(') depth++;
            else if (c == ')' && --depth == 0) return new PdfString(_data.AsSpan(start, Position - start).ToArray());
        }
        throw new PdfFormatException("unterminated string");
    }

    private PdfString ReadHexString()
    {
        var start = Position;
        LastStringStart = start;
        var close = Array.IndexOf(_data, (byte)'>', Position, _end - Position);
        if (close < 0) throw new PdfFormatException("unterminated hex string");
        for (var i = start + 1; i < close; i++)
        {
            if (!Uri.IsHexDigit((char)_data[i]) && !IsWhite(_data[i])) throw new PdfFormatException($"invalid hex string at offset {start}");
        }
        Position = close + 1;
        return new PdfString(_data.AsSpan(start, Position - start).ToArray());
    }

    public static bool IsUnsignedInteger(ReadOnlySpan<byte> s)
    {
        if (s.Length == 0) return false;
        foreach (var ch in s)
        {
            if (ch is < (byte)'0' or > (byte)'9') return false;
        }
        return true;
    }

    private static bool IsNumber(ReadOnlySpan<byte> s)
    {
        var digits = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var ch = s[i];
            if (ch is (byte)'+' or (byte)'-' && i == 0) continue;
            if (ch == '.') continue;
            if (ch is < (byte)'0' or > (byte)'9') return false;
            digits++;
        }
        return digits > 0;
    }

    private static string Truncate(string s) => s.Length > 20 ? s[..20] : s;
}
