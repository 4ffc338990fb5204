using System.Globalization;
using System.Text;

namespace Sigill.Pdf.Syntax;

// A deliberately small PDF object model: just enough to read a cross-reference chain, the catalog,
// the page tree and the AcroForm, and to write them back in an incremental update. Values are
// kept in their source form where that matters (strings, numbers) so a rewritten dictionary
// serialises back to the same tokens.

internal sealed record PdfName(string Value)
{
    // Names are stored byte-for-byte as Latin-1 chars (after #xx decoding).
    public override string ToString() => "/" + Value;

    public static readonly PdfName Type = new("Type");
}

internal readonly record struct PdfRef(int Number, int Generation)
{
    public override string ToString() => $"{Number} {Generation} R";
}

/// <summary>A literal or hex string, kept as its raw token bytes (delimiters included).</summary>
internal sealed class PdfString(byte[] raw)
{
    public byte[] Raw { get; } = raw;

    public byte[] Decode() => Raw.Length > 0 && Raw[0] == (byte)'<' ? DecodeHex(Raw) : DecodeLiteral(Raw);

    /// <summary>Decodes a text string: UTF-16BE with BOM, UTF-8 with BOM, else PDFDocEncoding (Latin-1 approximation).</summary>
    public string DecodeText()
    {
        var b = Decode();
        if (b.Length >= 2 && b[0] == 0xFE && b[1] == 0xFF) return Encoding.BigEndianUnicode.GetString(b, 2, b.Length - 2);
        if (b.Length >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) return Encoding.UTF8.GetString(b, 3, b.Length - 3);
        return Encoding.Latin1.GetString(b);
    }

    public static PdfString FromText(string text)
    {
        var ascii = true;
        foreach (var c in text)
        {
            if (c < 0x20 || c > 0x7E) { ascii = false; break; }
        }
        if (ascii)
        {
            var sb = new StringBuilder(text.Length + 2).Append('(');
            foreach (var c in text)
            {
                if (c is '(' or ')' or '\\') sb.Append('\\');
                sb.Append(c);
            }
            return new PdfString(Encoding.ASCII.GetBytes(sb.Append(')').ToString()));
        }
        var utf16 = Encoding.BigEndianUnicode.GetBytes(text);
        return new PdfString(Encoding.ASCII.GetBytes("<FEFF" + Convert.ToHexString(utf16) + ">"));
    }

    public static PdfString FromBytesHex(ReadOnlySpan<byte> bytes) =>
        new(Encoding.ASCII.GetBytes("<" + Convert.ToHexString(bytes) + ">"));

    private static byte[] DecodeHex(byte[] raw)
    {
        var digits = new List<byte>(raw.Length);
        for (var i = 1; i < raw.Length - 1; i++)
        {
            if (Uri.IsHexDigit((char)raw[i])) digits.Add(raw[i]);
        }
        if (digits.Count % 2 == 1) digits.Add((byte)'0');
        var result = new byte[digits.Count / 2];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = (byte)((HexValue(digits[2 * i]) << 4) | HexValue(digits[2 * i + 1]));
        }
        return result;
    }

    internal static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => throw new PdfFormatException("invalid hex digit"),
    };

    private static byte[] DecodeLiteral(byte[] raw)
    {
        var result = new List<byte>(raw.Length);
        for (var i = 1; i < raw.Length - 1; i++)
        {
            var c = raw[i];
            if (c != '\\') { result.Add(c); continue; }
            if (++i >= raw.Length - 1) break;
            c = raw[i];
            switch (c)
            {
                case (byte)'n': result.Add(10); break;
                case (byte)'r': result.Add(13); break;
                case (byte)'t': result.Add(9); break;
                case (byte)'b': result.Add(8); break;
                case (byte)'f': result.Add(12); break;
                case (byte)'\r':
                    if (i + 1 < raw.Length - 1 && raw[i + 1] == '\n') i++;
                    break;
                case (byte)'\n': break;
                case >= (byte)'0' and <= (byte)'7':
                    var v = c - '0';
                    for (var k = 0; k < 2 && i + 1 < raw.Length - 1 && raw[i + 1] is >= (byte)'0' and <= (byte)'7'; k++)
                    {
                        v = v * 8 + (raw[++i] - '0');
                    }
                    result.Add((byte)v);
                    break;
                default: result.Add(c); break;
            }
        }
        return [.. result];
    }
}

