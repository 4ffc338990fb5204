using System.Net;
using System.Net.Http.Json;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

public sealed class SigningReceiptTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_signing_receipt_downloads_the_signed_pdf_and_a_changed_or_stale_receipt_gets_nothing(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend);
        var org = await app.SetUpOrganizationAsync("Acme Receipts", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Receipt test", SamplePdf("Receipt text"))).GetProperty("id").GetString()!;
        var first = await AddRecipientAsync(sender, id, "Eva First", "eva@example.test");
        var second = await AddRecipientAsync(sender, id, "Finn Second", "finn@example.test");
        await AddFieldAsync(sender, id, first, "signature", 100);
        await AddFieldAsync(sender, id, second, "signature", 200);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Please sign", expiresInDays = 7 });
        var signed = await SignAsync(app, LinkFor(app.DataDirectory, "eu", "eva@example.test"), new { typedName = "Eva First" });
        var receipt = signed.GetProperty("receipt").GetString()!;
        Assert.StartsWith(first + ".", receipt, StringComparison.Ordinal);

        using var anonymous = app.Web();
        using (var ok = await anonymous.PostAsJsonAsync("/api/v1/signing/receipt", new { receipt }))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            using var directory = new TempDirectory();
            var file = directory.Combine("signed.pdf");
            await File.WriteAllBytesAsync(file, await ok.Content.ReadAsByteArrayAsync());
            Assert.Equal(1, CountOf(Run("pdfsig", file).Output, "Signature is Valid.")); // Eva's; not sealed yet
        }

        var parts = receipt.Split('.', 3);
        var changedMac = parts[0] + "." + parts[1] + "." + parts[2][..^1] + (parts[2][^1] == 'a' ? 'b' : 'a');
        var laterExpiry = parts[0] + "." + (long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) + 3600) + "." + parts[2];
        var otherRecipient = second + "." + parts[1] + "." + parts[2];
        foreach (var bad in new[] { changedMac, laterExpiry, otherRecipient, "", "x.y.z", receipt + "." })
        {
            using var response = await anonymous.PostAsJsonAsync("/api/v1/signing/receipt", new { receipt = bad });
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        // Once the sender voids the document, the receipt downloads nothing.
        await PostOkAsync(sender, $"/api/v1/documents/{id}/void", new { reason = "Wrong version" });
        using var afterVoid = await anonymous.PostAsJsonAsync("/api/v1/signing/receipt", new { receipt });
        Assert.Equal(HttpStatusCode.NotFound, afterVoid.StatusCode);
    }
}
