using System.Globalization;

namespace Sigill.Pdf.Syntax;

/// <summary>
/// The work one document may cost to read, shared by everything that reads it, so no mix of filters,
/// streams, objects outside the cross-reference or overlapping objects can make a small file expensive
/// (Flate expands about 1000:1, LZW about 2500:1, and chained filters multiply).
/// <para>
/// Decoded bytes, with three limits from <see cref="PdfLimits"/>: per stream (the output of every filter
/// stage of that stream added up, or the declared size of an image a codec would draw), for the whole
/// document, and relative to the file's size. The document's allowance is
/// <c>min(MaxDecodedBytes, max(MaxStreamDecodedBytes, MaxDecodeRatio × file length))</c>. Image codecs count
/// against the per-stream limit only: Sigill never runs them, and a viewer decodes one image at a time.
/// </para>
/// <para>
/// Parsed values (every number, name, string, array and dictionary read by the lexer), at most
/// <see cref="MaxValues"/>: parsing costs time and memory per value, and object streams can hold many
/// values in few bytes. Streams, at most <see cref="MaxStreams"/>, and damage that reading tolerates, at
/// most <see cref="MaxDamaged"/>: each costs a fixed amount of work, however few bytes it takes.
/// </para>
/// </summary>
internal sealed class ReadBudget
{
    /// <summary>Most values parsed for one document; a 2000-page tagged document holds a few million.</summary>
    public const long MaxValues = 4_000_000;

    /// <summary>Most streams decoded for one document: each costs a decoder's set-up, however small it is.</summary>
    public const int MaxStreams = 50_000;

    /// <summary>Most damaged objects and streams tolerated where they can be (each costs an exception, tens of microseconds).</summary>
    public const int MaxDamaged = 1000;

    private readonly PdfLimits _limits;
    private readonly long _fileLength;
    private long _values;
    private int _streams;
    private int _damaged;

    public ReadBudget(PdfLimits limits, long fileLength)
    {
        _limits = limits;
        _fileLength = fileLength;
        var ratio = Math.Max(1, limits.MaxDecodeRatio);
        var byRatio = fileLength > long.MaxValue / ratio ? long.MaxValue : fileLength * ratio;
        Allowance = Math.Min(limits.MaxDecodedBytes, Math.Max(limits.MaxStreamDecodedBytes, byRatio));
    }

    /// <summary>Bytes decoded so far, for the whole document.</summary>
    public long Used { get; private set; }

    /// <summary>Bytes the whole document may decode to.</summary>
    public long Allowance { get; }

    /// <summary>A meter for one stream; every stage of the stream charges it.</summary>
    public StreamMeter Stream()
    {
        if (++_streams > MaxStreams) throw PdfRejectedException.TooComplex($"The PDF has more than {MaxStreams} streams.");
        return new(this);
    }

    /// <summary>
    /// Counts something damaged that reading tolerates (an unreadable object header found in the bytes,
    /// stream data that stops decoding): a file with more than <see cref="MaxDamaged"/> is malformed.
    /// </summary>
    public void Damaged()
    {
        if (++_damaged > MaxDamaged) throw new PdfFormatException($"more than {MaxDamaged} objects or streams are damaged");
    }

    /// <summary>Counts one parsed value.</summary>
    public void ChargeValue()
    {
        if (++_values > MaxValues)
        {
            throw PdfRejectedException.TooComplex($"The PDF's objects hold more than {MaxValues} values.");
        }
    }

    internal void Charge(StreamMeter meter, long bytes, bool countsForDocument)
    {
        meter.Used = meter.Used > long.MaxValue - bytes ? long.MaxValue : meter.Used + bytes;
        if (meter.Used > _limits.MaxStreamDecodedBytes)
        {
            throw PdfRejectedException.TooComplex($"A stream in the PDF decodes to more than {Size(_limits.MaxStreamDecodedBytes)}, the limit for one stream.");
        }
        if (!countsForDocument) return;
        Used += bytes;
        if (Used <= Allowance) return;
        throw PdfRejectedException.TooComplex(Allowance == _limits.MaxDecodedBytes
            ? $"The PDF's streams decode to more than {Size(Allowance)}, the limit for one document."
            : $"The PDF's streams decode to more than {Size(Allowance)}: at most {_limits.MaxDecodeRatio} times the file's size ({Size(_fileLength)}) is allowed.");
    }

    /// <summary>"64 MiB" when exact, otherwise MiB with one decimal, or bytes.</summary>
    internal static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => (bytes >> 30).ToString(CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => (bytes >> 20).ToString(CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 20 => (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " bytes",
    };
}

/// <summary>What one stream has decoded to so far.</summary>
internal sealed class StreamMeter(ReadBudget budget)
{
    public long Used { get; set; }

    /// <summary>Counts decoded bytes against the stream's limit and the document's.</summary>
    public void Charge(long bytes) => budget.Charge(this, bytes, countsForDocument: true);

    /// <summary>Counts an image a codec would draw against the stream's limit only (Sigill does not decode it).</summary>
    public void ChargeImage(long bytes) => budget.Charge(this, bytes, countsForDocument: false);
}
