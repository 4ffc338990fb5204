using Sigill.Pdf.Syntax;

namespace Sigill.Pdf.Inspection;

/// <summary>
/// Reads every object in the file once, before anything else looks at it: the objects the
/// cross-reference lists and every other "N G obj" in the bytes (earlier revisions, and orphans a viewer
/// that repairs a file would find), and the contents of every object stream among them. Each object is
/// judged by the <see cref="ActiveContentPolicy"/>; each stream is decoded against the document's
/// <see cref="ReadBudget"/> and dropped. Bytes that belong to no readable object are searched for the
/// policy's names, so nothing is hidden by being unreadable.
/// <para>
/// Objects the cross-reference lists must read cleanly (a damaged one is a format error); other
/// candidates are taken when they read and otherwise left to the byte search. Reading costs at most
/// <see cref="WorkFactor"/> times the file's size, so objects that overlap (a header inside another
/// object's string, many times over) cannot make the sweep quadratic.
/// </para>
/// </summary>
internal static class ObjectSweep
{
    private const int WorkFactor = 4;
    private const long WorkSlack = 1 << 20;

    public static void Run(PdfFile file)
    {
        var data = file.Data;
        var listed = new Dictionary<long, int>();
        var objectStreams = new HashSet<int>();
        foreach (var (number, entry) in file.Xref)
        {
            switch (entry.Kind)
            {
                case XrefKind.Offset when entry.Value < 0 || entry.Value >= data.Length:
                    throw new PdfFormatException($"object {number}'s offset is outside the file");
                case XrefKind.Offset:
                    listed.TryAdd(entry.Value, number);
                    break;
                case XrefKind.Compressed:
                    objectStreams.Add((int)entry.Value);
                    break;
            }
        }
        foreach (var stream in objectStreams)
        {
            // The standard keeps object streams themselves out of object streams, and every reader needs them listed.
            if (!file.Xref.TryGetValue(stream, out var entry) || entry.Kind != XrefKind.Offset)
            {
                throw new PdfFormatException($"object stream {stream} is not a stream the cross-reference lists");
            }
        }
        var listedOffsets = listed.Keys.ToArray();
        Array.Sort(listedOffsets);

        var workLimit = WorkFactor * (long)data.Length + WorkSlack;
        long work = 0;
        long coveredUntil = 0;
        var next = 0;
        foreach (var candidate in Candidates(data))
        {
            // Merge the listed offsets with the candidates found in the bytes, in file order.
            while (next < listedOffsets.Length && listedOffsets[next] <= candidate)
            {
                Visit(listedOffsets[next], strict: true);
                next++;
            }
            if (next == 0 || listedOffsets[next - 1] != candidate) Visit(candidate, strict: false);
        }
        while (next < listedOffsets.Length) Visit(listedOffsets[next++], strict: true);
        SearchBytes(data, coveredUntil, data.Length);

        void Visit(long offset, bool strict)
        {
            if (offset > coveredUntil) SearchBytes(data, coveredUntil, offset);
            var end = (int)offset;
            (PdfRef Ref, object Value) read;
            try
            {
                read = file.ReadIndirectAt(offset, out end);
            }
            catch (PdfFormatException) when (!strict)
            {
                // Not an object after all; its bytes are left to the search. What reading it cost still counts.
                Charge(offset, end);
                file.Budget.Damaged();
                return;
            }
            Charge(offset, end);
            coveredUntil = Math.Max(coveredUntil, end);
            var isListed = listed.TryGetValue(offset, out var listedNumber) && listedNumber == read.Ref.Number;
            Judge(file, read.Value, read.Ref.Number);
            if (read.Value is not PdfStream stream) return;
            var typed = stream.Dict.GetName("Type") == "ObjStm";
            if (typed || (isListed && objectStreams.Contains(read.Ref.Number)))
            {
                ReadObjectStream(file, stream, read.Ref.Number, strict: strict && isListed);
            }
            else
            {
                try
                {
                    StreamDecoder.Count(stream, file, file.Budget);
                }
                catch (PdfFormatException) when (!strict)
                {
                    // An unreadable candidate's filters: no viewer decodes it either.
                    file.Budget.Damaged();
                }
            }
        }

        void Charge(long offset, long end)
        {
            work += Math.Max(1, end - offset);
            if (work > workLimit)
            {
                throw PdfRejectedException.TooComplex($"The PDF's objects overlap so much that reading them costs more than {WorkFactor} times the file's size.");
            }
        }
    }

