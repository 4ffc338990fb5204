using System.Buffers;
using System.IO.Compression;
using System.Runtime.InteropServices;
using Sigill.Pdf.Syntax.Filters;

namespace Sigill.Pdf.Syntax;

/// <summary>
/// Decodes stream data through its filters (ISO 32000-1 §7.4) in one of two ways, both drawing on the
/// document's <see cref="ReadBudget"/>:
/// <list type="bullet">
/// <item><see cref="Count"/> reads every decoded byte once through a fixed buffer and keeps nothing: how
/// Sigill learns what a page content stream, font or image costs without holding it.</item>
/// <item><see cref="Decode"/> keeps the result, for the streams Sigill must parse (object streams,
/// cross-reference streams, its own stamp content), never more than <see cref="MaxHeldBytes"/>.</item>
/// </list>
/// Every lossless filter is decoded as a stream and each stage's output is metered, so nested and
/// chained filters cannot multiply unseen. Image codecs are counted by the size they declare
/// (<see cref="ImageCodecs"/>). Anything else — an unknown filter, /Crypt, more than
/// <see cref="MaxFilters"/> filters — is refused rather than let through uncounted.
/// </summary>
internal static class StreamDecoder
{
    /// <summary>Most filters on one stream; real files use one or two.</summary>
    public const int MaxFilters = 4;

    /// <summary>
    /// Most bytes a stream Sigill parses may decode to: writers put ~100 objects in an object stream, and a
    /// cross-reference stream for <see cref="PdfFile.MaxObjects"/> objects needs under 6 MB.
    /// </summary>
    public const int MaxHeldBytes = 8 * 1024 * 1024;

    private static readonly Dictionary<string, string> Abbreviations = new(StringComparer.Ordinal)
    {
        ["AHx"] = "ASCIIHexDecode", ["A85"] = "ASCII85Decode", ["LZW"] = "LZWDecode", ["Fl"] = "FlateDecode",
        ["RL"] = "RunLengthDecode", ["CCF"] = "CCITTFaxDecode", ["DCT"] = "DCTDecode",
    };

    private static readonly HashSet<string> Lossless = new(StringComparer.Ordinal)
    {
        "FlateDecode", "LZWDecode", "ASCIIHexDecode", "ASCII85Decode", "RunLengthDecode",
    };

    internal readonly record struct Filter(string Name, PdfDict? Parms);

    /// <summary>The stream's filters in order, with their parameters; refuses what cannot be counted.</summary>
    public static List<Filter> FiltersOf(PdfDict dict, PdfFile? file)
    {
        var names = Resolve(file, dict.Get("Filter")) switch
        {
            null or PdfKeyword { Value: "null" } => [],
            PdfName n => [n],
            PdfArray a => a.Select(x => Resolve(file, x) as PdfName ?? throw new PdfFormatException("a /Filter entry is not a name")).ToList(),
            _ => throw new PdfFormatException("/Filter is neither a name nor an array"),
        };
        if (names.Count > MaxFilters)
        {
            throw PdfRejectedException.TooComplex($"A stream in the PDF has {names.Count} filters; at most {MaxFilters} are accepted.");
        }
        var parms = Resolve(file, dict.Get("DecodeParms"));
        var filters = new List<Filter>(names.Count);
        for (var i = 0; i < names.Count; i++)
        {
            var name = Abbreviations.GetValueOrDefault(names[i].Value, names[i].Value);
            var p = parms switch
            {
                PdfDict d when names.Count == 1 => d,
                PdfArray a when i < a.Count => Resolve(file, a[i]) as PdfDict,
                _ => null,
            };
            if (name == "Crypt")
            {
                throw new PdfRejectedException(PdfErrorCodes.Encrypted, "The PDF has encrypted streams (/Crypt); upload an unprotected copy.");
            }
            if (ImageCodecs.Names.Contains(name))
            {
                if (i != names.Count - 1) throw new PdfFormatException($"the image filter /{name} is not the last filter of its stream");
            }
            else if (!Lossless.Contains(name))
            {
                throw new PdfFormatException($"unsupported filter /{Truncate(name)}");
            }
            filters.Add(new Filter(name, p));
        }
        return filters;
    }

