using System.Text;

namespace Sigill.Pdf.Text;

/// <summary>
/// Puts the pieces of text a page shows together the way a reader sees them, and hands them out in chunks:
/// <list type="bullet">
/// <item>Two pieces shown one after the other are joined by a space (words placed one by one, table cells, the groups of
/// a number placed apart), unless one of them already has white space there, or both are a single character: writers
/// that place every glyph separately show one character at a time, and their words must not fall apart into letters.</item>
/// <item>Text objects (<c>BT</c>…<c>ET</c>), forms and the strings of page 0 end with a line break.</item>
/// <item>A chunk is handed out once the text reaches <see cref="ChunkChars"/>, ending after a line break or punctuation
/// where there is one in its last <see cref="CutWindow"/> characters (the rest starts the next chunk), so a number is not split between two chunks unless a page shows that
/// much text without either. The whole document hands out at most <see cref="MaxDocumentChars"/>; more is
/// <c>pdf_too_complex</c>.</item>
/// </list>
/// </summary>
internal sealed class TextCollector(Func<PdfTextChunk, bool> visit)
{
    public const int ChunkChars = 1 << 20;
    public const int CutWindow = 4096;
    public const long MaxDocumentChars = 64L * 1024 * 1024;

    private readonly StringBuilder _text = new();
    private int _page = -1;
    private long _handedOut;
    private int _lastPiece;

    /// <summary>The visitor asked to stop.</summary>
    public bool Stopped { get; private set; }

    public void BeginPage(int page)
    {
        EndPage();
        _page = page;
    }

    public void EndPage()
    {
        if (_text.Length > 0) HandOut(_text.Length);
        _lastPiece = 0;
    }

    public void Break()
    {
        if (_text.Length > 0 && _text[^1] != '\n') _text.Append('\n');
        _lastPiece = 0;
    }

    public void Show(StringBuilder piece)
    {
        if (piece.Length == 0 || Stopped) return;
        Separate(piece[0], piece.Length);
        _text.Append(piece);
        Shown(piece.Length);
    }

    public void Show(string piece)
    {
        if (piece.Length == 0 || Stopped) return;
        Separate(piece[0], piece.Length);
        _text.Append(piece);
        Shown(piece.Length);
    }

    private void Separate(char first, int length)
    {
        var joined = length == 1 && _lastPiece == 1;
        if (!joined && _text.Length > 0 && !char.IsWhiteSpace(_text[^1]) && !char.IsWhiteSpace(first)) _text.Append(' ');
    }

    private void Shown(int length)
    {
        _lastPiece = length;
        while (_text.Length >= ChunkChars && !Stopped) HandOut(Cut());
    }

    /// <summary>Where to end a full chunk: after the last line break or punctuation near its end, else at its end.</summary>
    private int Cut()
    {
        for (var i = _text.Length - 1; i >= Math.Max(0, _text.Length - CutWindow); i--)
        {
            var c = _text[i];
            if (c == '\n' || (char.IsPunctuation(c) && c is not '-' and not '\u2010' and not '\u2011')) return i + 1;
        }
        return _text.Length;
    }

    private void HandOut(int length)
    {
        if (Stopped) return;
        _handedOut += length;
        if (_handedOut > MaxDocumentChars)
        {
            throw PdfRejectedException.TooComplex($"The PDF's text is longer than {MaxDocumentChars / (1024 * 1024)} million characters.");
        }
        var chunk = _text.ToString(0, length);
        _text.Remove(0, length);
        if (!visit(new PdfTextChunk(_page, chunk))) Stopped = true;
    }
}
