using System.Buffers;
using System.Globalization;
using System.Text;
using Sigill.Pdf.Syntax;

namespace Sigill.Pdf.Text;

internal enum ContentToken { End, Number, String, Name, Operator, ArrayStart, ArrayEnd }

/// <summary>
/// Reads the tokens of a content stream (ISO 32000-1 §7.8.2) as the stream decodes, through one pooled buffer, for text
/// extraction only: numbers, strings, names, operators and array brackets. Dictionary brackets (the property lists of
/// marked content) and PostScript braces are skipped as if they were white space; their values become operands that the
/// next operator discards. Bounded by the bytes it reads: every byte is looked at once, a string keeps at most
/// <see cref="MaxStringBytes"/> bytes (the rest are read and dropped), a name or operator at most
/// <see cref="MaxTokenBytes"/>, and inline image data (<c>ID … EI</c>) is skipped without being kept.
/// </summary>
internal sealed class ContentLexer : IDisposable
{
    /// <summary>Most bytes kept of one string; a longer one is read to its end and cut (no page shows 64 KiB in one operator).</summary>
    public const int MaxStringBytes = 64 * 1024;

    /// <summary>Most bytes kept of a name, number or operator (the standard's limit for names is 127).</summary>
    public const int MaxTokenBytes = 256;

    private readonly Stream _source;
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private int _position, _length;
    private bool _ended;
    private readonly byte[] _token = new byte[MaxTokenBytes];
    private int _tokenLength;
    private byte[] _string = new byte[256];

    public ContentLexer(Stream source) => _source = source;

    /// <summary>The bytes of the last <see cref="ContentToken.String"/> (decoded: escapes and hex undone).</summary>
    public ReadOnlySpan<byte> String => _string.AsSpan(0, StringLength);

    public int StringLength { get; private set; }

    /// <summary>The bytes of the last name (without its slash, #xx undone), number or operator.</summary>
    public ReadOnlySpan<byte> Token => _token.AsSpan(0, _tokenLength);

