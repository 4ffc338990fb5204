using System.Globalization;
using Sigill.Pdf.Rendering;

namespace Sigill.Pdf;

/// <summary>Renders the certificate of completion as a A4 helper PDF (one page, more when the audit trail is long).</summary>
internal static class CompletionCertificateRenderer
{
    public static byte[] Render(CompletionCertificate c)
    {
        using var document = PageWriter.NewDocument(compress: false);
        using (var w = new PageWriter(document, 595.28, 841.89, 42))
        {
            var title = PageWriter.Font(16, bold: true);
            var head = PageWriter.Font(11, bold: true);
            var body = PageWriter.Font(8.5);
            var small = PageWriter.Font(7.5);
            w.Text("Certificate of Completion", title, spacingAfter: 6);
            w.Text($"Document: {c.DocumentTitle}", body, spacingAfter: 1);
            w.Text($"Document ID: {c.DocumentId}", body, spacingAfter: 1);
            w.Text($"Completed: {Time(c.CompletedAt)}", body, spacingAfter: 8);

            w.Text("Signers", head, spacingAfter: 3);
            foreach (var s in c.Signers)
            {
                w.Text($"{s.Name} <{s.Email}>", PageWriter.Font(9, bold: true), spacingAfter: 0);
                w.Text($"Signed {Time(s.SignedAt)} from {s.IpAddress}; authenticated by {s.AuthenticationMethod}", body, indent: 10, spacingAfter: 0);
                w.Text($"User agent: {s.UserAgent}", small, indent: 10, spacingAfter: 0);
                w.Text($"SHA-256 of the document viewed: {s.ViewedDocumentSha256}", small, indent: 10, spacingAfter: 4);
            }

            if (c.Payment is { } pay)
            {
                w.Text("Payment", head, spacingAfter: 3);
                w.Text(pay.OutsideReason is null
                    ? $"{pay.Amount} paid {Time(pay.PaidAt)} through {pay.Processor}" + (pay.Card is null ? "" : $" ({pay.Card})")
                    : $"{pay.Amount} recorded as paid outside Sigill {Time(pay.PaidAt)}", body, spacingAfter: 1);
                if (pay.Reference is not null) w.Text($"Payment reference: {pay.Reference}", small, spacingAfter: 1);
                if (pay.OutsideReason is not null) w.Text($"Reason given by the sender: {pay.OutsideReason}", small, spacingAfter: 1);
                w.Space(6);
            }

            if (c.Hashes.Count > 0)
            {
                w.Text("Document hashes (SHA-256)", head, spacingAfter: 3);
                foreach (var h in c.Hashes) w.Text($"{h.Label}: {h.Sha256Hex}", small, spacingAfter: 1);
                w.Space(6);
            }

            if (c.AuditEvents.Count > 0)
            {
                w.Text("Audit trail", head, spacingAfter: 3);
                foreach (var e in c.AuditEvents)
                {
                    w.Text($"{Time(e.At)}  {e.Description}  (leaf {e.LeafIndex.ToString(CultureInfo.InvariantCulture)}, checkpoint {e.CheckpointReference})", small, spacingAfter: 1);
                }
                w.Space(6);
            }
            w.Text("This page was appended after the last signature and the whole file, including this page, is sealed "
                + "by the final signature. Verify with any PAdES validator, poppler's pdfsig, or `sigill pdf verify`.", small);
        }
        using var ms = new MemoryStream();
        document.Save(ms, closeStream: false);
        return ms.ToArray();
    }

    private static string Time(DateTimeOffset t) =>
        t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
