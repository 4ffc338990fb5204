using System.Text;
using Sigill.Pdf.Syntax;

namespace Sigill.Pdf.Text;

/// <summary>
/// Walks an opened PDF for its text (<see cref="PdfText"/>): each page's content streams, the form XObjects they draw and
/// the appearance streams of its annotations, interpreting only what shows text (<c>Tj</c>, <c>TJ</c>, <c>'</c>,
/// <c>"</c>), selects a font (<c>Tf</c>, saved and restored by <c>q</c>/<c>Q</c>) or draws a form (<c>Do</c>); then
/// every string of every object the file lists (document information, form field values, annotation contents,
/// bookmarks), as page 0.
/// <para>
/// Bounded like the inspection: every stream is decoded through <see cref="StreamDecoder.OpenContent"/> against the
/// file's one <see cref="ReadBudget"/>, and each stream (a page's content, a form) is read once however many pages
/// draw it, so shared content cannot multiply the work. Forms nest at most <see cref="MaxFormDepth"/> deep, operands and
/// arrays are capped, and the text handed out is at most <see cref="TextCollector.MaxDocumentChars"/>. A stream that
/// stops decoding or a font that cannot be read is counted as damage (<see cref="ReadBudget.Damaged"/>) and reading goes
/// on with the next, as a viewer would show the rest of the document.
/// </para>
/// </summary>
internal sealed class TextExtraction(PdfFile file, int maxPages, TextCollector output)
{
    private const int MaxFormDepth = 16;
    private const int MaxSavedStates = 64;
    private const int MaxOperands = 64;
    private const int MaxArrayItems = 65_536;
    private const int MaxTreeDepth = 64;

    /// <summary>A number outside an array: its value is never needed, so one boxed marker stands for all.</summary>
    private static readonly object NumberOperand = new();

    private readonly HashSet<int> _streamsRead = [];
    private readonly Dictionary<int, FontText> _fonts = [];

    public void Run()
    {
        var page = 0;
        foreach (var (dict, resources) in Pages())
        {
            if (output.Stopped) return;
            output.BeginPage(++page);
            var state = new State();
            foreach (var content in Contents(dict.Get("Contents")))
            {
                Interpret(content, resources, state, depth: 0);
            }
            Annotations(dict, resources);
        }
        if (output.Stopped) return;
        output.BeginPage(0);
        Strings();
        output.EndPage();
    }

    /// <summary>Every page in order with its resources (inherited through the page tree, ISO 32000-1 §7.7.3.4).</summary>
    private List<(PdfDict Page, PdfDict? Resources)> Pages()
    {
        var pages = new List<(PdfDict, PdfDict?)>();
        if (file.Catalog.Get("Pages") is not PdfRef root) return pages;
        var seen = new HashSet<int>();
        Walk(root, null, 0);
        return pages;

        void Walk(PdfRef node, PdfDict? inherited, int depth)
        {
            if (depth > MaxTreeDepth || !seen.Add(node.Number) || pages.Count >= maxPages) return;
            var dict = file.ResolveDict(node);
            if (dict is null) return;
            var resources = file.ResolveDict(dict.Get("Resources")) ?? inherited;
            if (dict.GetName("Type") == "Pages" || dict.ContainsKey("Kids"))
            {
                if (file.Resolve(dict.Get("Kids")) is not PdfArray kids) return;
                foreach (var kid in kids)
                {
                    if (kid is PdfRef k) Walk(k, resources, depth + 1);
                }
                return;
            }
            pages.Add((dict, resources));
        }
    }

    /// <summary>A page's /Contents: one stream or an array of them, each read once in the whole document.</summary>
    private IEnumerable<PdfStream> Contents(object? contents)
    {
        var refs = file.Resolve(contents) is PdfArray array ? array.OfType<PdfRef>().ToList() : contents is PdfRef one ? [one] : [];
        foreach (var r in refs)
        {
            if (_streamsRead.Add(r.Number) && file.Resolve(r) is PdfStream stream) yield return stream;
        }
    }

