using Sigill.Pdf.Syntax;

namespace Sigill.Pdf.LongTerm;

/// <summary>
/// Whether what a file holds after its last signature only adds validation data, as PAdES allows (ETSI EN 319 142-1:
/// a DSS may follow the last document timestamp, holding that timestamp's own certificates and revocation data; a
/// later renewal covers it). Such an update may define new objects reachable from the DSS, redefine the objects of
/// the signed DSS, and redefine the catalog so that it equals the signed one but for <c>/DSS</c> and
/// <c>/Extensions</c>; so no page, form, annotation or action can change. Nothing signed may refer to a new object's
/// number (a dangling reference the update would fill in). Anything more, or anything unreadable, is "no".
/// </summary>
internal static class TrailingRevisions
{
    private static readonly HashSet<string> ValidationKeys = new(StringComparer.Ordinal) { "DSS", "Extensions" };

    public static bool OnlyAddValidationData(byte[] pdf, long signedEnd)
    {
        if (signedEnd <= 0 || signedEnd >= pdf.Length) return false;
        try
        {
            var signed = PdfFile.Open(pdf[..(int)signedEnd]);
            var now = PdfFile.Open(pdf);
            // The tail is whole revisions (the newest cross-reference section is in it, and it ends at %%EOF), not bytes
            // stuck on after the signature, and it changes the DSS.
            if (now.StartXref < signedEnd || !EndsWithEof(pdf)) return false;
            if (now.Trailer.ContainsKey("Encrypt") || !now.RootRef.Equals(signed.RootRef)) return false;
            if (!now.Catalog.TryGetValue("DSS", out _)) return false;
            var signedDss = Reachable(signed, [signed.Catalog.Get("DSS")]); // a writer may also update the DSS in place
            var added = new List<int>();
            foreach (var (number, entry) in now.Xref)
            {
                var before = signed.Xref.TryGetValue(number, out var e) ? e : (XrefEntry?)null;
                if (before == entry) continue;
                if (before is not { Kind: not XrefKind.Free })
                {
                    if (entry.Kind != XrefKind.Free) added.Add(number);
                    continue;
                }
                if (entry.Kind == XrefKind.Free || (number != signed.RootRef.Number && !signedDss.Contains(number))) return false; // something signed changed or went
            }
            if (!SameExcept(signed.Catalog, now.Catalog)) return false;
            // A new object must be reachable only from the DSS (or be an xref or object stream), and nothing signed may
            // point at its number: a signed reference to an object that did not exist yet would let the update fill it in.
            var fromDss = Reachable(now, [now.Catalog.Get("DSS")]);
            if (!added.All(n => fromDss.Contains(n) || IsCrossReferencePlumbing(now.GetObject(n)))) return false;
            var referencedBySigned = Reachable(signed, signed.Xref.Where(x => x.Value.Kind != XrefKind.Free).Select(x => (object?)new PdfRef(x.Key, x.Value.Generation)));
            return !added.Any(referencedBySigned.Contains);
        }
        catch (Exception e) when (e is PdfFormatException or PdfRejectedException or InvalidCastException or KeyNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// The object numbers <paramref name="starts"/> refer to, transitively (bounded by the file's object limit); a
    /// reference counts even when it resolves to nothing (a dangling one).
    /// </summary>
    private static HashSet<int> Reachable(PdfFile file, IEnumerable<object?> starts)
    {
        var seen = new HashSet<int>();
        var stack = new Stack<object?>(starts);
        while (stack.Count > 0)
        {
            switch (stack.Pop())
            {
                case PdfRef r:
                    if (seen.Add(r.Number) && seen.Count <= PdfFile.MaxObjects) stack.Push(file.GetObject(r.Number));
                    break;
                case PdfDict d:
                    foreach (var v in d.Values) stack.Push(v);
                    break;
                case PdfArray a:
                    foreach (var v in a) stack.Push(v);
                    break;
                case PdfStream st:
                    stack.Push(st.Dict);
                    break;
            }
        }
        return seen;
    }

    private static bool EndsWithEof(byte[] pdf)
    {
        var end = pdf.AsSpan().TrimEnd("\r\n \t\0"u8);
        return end.EndsWith("%%EOF"u8);
    }

    private static bool IsCrossReferencePlumbing(object? value) => value is PdfStream { Dict: var d } && d.GetName("Type") is "XRef" or "ObjStm";

    private static bool SameExcept(PdfDict a, PdfDict b)
    {
        var keys = a.Keys.Concat(b.Keys).Where(k => !ValidationKeys.Contains(k)).Distinct(StringComparer.Ordinal);
        return keys.All(k => a.TryGetValue(k, out var x) && b.TryGetValue(k, out var y) && Same(x, y, 0));
    }

    /// <summary>Structural equality of direct values (references compare by number, not by what they point at).</summary>
    private static bool Same(object? a, object? b, int depth) => depth < 32 && (a, b) switch
    {
        (null, null) => true,
        (PdfDict x, PdfDict y) => x.Count == y.Count && x.All(kv => y.TryGetValue(kv.Key, out var v) && Same(kv.Value, v, depth + 1)),
        (PdfArray x, PdfArray y) => x.Count == y.Count && x.Zip(y).All(p => Same(p.First, p.Second, depth + 1)),
        (PdfNumber x, PdfNumber y) => x.Raw == y.Raw || x.AsDouble() == y.AsDouble(),
        (PdfString x, PdfString y) => x.Decode().AsSpan().SequenceEqual(y.Decode()),
        (PdfStream, _) or (_, PdfStream) => false,
        _ => Equals(a, b),
    };
}