internal sealed class PdfNumber(string raw)
{
    public string Raw { get; } = raw;

    public PdfNumber(long value) : this(value.ToString(CultureInfo.InvariantCulture)) { }

    /// <summary>Numbers are immutable, so the small non-negative integers that fill most arrays are shared.</summary>
    private static readonly PdfNumber[] Small = [.. Enumerable.Range(0, 1024).Select(i => new PdfNumber(i.ToString(CultureInfo.InvariantCulture)))];

    /// <summary>A number token as read (a canonical integer below 1024 is a shared instance).</summary>
    public static PdfNumber FromToken(ReadOnlySpan<byte> token)
    {
        if (token.Length is > 0 and <= 4 && (token.Length == 1 || token[0] != '0'))
        {
            var v = 0;
            foreach (var b in token)
            {
                if (b is < (byte)'0' or > (byte)'9') { v = -1; break; }
                v = v * 10 + (b - '0');
            }
            if (v is >= 0 and < 1024) return Small[v];
        }
        return new PdfNumber(Encoding.Latin1.GetString(token));
    }

    /// <summary>The value as an integer (a real is truncated); a value beyond ±2^53 is a format error, not a wrap.</summary>
    public long AsLong()
    {
        if (long.TryParse(Raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)) return v;
        var d = AsDouble();
        return Math.Abs(d) < 9007199254740992d ? (long)d : throw new PdfFormatException($"number '{Truncate(Raw)}' is out of range");
    }

    /// <summary>The value as a 32-bit integer, or a format error.</summary>
    public int AsInt()
    {
        var v = AsLong();
        return v is >= int.MinValue and <= int.MaxValue ? (int)v : throw new PdfFormatException($"number '{Truncate(Raw)}' is out of range");
    }

    private static string Truncate(string s) => s.Length > 20 ? s[..20] : s;

    public double AsDouble() => double.TryParse(Raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
        ? v
        : throw new PdfFormatException($"invalid number '{Truncate(Raw)}'");

    public static PdfNumber Of(double value) => new(value.ToString("0.####", CultureInfo.InvariantCulture));
}

/// <summary>true, false, null.</summary>
internal sealed record PdfKeyword(string Value)
{
    public static readonly PdfKeyword Null = new("null");
    public static readonly PdfKeyword True = new("true");
    public static readonly PdfKeyword False = new("false");
}

internal sealed class PdfArray : List<object>
{
    public PdfArray() { }

    public PdfArray(IEnumerable<object> items) : base(items) { }
}

internal sealed class PdfDict : OrderedDictionary<string, object>
{
    public PdfDict() : base(StringComparer.Ordinal) { }

    public PdfDict(PdfDict other) : base(StringComparer.Ordinal)
    {
        foreach (var kv in other) Add(kv.Key, kv.Value);
    }

    public object? Get(string key) => TryGetValue(key, out var v) ? v : null;

    public string? GetName(string key) => Get(key) is PdfName n ? n.Value : null;

    public void Set(string key, object value) => this[key] = value;
}

/// <summary>A stream: its dictionary and where its (still encoded) data lies.</summary>
internal sealed class PdfStream(PdfDict dict, byte[] source, int dataOffset, int dataLength)
{
    public PdfDict Dict { get; } = dict;

    public ReadOnlyMemory<byte> RawData => new(source, dataOffset, dataLength);
}

/// <summary>Raised when the bytes are not a PDF this library can read safely.</summary>
public sealed class PdfFormatException : Exception
{
    public PdfFormatException() { }

    public PdfFormatException(string message) : base(message) { }

    public PdfFormatException(string message, Exception inner) : base(message, inner) { }
}
