using System.Globalization;
using Sigill.Pdf.Rendering;

namespace Sigill.Pdf;

/// <summary>
/// The human-readable summary of a compliance evidence bundle (docs/compliance.md): one section per criterion with its
/// evidence items or the reason it has none. Installation-wide: the caller passes counts, ids and hashes only.
/// </summary>
public sealed record EvidenceSummary
{
    public required string Title { get; init; }

    public required DateTimeOffset From { get; init; }

    public required DateTimeOffset To { get; init; }

    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary>Free lines under the title (installation, regions, signer key).</summary>
    public IReadOnlyList<string> Facts { get; init; } = [];

    public IReadOnlyList<EvidenceSummaryCriterion> Criteria { get; init; } = [];

    /// <summary>Renders the summary as an A4 PDF with the same page writer as the certificate of completion.</summary>
    public byte[] ToPdf() => EvidenceSummaryRenderer.Render(this);
}

/// <summary>A criterion: its id (CC6.1), title, and either items or the reason there are none.</summary>
public sealed record EvidenceSummaryCriterion(string Id, string Title, IReadOnlyList<EvidenceSummaryItem> Items, string? Reason);

/// <summary>One evidence item: what it shows, where (the bundle path) and its SHA-256.</summary>
public sealed record EvidenceSummaryItem(string Shows, string File, string Sha256Hex);

internal static class EvidenceSummaryRenderer
{
    public static byte[] Render(EvidenceSummary s)
    {
        using var document = PageWriter.NewDocument(compress: true);
        using (var w = new PageWriter(document, 595.28, 841.89, 42))
        {
            var title = PageWriter.Font(16, bold: true);
            var head = PageWriter.Font(11, bold: true);
            var body = PageWriter.Font(8.5);
            var small = PageWriter.Font(7);
            w.Text(s.Title, title, spacingAfter: 6);
            w.Text($"Period: {Time(s.From)} to {Time(s.To)}", body, spacingAfter: 1);
            w.Text($"Generated: {Time(s.GeneratedAt)}", body, spacingAfter: 1);
            foreach (var fact in s.Facts)
            {
                w.Text(fact, body, spacingAfter: 1);
            }
            w.Space(8);
            foreach (var c in s.Criteria)
            {
                w.Text($"{c.Id}  {c.Title}", head, spacingAfter: 2);
                if (c.Items.Count == 0)
                {
                    w.Text($"No evidence: {c.Reason}", body, indent: 10, spacingAfter: 6);
                    continue;
                }
                foreach (var item in c.Items)
                {
                    w.Text(item.Shows, body, indent: 10, spacingAfter: 0);
                    w.Text($"{item.File}  SHA-256 {item.Sha256Hex}", small, indent: 10, spacingAfter: 3);
                }
                if (c.Reason is not null)
                {
                    w.Text(c.Reason, small, indent: 10, spacingAfter: 3);
                }
                w.Space(4);
            }
            w.Text("Every file of the bundle is listed with its SHA-256 in manifest.txt, a C2SP signed note; the manifest's hash is "
                + "anchored in each region's audit log. Check it all with `sigill compliance verify DIR --key <verifier key>`.", small);
        }
        using var ms = new MemoryStream();
        document.Save(ms, closeStream: false);
        return ms.ToArray();
    }

    private static string Time(DateTimeOffset t) =>
        t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
