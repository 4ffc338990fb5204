namespace Sigill.Pdf;

/// <summary>
/// A document as the template engine produces it: a title and blocks in reading order.
/// Rendering is deterministic apart from PDFsharp's creation date.
/// </summary>
public sealed record DocumentModel(string Title, IReadOnlyList<DocumentBlock> Blocks)
{
    /// <summary>Page size in points (A4 by default).</summary>
    public double PageWidth { get; init; } = 595.28;

    public double PageHeight { get; init; } = 841.89;

    /// <summary>Margin on every side, in points.</summary>
    public double Margin { get; init; } = 56.7;
}

public abstract record DocumentBlock;

/// <summary>Level 1 is the largest heading; levels 2 and 3 are smaller.</summary>
public sealed record Heading(string Text, int Level = 1) : DocumentBlock;

/// <summary>Wrapped body text; newlines start new lines.</summary>
public sealed record Paragraph(string Text) : DocumentBlock;

/// <summary>Starts a new page.</summary>
public sealed record PageBreak : DocumentBlock;

/// <summary>
/// A pricing table: priced lines, then summary rows under them (Subtotal, Discount, Tax, Total). Discount and tax are
/// amounts for the whole table, never lines of their own: a line has a quantity and a unit price, a discount has
/// neither. Amounts are computed with decimal arithmetic and rounded half away from zero to 2 places.
/// </summary>
public sealed record PricingTable(IReadOnlyList<PricingRow> Rows, string Currency) : DocumentBlock
{
    /// <summary>Taken off the subtotal (a positive amount; 0 for none).</summary>
    public decimal Discount { get; init; }

    /// <summary>Added after the discount (0 for none).</summary>
    public decimal Tax { get; init; }

    public decimal Subtotal => Rows.Sum(r => r.Amount);

    public decimal Total => Subtotal - Discount + Tax;
}

/// <summary>
/// Room for a field of the template's signer number <see cref="Signer"/> (1 for the first signer, in signing order): a
/// rule with the field's room above it, reported in <see cref="RenderedPdf.Fields"/> so the signer's field is placed on
/// it. <see cref="Kind"/> is one of <see cref="Kinds"/>: a signature, initials, the signer's full name, or the date the
/// signer signs. Lines in a row stand side by side while they fit on the line and are no taller than the first.
/// </summary>
public sealed record FieldLine(int Signer, string Kind) : DocumentBlock
{
    public const string Signature = "signature", Initials = "initials", Name = "name", DateSigned = "date_signed";

    /// <summary>The kinds a line can be drawn for, with the room each field takes in points.</summary>
    public static readonly IReadOnlyDictionary<string, (double Width, double Height)> Kinds = new Dictionary<string, (double, double)>(StringComparer.Ordinal)
    {
        [Signature] = (200, 50),
        [Initials] = (80, 40),
        [Name] = (200, 24),
        [DateSigned] = (120, 24),
    };

    public double Width => Kinds[Kind].Width;

    public double Height => Kinds[Kind].Height;
}

public sealed record PricingRow(string Description, decimal Quantity, decimal UnitPrice)
{
    public decimal Amount => Math.Round(Quantity * UnitPrice, 2, MidpointRounding.AwayFromZero);
}

/// <summary>
/// The rendered PDF with what callers need to place fields: page count, page sizes in points, and where each
/// <see cref="FieldLine"/> was drawn.
/// </summary>
public sealed record RenderedPdf(byte[] Bytes, IReadOnlyList<PageSize> Pages)
{
    public int PageCount => Pages.Count;

    public IReadOnlyList<FieldSpot> Fields { get; init; } = [];
}

/// <summary>Where a field line is: its signer, kind (<see cref="FieldLine.Kinds"/>), 1-based page and the field's box in points from the page's top-left corner.</summary>
public sealed record FieldSpot(int Signer, string Kind, int Page, double X, double Y, double Width, double Height);

/// <summary>A page's width and height in points (1/72 inch).</summary>
public readonly record struct PageSize(double Width, double Height);