    private static void ReadObjectStream(PdfFile file, PdfStream stream, int number, bool strict)
    {
        ObjectStream os;
        try
        {
            os = ObjectStream.Parse(stream.Dict, file.Decode(stream), file.Budget);
        }
        catch (PdfFormatException) when (!strict)
        {
            // Not an object stream a viewer could use; its data still counts as a stream.
            file.Budget.Damaged();
            try
            {
                StreamDecoder.Count(stream, file, file.Budget);
            }
            catch (PdfFormatException)
            {
                file.Budget.Damaged();
            }
            return;
        }
        using var held = os;
        for (var i = 0; i < os.Count; i++)
        {
            object value;
            try
            {
                value = os.Read(i);
            }
            catch (PdfFormatException) when (!strict)
            {
                file.Budget.Damaged();
                continue;
            }
            Judge(file, value, os.NumberAt(i), number);
        }
    }

    private static void Judge(PdfFile file, object value, int number, int? inStream = null)
    {
        if (ActiveContentPolicy.Find(value, file) is { } found)
        {
            var where = inStream is { } s ? $"object {number} in object stream {s}" : $"object {number}";
            throw ActiveContent($"{found} in {where}");
        }
    }

    /// <summary>Offsets of every "N G obj" header in the bytes (the pattern repairing readers search for).</summary>
    private static IEnumerable<long> Candidates(byte[] data)
    {
        var at = 0;
        while (true)
        {
            var i = data.AsSpan(at).IndexOf("obj"u8);
            if (i < 0) yield break;
            var keyword = at + i;
            at = keyword + 3;
            if (at < data.Length && !PdfLexer.IsWhite(data[at]) && !PdfLexer.IsDelimiter(data[at])) continue;
            var p = keyword - 1;
            if (!SkipBack(data, ref p, white: true) || !SkipBack(data, ref p, white: false, maxDigits: 5) ||
                !SkipBack(data, ref p, white: true) || !SkipBack(data, ref p, white: false, maxDigits: 10))
            {
                continue;
            }
            if (p >= 0 && !PdfLexer.IsWhite(data[p]) && !PdfLexer.IsDelimiter(data[p])) continue;
            yield return p + 1;
        }
    }

    /// <summary>Steps back over white space, or over 1–<paramref name="maxDigits"/> digits; false if there were none.</summary>
    private static bool SkipBack(byte[] data, ref int p, bool white, int maxDigits = int.MaxValue)
    {
        var start = p;
        while (p >= 0 && start - p < (white ? 64 : maxDigits) && (white ? PdfLexer.IsWhite(data[p]) : data[p] is >= (byte)'0' and <= (byte)'9')) p--;
        if (!white && p >= 0 && data[p] is >= (byte)'0' and <= (byte)'9') return false;
        return p < start;
    }

    /// <summary>Searches bytes outside every readable object for the policy's names (with #xx escapes decoded).</summary>
    private static void SearchBytes(byte[] data, long from, long to)
    {
        var span = data.AsSpan((int)from, (int)(to - from));
        var at = 0;
        Span<char> name = stackalloc char[64];
        while (true)
        {
            var slash = span[at..].IndexOf((byte)'/');
            if (slash < 0) return;
            var p = at + slash + 1;
            var length = 0;
            while (p < span.Length && length < name.Length && !PdfLexer.IsWhite(span[p]) && !PdfLexer.IsDelimiter(span[p]))
            {
                var c = span[p++];
                if (c == '#' && p + 1 < span.Length && Uri.IsHexDigit((char)span[p]) && Uri.IsHexDigit((char)span[p + 1]))
                {
                    c = (byte)((PdfString.HexValue(span[p]) << 4) | PdfString.HexValue(span[p + 1]));
                    p += 2;
                }
                name[length++] = (char)c;
            }
            at = p;
            if (length > 0 && ActiveContentPolicy.RefusedNames.Contains(new string(name[..length])))
            {
                throw ActiveContent($"{ActiveContentPolicy.DescribeName(new string(name[..length]))} outside any readable object");
            }
        }
    }

    private static PdfRejectedException ActiveContent(string what) =>
        new(PdfErrorCodes.ActiveContent, $"The PDF contains active content, which is not accepted: {what}.");
}
