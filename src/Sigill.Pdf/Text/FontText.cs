using System.Text;
using Sigill.Pdf.Syntax;

namespace Sigill.Pdf.Text;

/// <summary>
/// How the bytes a font's text operators show become characters (ISO 32000-1 §9.10), as far as text extraction for a
/// scan needs: a <c>/ToUnicode</c> CMap when the font has one; otherwise, for a simple font, each byte as Latin-1 (the
/// digits and Latin letters are the same bytes in WinAnsi, MacRoman and the standard encoding); for a composite
/// (Type0) font, the UCS-2/UTF-16 CMaps read as UTF-16BE, and any other CMap (Identity-H: glyph ids) as nothing, since
/// its codes say nothing about characters without a ToUnicode map.
/// </summary>
internal sealed class FontText
{
    /// <summary>Text shown before any font is selected, or with a font that cannot be read.</summary>
    public static readonly FontText Latin1 = new(null, composite: false, utf16: false);

    private readonly ToUnicodeMap? _map;
    private readonly bool _composite;
    private readonly bool _utf16;

    private FontText(ToUnicodeMap? map, bool composite, bool utf16)
    {
        _map = map;
        _composite = composite;
        _utf16 = utf16;
    }

    public static FontText Load(PdfFile file, PdfDict font)
    {
        var composite = font.GetName("Subtype") == "Type0";
        ToUnicodeMap? map = null;
        if (file.Resolve(font.Get("ToUnicode")) is PdfStream toUnicode)
        {
            try
            {
                using var held = file.Decode(toUnicode);
                map = ToUnicodeMap.Parse(held.Span, file.Budget);
            }
            catch (PdfFormatException)
            {
                file.Budget.Damaged(); // a damaged map: the font's text reads as if it had none
            }
        }
        var encoding = composite ? file.Resolve(font.Get("Encoding")) as PdfName : null;
        var utf16 = encoding is not null && (encoding.Value.EndsWith("UCS2-H", StringComparison.Ordinal) || encoding.Value.EndsWith("UCS2-V", StringComparison.Ordinal)
            || encoding.Value.EndsWith("UTF16-H", StringComparison.Ordinal) || encoding.Value.EndsWith("UTF16-V", StringComparison.Ordinal));
        return new FontText(map, composite, utf16);
    }

    /// <summary>Appends the characters <paramref name="shown"/> stands for.</summary>
    public void Decode(ReadOnlySpan<byte> shown, StringBuilder into)
    {
        var defaultLength = _composite ? 2 : 1;
        for (var i = 0; i < shown.Length;)
        {
            var length = _map?.CodeLength(shown[i..]) ?? defaultLength;
            length = Math.Min(length, shown.Length - i);
            uint code = 0;
            for (var k = 0; k < length; k++) code = (code << 8) | shown[i + k];
            if (_map is not null && _map.TryMap(length, code, into))
            {
                // mapped
            }
            else if (_utf16 && length == 2)
            {
                into.Append((char)code);
            }
            else if (!_composite)
            {
                into.Append((char)code); // Latin-1
            }
            i += length;
        }
    }
}

/// <summary>
/// A <c>/ToUnicode</c> CMap (ISO 32000-1 §9.10.3; Adobe technical note 5411): its code space ranges, which say how many
/// bytes each code takes, and its <c>bfchar</c> and <c>bfrange</c> mappings to UTF-16BE. Ranges are kept as ranges (a
/// range is searched, never expanded), each entry is charged as a parsed value to the document's budget, and a
/// destination keeps at most <see cref="MaxDestinationChars"/> characters (a ligature is two or three), so a hostile map
/// cannot make one code into a page of text.
/// </summary>
internal sealed class ToUnicodeMap
{
    public const int MaxDestinationChars = 8;

    private readonly List<(int Length, uint Low, uint High)> _codespace = [];
    private readonly Dictionary<ulong, string> _chars = [];
    private readonly List<Range> _ranges = [];

    private sealed record Range(int Length, uint Low, uint High, string? Start, string[]? Each);

    public static ToUnicodeMap Parse(ReadOnlySpan<byte> data, ReadBudget budget)
    {
        var map = new ToUnicodeMap();
        var tokens = new CMapTokens(data);
        var section = "";
        var operands = new List<object>();
        while (tokens.Next() is { } token)
        {
            if (token is string keyword)
            {
                switch (keyword)
                {
                    case "begincodespacerange" or "beginbfchar" or "beginbfrange":
                        section = keyword;
                        break;
                    case "endcodespacerange" or "endbfchar" or "endbfrange":
                        section = "";
                        break;
                }
                operands.Clear();
                continue;
            }
            if (section.Length == 0) continue;
            operands.Add(token);
            var needed = section == "beginbfrange" ? 3 : 2;
            if (operands.Count < needed) continue;
            budget.ChargeValue();
            map.Add(section, operands);
            operands.Clear();
        }
        map._ranges.Sort((a, b) => a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.Low.CompareTo(b.Low));
        return map;
    }

