using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MimeKit;
using Sigill.Pdf.Images;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>
/// The organization's logo in the e-mails recipients get: uploaded as a PNG, kept as a PNG Sigill wrote from the decoded
/// pixels (nothing else of the upload), carried inside each message (no image fetched when it is opened), refused
/// clearly when it is not a PNG within bounds, and removable.
/// </summary>
public sealed class OrganizationLogoTests(SharedApps apps) : IClassFixture<SharedApps>
{
    [Fact]
    public async Task A_logo_travels_inside_the_invitation_as_sigills_own_png_of_its_pixels()
    {
        var app = await apps.For(Backend.Sqlite);
        var org = await app.SetUpOrganizationAsync("Acme Logo", "us");
        using var sender = app.Web(org.ApiToken);
        var upload = Png(120, 40, text: "secret-marker-in-a-text-chunk");
        var saved = await OkJsonAsync(await sender.PutAsJsonAsync("/api/v1/organizations/current/logo", new { png = Convert.ToBase64String(upload) }));
        Assert.True(saved.GetProperty("hasLogo").GetBoolean());

        var served = await sender.GetByteArrayAsync("/api/v1/organizations/current/logo");
        Assert.NotEqual(upload, served); // written again from the pixels
        Assert.DoesNotContain("secret-marker", System.Text.Encoding.Latin1.GetString(served), StringComparison.Ordinal);
        Assert.True(PngImage.Decode(upload).Rgba.SequenceEqual(PngImage.Decode(served).Rgba));

        var id = (await UploadOkAsync(sender, "Logo agreement", SamplePdf("logo"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(sender, id, "Lo Go", "lo.go@example.test");
        await EnsureSignerFieldsAsync(sender, id);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        var invitation = Outbox.To(app.DataDirectory, "us", "lo.go@example.test").Single();
        Assert.Contains("src=\"cid:logo@sigill\"", invitation.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("alt=\"Acme Logo\"", invitation.HtmlBody, StringComparison.Ordinal);
        var inline = invitation.BodyParts.OfType<MimePart>().Single(p => p.ContentId == "logo@sigill");
        using (var bytes = new MemoryStream())
        {
            await inline.Content!.DecodeToAsync(bytes);
            Assert.Equal(served, bytes.ToArray());
        }
        Assert.Empty(invitation.Attachments); // inline, not a file to download
        Assert.DoesNotContain("http", invitation.HtmlBody!.Split("<img")[1].Split('>')[0], StringComparison.Ordinal);

        // Removed: the next e-mail names the organization in text again.
        Assert.False((await OkJsonAsync(await sender.DeleteAsync("/api/v1/organizations/current/logo"))).GetProperty("hasLogo").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await sender.GetAsync("/api/v1/organizations/current/logo")).StatusCode);
    }

    [Fact]
    public async Task A_logo_that_is_not_a_png_within_bounds_is_refused_and_nothing_changes()
    {
        var app = await apps.For(Backend.Sqlite);
        var org = await app.SetUpOrganizationAsync("Acme Hostile Logo", "us");
        using var sender = app.Web(org.ApiToken);
        var good = Png(60, 20);
        Assert.True((await OkJsonAsync(await sender.PutAsJsonAsync("/api/v1/organizations/current/logo", new { png = Convert.ToBase64String(good) }))).GetProperty("hasLogo").GetBoolean());
        var before = await sender.GetByteArrayAsync("/api/v1/organizations/current/logo");

        var truncated = good[..(good.Length / 2)];
        var gif = "GIF89a"u8.ToArray().Concat(new byte[64]).ToArray();
        foreach (var (why, body) in new (string, object)[]
        {
            ("missing", new { }),
            ("not base64", new { png = "%%% not base64 %%%" }),
            ("a GIF", new { png = Convert.ToBase64String(gif) }),
            ("a truncated PNG", new { png = Convert.ToBase64String(truncated) }),
            ("too wide", new { png = Convert.ToBase64String(Png(1500, 10)) }),
            ("too tall", new { png = Convert.ToBase64String(Png(10, 700)) }),
            ("a decompression bomb", new { png = Convert.ToBase64String(Png(3000, 3000, zeros: true)) }),
        })
        {
            using var refused = await sender.PutAsJsonAsync("/api/v1/organizations/current/logo", body);
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{why}: {(int)refused.StatusCode}");
            Assert.True(await ProblemCodeAsync(refused) is "logo_invalid" or "validation_failed", why);
        }
        Assert.Equal(before, await sender.GetByteArrayAsync("/api/v1/organizations/current/logo"));
    }

    /// <summary>A grey PNG drawn in code; <paramref name="zeros"/> makes every pixel black, which compresses to almost nothing.</summary>
    private static byte[] Png(int width, int height, string? text = null, bool zeros = false) =>
        TestPng.Make(width, height, (x, y) => zeros ? ((byte)0, (byte)0, (byte)0) : ((byte)((x * 7 + y * 3) % 256), (byte)((x * 7 + y * 3) % 256), (byte)((x * 7 + y * 3) % 256)), text);
}