    /// <summary>The normal appearance of each annotation (a stamp, a filled form field), read as a form.</summary>
    private void Annotations(PdfDict page, PdfDict? resources)
    {
        if (file.Resolve(page.Get("Annots")) is not PdfArray annotations) return;
        foreach (var item in annotations.Take(MaxArrayItems))
        {
            var appearance = file.ResolveDict(item) is { } annotation ? file.ResolveDict(annotation.Get("AP"))?.Get("N") : null;
            if (appearance is PdfRef single)
            {
                Form(single, resources, new State(), depth: 1);
            }
            else if (file.Resolve(appearance) is PdfDict states)
            {
                foreach (var state in states.Values.OfType<PdfRef>().Take(MaxArrayItems)) Form(state, resources, new State(), depth: 1);
            }
        }
    }

    private void Form(PdfRef reference, PdfDict? resources, State state, int depth)
    {
        if (depth > MaxFormDepth || !_streamsRead.Add(reference.Number)) return;
        if (file.Resolve(reference) is not PdfStream form || form.Dict.GetName("Subtype") != "Form") return;
        output.Break();
        Interpret(form, file.ResolveDict(form.Dict.Get("Resources")) ?? resources, state, depth);
        output.Break();
    }

    private sealed class State
    {
        public FontText Font = FontText.Latin1;
        public readonly Stack<FontText> Saved = new();
        public readonly List<object> Operands = [];
        public List<object>? Array;
    }

    private void Interpret(PdfStream stream, PdfDict? resources, State state, int depth)
    {
        var fontsByName = new Dictionary<string, FontText>(StringComparer.Ordinal);
        try
        {
            using var decoded = StreamDecoder.OpenContent(stream, file, file.Budget);
            using var lexer = new ContentLexer(decoded);
            var operands = state.Operands;
            while (!output.Stopped)
            {
                var token = lexer.Next();
                object? operand = null;
                switch (token)
                {
                    case ContentToken.End:
                        return;
                    case ContentToken.Number:
                        operand = state.Array is null ? NumberOperand : lexer.Number;
                        break;
                    case ContentToken.String:
                        operand = lexer.String.ToArray();
                        break;
                    case ContentToken.Name:
                        operand = lexer.Name;
                        break;
                    case ContentToken.ArrayStart:
                        state.Array ??= []; // nested arrays (none in text operators) are read flat
                        continue;
                    case ContentToken.ArrayEnd:
                        if (state.Array is { } done)
                        {
                            state.Array = null;
                            operand = done;
                        }
                        break;
                    case ContentToken.Operator:
                        Operator(lexer, resources, state, fontsByName, depth);
                        operands.Clear();
                        state.Array = null;
                        continue;
                }
                if (operand is null) continue;
                if (state.Array is { } array)
                {
                    if (array.Count < MaxArrayItems) array.Add(operand);
                    continue;
                }
                if (operands.Count == MaxOperands) operands.Clear(); // no operator takes this many: not content a viewer draws
                operands.Add(operand);
            }
        }
        catch (Exception e) when (e is PdfFormatException or InvalidDataException)
        {
            // Damaged data or an unreadable filter: what was read is kept (up to the reader's last full buffer: a filter that
            // fails inside a read loses that read), and reading goes on with the next stream.
            file.Budget.Damaged();
        }
    }