    /// <summary>
    /// Decodes the whole stream once, charging every stage's output, and keeps nothing. Damaged data ends
    /// the count where it stops decoding, as it would stop a viewer.
    /// </summary>
    public static void Count(PdfStream stream, PdfFile? file, ReadBudget budget)
    {
        var filters = FiltersOf(stream.Dict, file);
        var meter = budget.Stream();
        if (filters.Count == 0)
        {
            meter.Charge(stream.RawData.Length);
            return;
        }
        var codec = ImageCodecs.Names.Contains(filters[^1].Name) ? filters[^1] : (Filter?)null;
        var lossless = codec is null ? filters : filters.GetRange(0, filters.Count - 1);
        var scratch = ArrayPool<byte>.Shared.Rent(81920);
        var header = codec is null ? null : ArrayPool<byte>.Shared.Rent(ImageCodecs.HeaderWindow);
        try
        {
            var head = 0;
            using (var decoded = Open(stream, lossless, meter))
            {
                try
                {
                    int read;
                    while ((read = decoded.Read(scratch)) > 0)
                    {
                        // Keep the start for a codec's header; the rest is counted and dropped.
                        if (header is not null && head < header.Length)
                        {
                            var keep = Math.Min(read, header.Length - head);
                            scratch.AsSpan(0, keep).CopyTo(header.AsSpan(head));
                            head += keep;
                        }
                    }
                }
                catch (Exception e) when (e is InvalidDataException or PdfFormatException)
                {
                    // Damaged data: counted up to where it stops decoding, as a viewer would stop.
                    budget.Damaged();
                }
            }
            if (codec is { } c)
            {
                meter.ChargeImage(ImageCodecs.DeclaredBytes(c.Name, header.AsSpan(0, head), stream.Dict, c.Parms, file));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
            if (header is not null) ArrayPool<byte>.Shared.Return(header);
        }
    }

    /// <summary>
    /// Decodes a stream Sigill must parse, strictly, into a pooled buffer (at most <see cref="MaxHeldBytes"/>);
    /// the caller disposes it.
    /// </summary>
    public static HeldBytes Decode(PdfStream stream, PdfFile? file, ReadBudget budget)
    {
        var filters = FiltersOf(stream.Dict, file);
        if (filters.Count > 0 && ImageCodecs.Names.Contains(filters[^1].Name))
        {
            throw new PdfFormatException($"an image filter (/{filters[^1].Name}) on a stream that holds PDF syntax");
        }
        var output = new HeldBytes((int)Math.Min(MaxHeldBytes, Math.Max(4096L, stream.RawData.Length * 4L)));
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            using (var decoded = Open(stream, filters, budget.Stream()))
            {
                int read;
                while ((read = decoded.Read(buffer)) > 0)
                {
                    if (output.Length + read > MaxHeldBytes)
                    {
                        throw PdfRejectedException.TooComplex(
                            $"An object stream or cross-reference stream in the PDF decodes to more than {ReadBudget.Size(MaxHeldBytes)}.");
                    }
                    output.Append(buffer.AsSpan(0, read));
                }
            }
            return filters.Count > 0 && filters[^1].Parms is { } parms ? Predictors.Undo(output, parms) : output;
        }
        catch (InvalidDataException e)
        {
            output.Dispose();
            throw new PdfFormatException("stream data is damaged", e);
        }
        catch
        {
            output.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Opens a content stream (a page's, a form XObject's) to be read as it decodes, through a fixed buffer, every stage
    /// charged to the document's budget like <see cref="Count"/>: content streams may be far larger than
    /// <see cref="MaxHeldBytes"/>, and text extraction needs their bytes only once, in order. Predictors are not undone
    /// (they are for images and cross-reference streams; no writer puts them on content). Damaged data surfaces as an
    /// <see cref="InvalidDataException"/> or <see cref="PdfFormatException"/> from the returned stream's reads.
    /// </summary>
    public static Stream OpenContent(PdfStream stream, PdfFile? file, ReadBudget budget)
    {
        var filters = FiltersOf(stream.Dict, file);
        if (filters.Count > 0 && ImageCodecs.Names.Contains(filters[^1].Name))
        {
            throw new PdfFormatException($"an image filter (/{filters[^1].Name}) on a stream that holds PDF syntax");
        }
        var meter = budget.Stream();
        if (filters.Count == 0) meter.Charge(stream.RawData.Length);
        return Open(stream, filters, meter);
    }

    /// <summary>A pipeline of decoders over the raw data, each stage's output metered.</summary>
    private static Stream Open(PdfStream stream, List<Filter> filters, StreamMeter meter)
    {
        Stream current = MemoryMarshal.TryGetArray(stream.RawData, out var raw)
            ? new MemoryStream(raw.Array!, raw.Offset, raw.Count, writable: false)
            : new MemoryStream(stream.RawData.ToArray(), writable: false);
        foreach (var filter in filters)
        {
            current = filter.Name switch
            {
                "FlateDecode" => new ZLibStream(current, CompressionMode.Decompress),
                "LZWDecode" => new LzwDecodeStream(current, earlyChange: filter.Parms?.Get("EarlyChange") is not PdfNumber e || e.AsLong() != 0),
                "ASCIIHexDecode" => new AsciiHexDecodeStream(current),
                "ASCII85Decode" => new Ascii85DecodeStream(current),
                "RunLengthDecode" => new RunLengthDecodeStream(current),
                _ => throw new PdfFormatException($"unsupported filter /{Truncate(filter.Name)}"),
            };
            current = new MeteredStream(current, meter);
        }
        return current;
    }

    private static object? Resolve(PdfFile? file, object? value) => value switch
    {
        PdfRef when file is null => throw new PdfFormatException("an indirect filter in a cross-reference stream"),
        PdfRef => file!.Resolve(value),
        _ => value,
    };

    private static string Truncate(string s) => s.Length > 40 ? s[..40] : s;
}