    public double Number => double.TryParse(Token, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : 0;

    public string Name => Encoding.Latin1.GetString(Token);

    public ContentToken Next()
    {
        while (true)
        {
            var c = Read();
            switch (c)
            {
                case -1:
                    return ContentToken.End;
                case 0 or 9 or 10 or 12 or 13 or 32:
                    SkipWhite(); // runs of white space (padding, a bomb of zeros) are skipped a buffer at a time
                    continue;
                case '%':
                    while ((c = Peek()) is not (-1 or '\n' or '\r')) Read();
                    continue;
                case '(':
                    ReadLiteralString();
                    return ContentToken.String;
                case '<':
                    if (Peek() == '<')
                    {
                        Read(); // a dictionary: its entries are read as operands
                        continue;
                    }
                    ReadHexString();
                    return ContentToken.String;
                case '>' or ')' or '{' or '}':
                    continue; // the end of a dictionary, or a stray delimiter
                case '[':
                    return ContentToken.ArrayStart;
                case ']':
                    return ContentToken.ArrayEnd;
                case '/':
                    ReadRegular(first: -1, name: true);
                    return ContentToken.Name;
                default:
                    ReadRegular(first: c, name: false);
                    return c is (>= '0' and <= '9') or '+' or '-' or '.' ? ContentToken.Number : ContentToken.Operator;
            }
        }
    }

    /// <summary>
    /// After the <c>ID</c> operator: skips an inline image's data up to and including <c>EI</c> (white space before it, and
    /// white space, a delimiter or the end after it), as viewers find the end of data they cannot measure.
    /// </summary>
    public void SkipInlineImage()
    {
        Read(); // the single white-space byte after ID
        var previous = (int)' ';
        while (true)
        {
            var c = Read();
            if (c == -1) return;
            if (c == 'E' && IsWhite(previous) && Peek() == 'I')
            {
                Read();
                var after = Peek();
                if (after == -1 || IsWhite(after) || IsDelimiter(after)) return;
                c = 'I';
            }
            previous = c;
        }
    }

    private static readonly SearchValues<byte> White = SearchValues.Create([0, 9, 10, 12, 13, 32]);

    private void SkipWhite()
    {
        while (true)
        {
            var rest = _buffer.AsSpan(_position, _length - _position);
            var next = rest.IndexOfAnyExcept(White);
            if (next >= 0)
            {
                _position += next;
                return;
            }
            _position = _length;
            if (!Fill()) return;
        }
    }

    private static bool IsWhite(int c) => c is 0 or 9 or 10 or 12 or 13 or 32;

    private static bool IsDelimiter(int c) => c is '(' or ')' or '<' or '>' or '[' or ']' or '{' or '}' or '/' or '%';

    private void ReadRegular(int first, bool name)
    {
        _tokenLength = 0;
        if (first >= 0) Keep((byte)first);
        while (Peek() is var c and not -1 && !IsWhite(c) && !IsDelimiter(c))
        {
            Read();
            if (name && c == '#' && HexValue(Peek()) is var high and >= 0)
            {
                Read();
                if (HexValue(Peek()) is var low and >= 0)
                {
                    Read();
                    Keep((byte)((high << 4) | low));
                    continue;
                }
                Keep((byte)'#');
                Keep((byte)HexDigit(high));
                continue;
            }
            Keep((byte)c);
        }

        void Keep(byte b)
        {
            if (_tokenLength < _token.Length) _token[_tokenLength++] = b;
        }
    }

    private static char HexDigit(int v) => (char)(v < 10 ? '0' + v : 'A' + v - 10);

    private static int HexValue(int c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private void ReadLiteralString()
    {
        StringLength = 0;
        var depth = 1;
        while (true)
        {
            var c = Read();
            switch (c)
            {
                case -1:
                    return;
                case '(':
                    depth++;
                    break;
                case ')' when --depth == 0:
                    return;
                case '\\':
                    c = Read();
                    switch (c)
                    {
                        case -1: return;
                        case 'n': c = '\n'; break;
                        case 'r': c = '\r'; break;
                        case 't': c = '\t'; break;
                        case 'b': c = '\b'; break;
                        case 'f': c = '\f'; break;
                        case '\r':
                            if (Peek() == '\n') Read();
                            continue;
                        case '\n':
                            continue;
                        case >= '0' and <= '7':
                            var v = c - '0';
                            for (var k = 0; k < 2 && Peek() is >= '0' and <= '7'; k++) v = v * 8 + (Read() - '0');
                            c = v & 0xFF;
                            break;
                    }
                    break;
            }
            KeepStringByte((byte)c);
        }
    }

    private void ReadHexString()
    {
        StringLength = 0;
        var high = -1;
        while (true)
        {
            var c = Read();
            if (c is -1 or '>') break;
            var v = HexValue(c);
            if (v < 0) continue; // white space (or junk a lenient reader skips)
            if (high < 0)
            {
                high = v;
                continue;
            }
            KeepStringByte((byte)((high << 4) | v));
            high = -1;
        }
        if (high >= 0) KeepStringByte((byte)(high << 4));
    }

    private void KeepStringByte(byte b)
    {
        if (StringLength == MaxStringBytes) return;
        if (StringLength == _string.Length) Array.Resize(ref _string, Math.Min(MaxStringBytes, _string.Length * 2));
        _string[StringLength++] = b;
    }

    private int Peek()
    {
        if (_position == _length && !Fill()) return -1;
        return _buffer![_position];
    }

    private int Read()
    {
        if (_position == _length && !Fill()) return -1;
        return _buffer![_position++];
    }

    private bool Fill()
    {
        if (_ended) return false;
        _length = _source.Read(_buffer ?? throw new ObjectDisposedException(nameof(ContentLexer)));
        _position = 0;
        _ended = _length == 0;
        return !_ended;
    }

    public void Dispose()
    {
        if (_buffer is null) return;
        ArrayPool<byte>.Shared.Return(_buffer, clearArray: true);
        _buffer = null;
        _string.AsSpan().Clear(); // a document's text does not outlive its reading
    }
}