    private void Operator(ContentLexer lexer, PdfDict? resources, State state, Dictionary<string, FontText> fontsByName, int depth)
    {
        var op = lexer.Token;
        var operands = state.Operands;
        var last = operands.Count > 0 ? operands[^1] : null;
        switch (op.Length)
        {
            case 1 when op[0] == '\'':
            case 1 when op[0] == '"':
                if (last is byte[] quoted) Show(state.Font, quoted);
                break;
            case 1 when op[0] == 'q':
                if (state.Saved.Count < MaxSavedStates) state.Saved.Push(state.Font);
                break;
            case 1 when op[0] == 'Q':
                if (state.Saved.Count > 0) state.Font = state.Saved.Pop();
                break;
            case 2 when op.SequenceEqual("Tj"u8):
                if (last is byte[] shown) Show(state.Font, shown);
                break;
            case 2 when op.SequenceEqual("TJ"u8):
                if (last is List<object> items) ShowArray(state.Font, items);
                break;
            case 2 when op.SequenceEqual("Tf"u8):
                if (operands.Count >= 2 && operands[^2] is string fontName) state.Font = Font(resources, fontName, fontsByName);
                break;
            case 2 when op.SequenceEqual("BT"u8):
            case 2 when op.SequenceEqual("ET"u8):
                output.Break();
                break;
            case 2 when op.SequenceEqual("Do"u8):
                if (last is string formName && XObject(resources, formName) is { } reference) Form(reference, resources, new State { Font = state.Font }, depth + 1);
                break;
            case 2 when op.SequenceEqual("ID"u8):
                lexer.SkipInlineImage();
                break;
        }
    }

    private readonly StringBuilder _piece = new();

    private void Show(FontText font, byte[] shown)
    {
        _piece.Clear();
        font.Decode(shown, _piece);
        output.Show(_piece);
    }

    /// <summary>
    /// <c>TJ</c>: the strings of the array are one piece of text; an adjustment wider than a fifth of the font size (in
    /// thousandths, negative moves right) is where writers leave out a space, so it reads as one.
    /// </summary>
    private void ShowArray(FontText font, List<object> items)
    {
        _piece.Clear();
        foreach (var item in items)
        {
            switch (item)
            {
                case byte[] shown:
                    font.Decode(shown, _piece);
                    break;
                case double adjustment when adjustment < -200 && _piece.Length > 0 && _piece[^1] != ' ':
                    _piece.Append(' ');
                    break;
            }
        }
        output.Show(_piece);
    }

    private FontText Font(PdfDict? resources, string name, Dictionary<string, FontText> byName)
    {
        if (byName.TryGetValue(name, out var known)) return known;
        var entry = file.ResolveDict(resources?.Get("Font"))?.Get(name);
        FontText font;
        if (entry is PdfRef reference && _fonts.TryGetValue(reference.Number, out var cached))
        {
            font = cached;
        }
        else
        {
            font = file.ResolveDict(entry) is { } dict ? FontText.Load(file, dict) : FontText.Latin1;
            if (entry is PdfRef r) _fonts[r.Number] = font;
        }
        byName[name] = font;
        return font;
    }

    private PdfRef? XObject(PdfDict? resources, string name) => file.ResolveDict(resources?.Get("XObject"))?.Get(name) is PdfRef r ? r : null;

    /// <summary>
    /// Page 0: every string of every object the cross-reference lists, decoded as PDF text strings. Objects in object
    /// streams are read stream by stream, so each object stream is decoded once. A signature's /Contents (a CMS
    /// structure in hex) is not text and is left out.
    /// </summary>
    private void Strings()
    {
        var order = file.Xref
            .Where(e => e.Value.Kind != XrefKind.Free)
            .OrderBy(e => e.Value.Kind == XrefKind.Compressed ? 1 : 0).ThenBy(e => e.Value.Kind == XrefKind.Compressed ? e.Value.Value : 0).ThenBy(e => e.Key)
            .Select(e => e.Key)
            .ToList();
        foreach (var number in order)
        {
            if (output.Stopped) return;
            object? value;
            try
            {
                value = file.GetObject(number);
            }
            catch (PdfFormatException)
            {
                file.Budget.Damaged();
                continue;
            }
            Visit(value is PdfStream s ? s.Dict : value, 0);
        }

        void Visit(object? value, int depth)
        {
            if (depth > MaxTreeDepth) return;
            switch (value)
            {
                case PdfString text:
                    output.Show(text.DecodeText());
                    output.Break();
                    break;
                case PdfArray array:
                    foreach (var item in array) Visit(item, depth + 1);
                    break;
                case PdfDict dict:
                    var signature = dict.ContainsKey("ByteRange");
                    foreach (var (key, item) in dict)
                    {
                        if (!(signature && key == "Contents")) Visit(item, depth + 1);
                    }
                    break;
            }
        }
    }
}