    private void Add(string section, List<object> operands)
    {
        if (operands[0] is not byte[] { Length: >= 1 and <= 4 } low) return;
        switch (section)
        {
            case "begincodespacerange" when operands[1] is byte[] high && high.Length == low.Length:
                _codespace.Add((low.Length, Code(low), Code(high)));
                break;
            case "beginbfchar" when operands[1] is byte[] destination:
                _chars.TryAdd(Key(low.Length, Code(low)), Utf16(destination));
                break;
            case "beginbfrange" when operands[1] is byte[] high && high.Length == low.Length && Code(high) >= Code(low):
                switch (operands[2])
                {
                    case byte[] start:
                        _ranges.Add(new Range(low.Length, Code(low), Code(high), Utf16(start), null));
                        break;
                    case List<byte[]> each:
                        _ranges.Add(new Range(low.Length, Code(low), Code(high), null, [.. each.Select(Utf16)]));
                        break;
                }
                break;
        }
    }

    /// <summary>
    /// How many bytes the code at the start of <paramref name="bytes"/> takes: the shortest code space range it fits, or
    /// null when the map declares no code space (then the font's kind decides).
    /// </summary>
    public int? CodeLength(ReadOnlySpan<byte> bytes)
    {
        if (_codespace.Count == 0) return null;
        var shortest = 4;
        foreach (var (length, low, high) in _codespace)
        {
            shortest = Math.Min(shortest, length);
            if (length > bytes.Length) continue;
            var fits = true;
            for (var k = 0; k < length && fits; k++)
            {
                var shift = 8 * (length - 1 - k);
                var b = bytes[k];
                fits = b >= (byte)(low >> shift) && b <= (byte)(high >> shift);
            }
            if (fits) return length;
        }
        return shortest;
    }

    public bool TryMap(int length, uint code, StringBuilder into)
    {
        if (_chars.TryGetValue(Key(length, code), out var text))
        {
            into.Append(text);
            return true;
        }
        // The last range of this length that starts at or before the code (ranges are sorted by length, then start).
        int lo = 0, hi = _ranges.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var r = _ranges[mid];
            if (r.Length < length || (r.Length == length && r.Low <= code)) lo = mid + 1;
            else hi = mid - 1;
        }
        if (hi < 0 || _ranges[hi] is not { } range || range.Length != length || code > range.High) return false;
        var offset = (int)(code - range.Low);
        if (range.Each is { } each)
        {
            if (offset >= each.Length) return false;
            into.Append(each[offset]);
            return true;
        }
        var start = range.Start!;
        if (start.Length == 0) return false;
        into.Append(start.AsSpan(0, start.Length - 1)).Append((char)(start[^1] + offset));
        return true;
    }

    private static ulong Key(int length, uint code) => ((ulong)length << 32) | code;

    private static uint Code(byte[] bytes)
    {
        uint code = 0;
        foreach (var b in bytes) code = (code << 8) | b;
        return code;
    }

    private static string Utf16(byte[] bytes)
    {
        var text = Encoding.BigEndianUnicode.GetString(bytes, 0, bytes.Length & ~1);
        return text.Length > MaxDestinationChars ? text[..MaxDestinationChars] : text;
    }

    /// <summary>The tokens of a CMap: hex strings (as bytes), arrays of hex strings, and keywords; everything else is skipped.</summary>
    private ref struct CMapTokens(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _at;

        public object? Next()
        {
            while (_at < _data.Length)
            {
                var c = _data[_at];
                switch (c)
                {
                    case (byte)'%':
                        while (_at < _data.Length && _data[_at] is not ((byte)'\n' or (byte)'\r')) _at++;
                        continue;
                    case (byte)'<' when _at + 1 < _data.Length && _data[_at + 1] == '<':
                        _at += 2;
                        continue;
                    case (byte)'<':
                        return Hex();
                    case (byte)'[':
                        {
                            _at++;
                            var items = new List<byte[]>();
                            while (_at < _data.Length && _data[_at] != ']')
                            {
                                if (_data[_at] == '<')
                                {
                                    var item = Hex();
                                    if (items.Count < 65_536) items.Add(item);
                                }
                                else
                                {
                                    _at++;
                                }
                            }
                            _at++;
                            return items;
                        }
                    case (byte)'(':
                        {
                            // A literal string (a CMap's name or registry): skipped, nesting and escapes included.
                            var depth = 0;
                            for (; _at < _data.Length; _at++)
                            {
                                if (_data[_at] == '\\') { _at++; continue; }
                                if (_data[_at] == '(') depth++;
                                else if (_data[_at] == ')' && --depth == 0) { _at++; break; }
                            }
                            continue;
                        }
                    default:
                        if (PdfLexer.IsWhite(c) || PdfLexer.IsDelimiter(c))
                        {
                            _at++;
                            continue;
                        }
                        var start = _at;
                        while (_at < _data.Length && !PdfLexer.IsWhite(_data[_at]) && !PdfLexer.IsDelimiter(_data[_at])) _at++;
                        return Encoding.Latin1.GetString(_data[start.._at]);
                }
            }
            return null;
        }

        private byte[] Hex()
        {
            _at++;
            var bytes = new List<byte>();
            var high = -1;
            for (; _at < _data.Length && _data[_at] != '>'; _at++)
            {
                var c = _data[_at];
                var v = c switch
                {
                    >= (byte)'0' and <= (byte)'9' => c - '0',
                    >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
                    >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
                    _ => -1,
                };
                if (v < 0) continue;
                if (high < 0) { high = v; continue; }
                if (bytes.Count < 512) bytes.Add((byte)((high << 4) | v));
                high = -1;
            }
            if (high >= 0 && bytes.Count < 512) bytes.Add((byte)(high << 4));
            _at++;
            return [.. bytes];
        }
    }
}
