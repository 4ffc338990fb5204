using System.Net;
using System.Text;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>
/// Completion e-mails (issue 16): a sealed PDF over <c>Documents:MaxAttachmentBytes</c> travels as a download link
/// instead of an attachment, and the typed signature in it is drawn in the handwriting face shipped in the repo.
/// </summary>
public sealed class DeliverySizeTests
{
    [Fact]
    public async Task A_sealed_pdf_over_the_attachment_limit_is_e_mailed_as_a_working_link_and_carries_the_handwriting_face()
    {
        await using var app = await SigillApp.StartAsync("""{ "Documents": { "MaxAttachmentBytes": 1000 } }""");
        var org = await app.SetUpOrganizationAsync("Size AB", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Too large to attach", SamplePdf("Too large to attach"))).GetProperty("id").GetString()!;
        var signer = await AddRecipientAsync(sender, id, "Noor Size", "noor.size@example.com");
        await AddFieldAsync(sender, id, signer, "signature", 100);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        await SignAsync(app, LinkFor(app.DataDirectory, "eu", "noor.size@example.com"), new { typedName = "Noor Size" });

        var completed = await Outbox.WaitForAsync(app.DataDirectory, "eu", "noor.size@example.com", "Completed:");
        Assert.Null(Outbox.PdfAttachment(completed)); // the sealed PDF is far over 1,000 bytes
        var link = EverydaySendingTests.DeliveryLinkPattern().Match(completed.TextBody ?? "").Groups[1].Value;
        Assert.NotEmpty(link);
        using var download = await app.Web().GetAsync($"/d/{link}");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        var pdf = await download.Content.ReadAsByteArrayAsync();
        Assert.StartsWith("%PDF-", Encoding.ASCII.GetString(pdf, 0, 5));
        // The typed name's face, embedded as a subset: poppler's pdffonts lists the fonts of every revision.
        var file = Path.Combine(Path.GetTempPath(), $"sigill-delivered-{Guid.NewGuid():N}.pdf");
        try
        {
            await File.WriteAllBytesAsync(file, pdf);
            var (exitCode, fonts) = Run("pdffonts", file);
            Assert.True(exitCode == 0, fonts);
            Assert.True(System.Text.RegularExpressions.Regex.IsMatch(fonts, @"[A-Z]{6}\+Dancing Script"), fonts);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
