using System.Globalization;
using Sigill.Contracts;
using Sigill.Pdf.Rendering;

namespace Sigill.Pdf;

/// <summary>
/// Renders the certificate of completion as a A4 helper PDF (one page, more when the audit trail is long), in the
/// certificate's language (<see cref="CompletionCertificate.Language"/>; English when none).
/// </summary>
internal static class CompletionCertificateRenderer
{
    public static byte[] Render(CompletionCertificate c)
    {
        var t = new CertificateWords(Languages.Culture(c.Language));
        using var document = PageWriter.NewDocument(compress: false);
        using (var w = new PageWriter(document, 595.28, 841.89, 42))
        {
            var title = PageWriter.Font(16, bold: true);
            var head = PageWriter.Font(11, bold: true);
            var body = PageWriter.Font(8.5);
            var small = PageWriter.Font(7.5);
            w.Text(t["Certificate.Title"], title, spacingAfter: 6);
            w.Text(t.Format("Certificate.Document", c.DocumentTitle), body, spacingAfter: 1);
            w.Text(t.Format("Certificate.DocumentId", c.DocumentId), body, spacingAfter: 1);
            w.Text(t.Format("Certificate.Completed", t.Time(c.CompletedAt)), body, spacingAfter: 8);

            w.Text(t["Certificate.Signers"], head, spacingAfter: 3);
            foreach (var s in c.Signers)
            {
                w.Text($"{s.Name} <{s.Email}>", PageWriter.Font(9, bold: true), spacingAfter: 0);
                w.Text(t.Format("Certificate.SignedFrom", t.Time(s.SignedAt), s.IpAddress, s.AuthenticationMethod), body, indent: 10, spacingAfter: 0);
                w.Text(t.Format("Certificate.UserAgent", s.UserAgent), small, indent: 10, spacingAfter: 0);
                w.Text(t.Format("Certificate.ViewedSha256", s.ViewedDocumentSha256), small, indent: 10, spacingAfter: 4);
            }

            if (c.Payment is { } pay)
            {
                w.Text(t["Certificate.Payment"], head, spacingAfter: 3);
                w.Text(pay.OutsideReason is null
                    ? t.Format("Certificate.PaidThrough", pay.Amount, t.Time(pay.PaidAt), pay.Processor) + (pay.Card is null ? "" : $" ({pay.Card})")
                    : t.Format("Certificate.PaidOutside", pay.Amount, t.Time(pay.PaidAt)), body, spacingAfter: 1);
                if (pay.Reference is not null) w.Text(t.Format("Certificate.PaymentReference", pay.Reference), small, spacingAfter: 1);
                if (pay.OutsideReason is not null) w.Text(t.Format("Certificate.OutsideReason", pay.OutsideReason), small, spacingAfter: 1);
                w.Space(6);
            }

            if (c.Hashes.Count > 0)
            {
                w.Text(t["Certificate.Hashes"], head, spacingAfter: 3);
                foreach (var h in c.Hashes) w.Text($"{t[h.Kind == DocumentHashKind.Original ? "Certificate.Hash.Original" : "Certificate.Hash.Signed"]}: {h.Sha256Hex}", small, spacingAfter: 1);
                w.Space(6);
            }

            if (c.Attachments.Count > 0)
            {
                w.Text(t["Certificate.Attachments"], head, spacingAfter: 3);
                foreach (var a in c.Attachments)
                {
                    // Sizes and hashes are evidence: invariant digits in every language.
                    w.Text(t.Format("Certificate.AttachmentLine", a.Field, a.FileName, a.Bytes.ToString(CultureInfo.InvariantCulture)), body, spacingAfter: 0);
                    w.Text(t.Format("Certificate.AttachmentSha256", a.Sha256Hex), small, indent: 10, spacingAfter: 2);
                }
                w.Space(6);
            }

            if (c.AuditEvents.Count > 0)
            {
                w.Text(t["Certificate.AuditTrail"], head, spacingAfter: 3);
                foreach (var e in c.AuditEvents)
                {
                    // The leaf index is an identifier: invariant digits in every language.
                    w.Text(t.Format("Certificate.AuditLine", t.Time(e.At), e.Description, e.LeafIndex.ToString(CultureInfo.InvariantCulture), e.CheckpointReference), small, spacingAfter: 1);
                }
                w.Space(6);
            }
            w.Text(t["Certificate.Footer"], small);
        }
        using var ms = new MemoryStream();
        document.Save(ms, closeStream: false);
        return ms.ToArray();
    }
}
