using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Pdf;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>
/// Signer attachments (ADR 0018, docs/fields.md "Attachments") through the public API on both backends: uploads are judged
/// by their bytes (type allow-list, 10 MiB while streaming, the strict image checks, the hostile-PDF policy), only the field's
/// own recipient may upload while the link is live, refusals store nothing, a new upload replaces (and deletes) the old one,
/// hidden fields take no file, and the certificate of completion lists each file's SHA-256, which matches the bytes the
/// sender downloads beside the sealed PDF. Erasing the document deletes the attachment objects.
/// </summary>
public sealed class AttachmentTests(SharedApps apps) : IClassFixture<SharedApps>
{
    private static object Field(string recipientId, string kind, double y, object? settings = null, string? label = null, bool? required = null) =>
        new { recipientId, kind, page = 1, x = 60, y, width = 260, height = 24, label, required, settings };

    private static async Task<string> PlaceAsync(HttpClient sender, string documentId, object field) =>
        (await PostOkAsync(sender, $"/api/v1/documents/{documentId}/fields", field)).GetProperty("id").GetString()!;

    internal static async Task<HttpResponseMessage> AttachAsync(HttpClient client, string link, string fieldId, byte[] bytes, string fileName,
        string declared = "application/pdf", object? values = null)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(declared);
        form.Add(file, "file", fileName);
        if (values is not null) form.Add(JsonContent.Create(values), "values");
        return await client.PostAsync($"/api/v1/signing/{link}/fields/{fieldId}/attachment", form);
    }

    /// <summary>A 1×1 grey baseline JPEG written byte by byte: quantization table, frame, two one-code Huffman tables, one scan.</summary>
    internal static byte[] TinyJpeg(byte[]? trailer = null)
    {
        var jpeg = new List<byte> { 0xFF, 0xD8 };
        jpeg.AddRange([0xFF, 0xDB, 0x00, 0x43, 0x00, .. Enumerable.Repeat((byte)1, 64)]);
        jpeg.AddRange([0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00]);
        jpeg.AddRange([0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01, .. new byte[15], 0x00]);
        jpeg.AddRange([0xFF, 0xC4, 0x00, 0x14, 0x10, 0x01, .. new byte[15], 0x00]);
        jpeg.AddRange([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x3F, 0xFF, 0xD9]);
        jpeg.AddRange(trailer ?? []);
        return [.. jpeg];
    }

    /// <summary>A small PNG whose header claims <paramref name="width"/>×<paramref name="height"/> pixels: a decompression bomb's shape.</summary>
    internal static byte[] ClaimingPng(int width, int height)
    {
        var png = TestPng.Make(2, 2, (_, _) => (0, 0, 0));
        var copy = png.ToArray();
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(16), width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(20), height);
        var crc = Crc(copy.AsSpan(12, 17)); // "IHDR" and its 13 bytes
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(29), crc);
        return copy;
    }

    private static uint Crc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return crc ^ 0xFFFFFFFFu;
    }

    private static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static async Task<int> StoredAttachmentsAsync(SigillApp app, string organizationId)
    {
        var count = 0;
        await foreach (var _ in app.Cells.Get("eu").Blobs.ListAsync($"{organizationId}/field.attachment/", CancellationToken.None)) count++;
        return count;
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Uploads_are_judged_by_their_bytes_replaced_until_signing_and_bound_to_the_sealed_pdf_by_their_sha256(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Attachments", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Rental application", SamplePdf("rental application"))).GetProperty("id").GetString()!;
        var ada = await AddRecipientAsync(sender, id, "Ada Lovelace", "ada.attach@example.test");
        var bo = await AddRecipientAsync(sender, id, "Bo Landlord", "bo.attach@example.test");
        await AddFieldAsync(sender, id, ada, "signature", 40);
        var idCopy = await PlaceAsync(sender, id, Field(ada, "attachment", 90, label: "ID copy"));
        var company = await PlaceAsync(sender, id, Field(ada, "checkbox", 130, label: "Company tenant", required: false));
        var register = await PlaceAsync(sender, id, Field(ada, "attachment", 170, new { condition = new { field = company, equals = "true" } }, "Company register extract"));
        var note = await PlaceAsync(sender, id, Field(ada, "text", 210, label: "Note", required: false));
        var boFile = await PlaceAsync(sender, id, Field(bo, "attachment", 250, label: "Landlord's insurance"));
        await AddFieldAsync(sender, id, bo, "signature", 300);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        var link = LinkFor(app.DataDirectory, "eu", "ada.attach@example.test");
        using var recipient = app.Web();

        var idPdf = SamplePdf("Ada's passport copy");
        using (var early = await AttachAsync(recipient, link, idCopy, idPdf, "passport.pdf"))
        {
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode); // consent comes first
            Assert.Equal("signing_consent_required", await ProblemCodeAsync(early));
        }
        (await recipient.GetAsync($"/api/v1/signing/{link}/document.pdf")).Dispose();
        (await recipient.PostAsJsonAsync($"/api/v1/signing/{link}/consent", new { accept = true })).Dispose();

        var exe = new byte[4096];
        "MZ"u8.CopyTo(exe);
        var svg = Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script><rect width=\"9\" height=\"9\"/></svg>");
        var pngThenPdf = (byte[])[.. SigningFlowTests.TinyPng(), .. idPdf]; // a polyglot: a PNG with a PDF after its end
        var jpegThenZip = TinyJpeg([.. "PK\u0003\u0004"u8, .. new byte[64]]);
        var tooLarge = new byte[10 * 1024 * 1024 + 1];
        "%PDF-1.7\n"u8.CopyTo(tooLarge);
        var activePdf = MinimalPdf("<</Type/Catalog/Pages 2 0 R/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>", "<</Type/Pages/Kids[3 0 R]/Count 1>>",
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>");
        var cases = new (byte[] Bytes, string Name, string Declared, HttpStatusCode Status, string Code)[]
        {
            (exe, "passport.pdf", "application/pdf", HttpStatusCode.UnsupportedMediaType, "attachment_type_refused"),
            (svg, "photo.png", "image/png", HttpStatusCode.UnsupportedMediaType, "attachment_type_refused"),
            ("GIF89a"u8.ToArray(), "photo.jpg", "image/jpeg", HttpStatusCode.UnsupportedMediaType, "attachment_type_refused"),
            (pngThenPdf, "photo.png", "image/png", HttpStatusCode.BadRequest, "attachment_invalid"),
            (jpegThenZip, "photo.jpg", "image/jpeg", HttpStatusCode.BadRequest, "attachment_invalid"),
            (ClaimingPng(100_000, 100_000), "bomb.png", "image/png", HttpStatusCode.BadRequest, "attachment_invalid"),
            (ClaimingPng(4000, 4000), "big.png", "image/png", HttpStatusCode.BadRequest, "attachment_invalid"), // 64 MiB decoded, over 16
            (tooLarge, "large.pdf", "application/pdf", HttpStatusCode.RequestEntityTooLarge, "attachment_too_large"),
            (activePdf, "form.pdf", "application/pdf", HttpStatusCode.BadRequest, "pdf_active_content"),
        };
        foreach (var (bytes, name, declared, status, code) in cases)
        {
            using var refused = await AttachAsync(recipient, link, idCopy, bytes, name, declared);
            Assert.True(refused.StatusCode == status, $"{name} ({code}): {(int)refused.StatusCode} {await refused.Content.ReadAsStringAsync()}");
            Assert.Equal(code, await ProblemCodeAsync(refused));
        }
        using (var theirs = await AttachAsync(recipient, link, boFile, idPdf, "passport.pdf"))
        {
            Assert.Equal("field_not_yours", await ProblemCodeAsync(theirs)); // another signer's field
        }
        using (var notAFile = await AttachAsync(recipient, link, note, idPdf, "passport.pdf"))
        {
            Assert.Equal("field_value_invalid", await ProblemCodeAsync(notAFile)); // a text field takes no file
        }
        using (var hidden = await AttachAsync(recipient, link, register, idPdf, "register.pdf"))
        {
            Assert.Equal("field_hidden", await ProblemCodeAsync(hidden)); // shown only while "Company tenant" is ticked
        }
        using (var noValue = await recipient.PostAsJsonAsync($"/api/v1/signing/{link}/sign", new { typedName = "Ada Lovelace" }))
        {
            Assert.Equal("signing_fields_missing", await ProblemCodeAsync(noValue)); // the ID copy is required
        }
        Assert.Equal(0, await StoredAttachmentsAsync(app, org.OrganizationId)); // nothing of the refusals was stored
        await using (var db = app.Cells.Get("eu").CreateDbContext())
        {
            Assert.False(await db.DocumentFields.AnyAsync(f => f.DocumentId == id && f.AttachmentObjectId != null));
        }

        // A photo first, then the PDF replaces it: one object kept, the photo's deleted.
        var photo = TinyJpeg();
        var first = await OkJsonAsync(await AttachAsync(recipient, link, idCopy, photo, "C:\\fakepath\\passport photo.jpeg", "application/octet-stream"));
        Assert.Equal("image/jpeg", first.GetProperty("contentType").GetString());
        Assert.Equal("passport photo.jpeg", first.GetProperty("fileName").GetString());
        Assert.Equal(1, await StoredAttachmentsAsync(app, org.OrganizationId));
        var kept = await OkJsonAsync(await AttachAsync(recipient, link, idCopy, idPdf, "pass\u202Eport.exe", "image/png"));
        Assert.Equal("application/pdf", kept.GetProperty("contentType").GetString()); // the bytes decide, not the declared type
        Assert.Equal("passport.exe.pdf", kept.GetProperty("fileName").GetString());    // the override character gone, the real extension added
        Assert.Equal(Sha256(idPdf), kept.GetProperty("sha256").GetString());
        Assert.Equal(idPdf.Length, kept.GetProperty("bytes").GetInt64());
        Assert.Equal(1, await StoredAttachmentsAsync(app, org.OrganizationId));
        var offered = await recipient.GetFromJsonAsync<JsonElement>($"/api/v1/signing/{link}");
        Assert.Equal("passport.exe.pdf", offered.GetProperty("fields").EnumerateArray().Single(f => f.GetProperty("id").GetString() == idCopy)
            .GetProperty("attachment").GetProperty("fileName").GetString());

        // The register extract while the box is ticked (the values sent with it); then Ada signs without ticking it: hidden, so not kept.
        var extract = SigningFlowTests.TinyPng();
        await OkJsonAsync(await AttachAsync(recipient, link, register, extract, "register.png", "image/png", new Dictionary<string, string> { [company] = "true" }));
        Assert.Equal(2, await StoredAttachmentsAsync(app, org.OrganizationId));
        using (var valued = await recipient.PostAsJsonAsync($"/api/v1/signing/{link}/sign", new { typedName = "Ada Lovelace", fields = new[] { new { id = idCopy, value = "x.pdf" } } }))
        {
            Assert.Equal("field_value_invalid", await ProblemCodeAsync(valued)); // a file is uploaded, never sent as a value
        }
        await PostOkAsync(recipient, $"/api/v1/signing/{link}/sign", new { typedName = "Ada Lovelace" });
        Assert.Equal(1, await StoredAttachmentsAsync(app, org.OrganizationId));
        using (var after = await AttachAsync(recipient, link, idCopy, photo, "late.jpg", "image/jpeg"))
        {
            Assert.Equal(HttpStatusCode.NotFound, after.StatusCode); // signed: the link shows nothing and takes nothing
        }

        // Bo attaches his file and signs: the document completes.
        var boLink = LinkFor(app.DataDirectory, "eu", "bo.attach@example.test");
        using var boClient = app.Web();
        (await boClient.GetAsync($"/api/v1/signing/{boLink}/document.pdf")).Dispose();
        (await boClient.PostAsJsonAsync($"/api/v1/signing/{boLink}/consent", new { accept = true })).Dispose();
        using (var notBos = await AttachAsync(boClient, boLink, idCopy, photo, "mine.jpg", "image/jpeg"))
        {
            Assert.Equal("field_not_yours", await ProblemCodeAsync(notBos));
        }
        var insurance = SamplePdf("Insurance certificate 2027");
        await OkJsonAsync(await AttachAsync(boClient, boLink, boFile, insurance, "insurance.pdf"));
        var done = await PostOkAsync(boClient, $"/api/v1/signing/{boLink}/sign", new { typedName = "Bo Landlord" });
        Assert.Equal("completed", done.GetProperty("documentStatus").GetString());

        // The sender downloads each beside the sealed PDF: the very bytes uploaded; the hidden field has none.
        foreach (var (field, bytes, type) in new[] { (idCopy, idPdf, "application/pdf"), (boFile, insurance, "application/pdf") })
        {
            using var download = await sender.GetAsync($"/api/v1/documents/{id}/attachments/{field}");
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(type, download.Content.Headers.ContentType?.MediaType);
            Assert.Equal(Sha256(bytes), Sha256(await download.Content.ReadAsByteArrayAsync()));
        }
        Assert.Equal(HttpStatusCode.NotFound, (await sender.GetAsync($"/api/v1/documents/{id}/attachments/{register}")).StatusCode);
        using (var anonymous = app.Web())
        {
            Assert.NotEqual(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/v1/documents/{id}/attachments/{idCopy}")).StatusCode); // no credential, no file
        }

        // The completion e-mails carry them beside the sealed PDF: each signer their own (the sender gets every one).
        var adaMail = await Outbox.WaitForAsync(app.DataDirectory, "eu", "ada.attach@example.test", "Completed:");
        var boMail = await Outbox.WaitForAsync(app.DataDirectory, "eu", "bo.attach@example.test", "Completed:");
        Assert.Equal(Sha256(idPdf), Sha256(AttachmentBytes(adaMail, "passport.exe.pdf")));
        Assert.DoesNotContain(adaMail.Attachments, a => a.ContentDisposition?.FileName == "insurance.pdf");
        Assert.Equal(Sha256(insurance), Sha256(AttachmentBytes(boMail, "insurance.pdf")));
        Assert.DoesNotContain(boMail.Attachments, a => a.ContentDisposition?.FileName == "passport.exe.pdf");

        // The certificate lists both files with their SHA-256; the sealed PDF verifies.
        using var sealedResponse = await sender.GetAsync($"/api/v1/documents/{id}/sealed.pdf");
        var sealedPdf = await sealedResponse.Content.ReadAsByteArrayAsync();
        using var root = X509Certificate2.CreateFromPem(await app.Web().GetStringAsync("/api/v1/pki/eu/root.pem"));
        var report = PdfSignatureVerifier.Verify(sealedPdf, [root]);
        Assert.True(report.IsValid, string.Join("; ", report.Signatures.SelectMany(s => s.Problems)));
        var path = Path.Combine(app.DataDirectory, "..", $"attachments-{backend}.pdf");
        await File.WriteAllBytesAsync(path, sealedPdf);
        Assert.Equal(3, CountOf(Run("pdfsig", path).Output, "Signature is Valid."));
        var (qpdfExit, qpdfText) = Run("qpdf", "--check", path);
        Assert.True(qpdfExit is 0 or 3, qpdfText);
        var text = Run("pdftotext", path, "-").Output;
        Assert.Contains(Sha256(idPdf), text, StringComparison.Ordinal);
        Assert.Contains(Sha256(insurance), text, StringComparison.Ordinal);
        Assert.DoesNotContain(Sha256(extract), text, StringComparison.Ordinal);
        Assert.Contains("ID copy: passport.exe.pdf", text, StringComparison.Ordinal);
        Assert.Contains("Landlord's insurance: insurance.pdf", text, StringComparison.Ordinal);
        Assert.Contains("passport.exe.pdf", Run("pdftotext", "-f", "1", "-l", "1", path, "-").Output, StringComparison.Ordinal); // stamped in its box
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Files_not_attached_to_the_completion_e_mail_are_linked_each_through_its_own_recipients_delivery_link(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Linked Files", "eu");
        using var sender = app.Web(org.ApiToken);
        await OkJsonAsync(await sender.PatchAsJsonAsync("/api/v1/organizations/current", new { attachSealedPdf = false }));
        var id = (await UploadOkAsync(sender, "Tenancy", SamplePdf("tenancy"))).GetProperty("id").GetString()!;
        var (adaEmail, boEmail) = ($"ada.linked.{backend}@example.test", $"bo.linked.{backend}@example.test");
        var ada = await AddRecipientAsync(sender, id, "Ada Lovelace", adaEmail);
        var bo = await AddRecipientAsync(sender, id, "Bo Landlord", boEmail);
        await AddFieldAsync(sender, id, ada, "signature", 40);
        var adaFile = await PlaceAsync(sender, id, Field(ada, "attachment", 90, label: "ID copy"));
        var boFile = await PlaceAsync(sender, id, Field(bo, "attachment", 140, label: "Insurance"));
        await AddFieldAsync(sender, id, bo, "signature", 190);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        var passport = TinyJpeg();
        var insurance = SamplePdf("Insurance certificate");
        foreach (var (email, field, bytes, name, type, signer) in new[]
        {
            (adaEmail, adaFile, passport, "passport.jpg", "image/jpeg", "Ada Lovelace"),
            (boEmail, boFile, insurance, "insurance.pdf", "application/pdf", "Bo Landlord"),
        })
        {
            var link = LinkFor(app.DataDirectory, "eu", email);
            using var client = app.Web();
            (await client.GetAsync($"/api/v1/signing/{link}/document.pdf")).Dispose();
            (await client.PostAsJsonAsync($"/api/v1/signing/{link}/consent", new { accept = true })).Dispose();
            await OkJsonAsync(await AttachAsync(client, link, field, bytes, name, type));
            await PostOkAsync(client, $"/api/v1/signing/{link}/sign", new { typedName = signer });
        }

        // Nothing is attached; Ada's e-mail links her own file, not Bo's, through her delivery link.
        var adaMail = await Outbox.WaitForAsync(app.DataDirectory, "eu", adaEmail, "Completed:");
        Assert.Empty(adaMail.Attachments);
        var token = EverydaySendingTests.DeliveryLinkPattern().Match(adaMail.Text).Groups[1].Value;
        Assert.Contains($"/d/{token}/files/{adaFile}", adaMail.Text, StringComparison.Ordinal);
        Assert.Contains("passport.jpg", adaMail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(boFile, adaMail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("insurance.pdf", adaMail.Text, StringComparison.Ordinal);

        using var browser = app.Web();
        using (var download = await browser.GetAsync($"/d/{token}/files/{adaFile}"))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal("image/jpeg", download.Content.Headers.ContentType?.MediaType);
            Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType); // a download, never shown inline
            Assert.Equal(Sha256(passport), Sha256(await download.Content.ReadAsByteArrayAsync()));
        }
        // Her link opens neither Bo's file, nor a made-up field, nor a changed token; the sealed PDF still works.
        foreach (var url in new[] { $"/d/{token}/files/{boFile}", $"/d/{token}/files/fld_eu_nothing", $"/d/{token}/files/..%2Fx", $"/d/{token[..^1]}x/files/{adaFile}" })
        {
            using var refused = await browser.GetAsync(url);
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
            Assert.NotEqual("image/jpeg", refused.Content.Headers.ContentType?.MediaType);
        }
        using (var api = await browser.GetAsync($"/api/v1/delivery/{token}/files/{boFile}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        }
        using (var pdf = await browser.GetAsync($"/d/{token}"))
        {
            Assert.Equal("application/pdf", pdf.Content.Headers.ContentType?.MediaType);
        }

        // Each download is audited (the file and the sealed PDF; refusals are not); after erasure the link gives nothing.
        var actions = (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}/activity")).EnumerateArray().Select(a => a.GetProperty("action").GetString()).ToList();
        Assert.Equal(2, actions.Count(a => a == "document.downloaded"));
        await PostOkAsync(sender, "/api/v1/privacy/erasures", new { documentId = id });
        using var erased = await browser.GetAsync($"/d/{token}/files/{adaFile}");
        Assert.Equal(HttpStatusCode.NotFound, erased.StatusCode);
    }

    private static byte[] AttachmentBytes(MimeKit.MimeMessage message, string fileName)
    {
        var part = Assert.Single(message.Attachments.OfType<MimeKit.MimePart>(), a => a.FileName == fileName);
        using var buffer = new MemoryStream();
        Assert.NotNull(part.Content);
        part.Content.DecodeTo(buffer);
        return buffer.ToArray();
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Erasing_a_document_deletes_its_attachments(Backend backend)
    {
        var app = await apps.For(backend);
        var account = await Sigill.Tests.Identity.IdentityKit.SignUpAsync(app, $"olle.attach.{backend}@example.com", "eu", "Attach Erase AB");
        using var owner = app.Web(account.Session);
        var id = (await UploadOkAsync(owner, "Lease with ID", SamplePdf("lease with id"))).GetProperty("id").GetString()!;
        var ada = await AddRecipientAsync(owner, id, "Ada Lovelace", $"ada.erase.{backend}@example.com");
        await AddFieldAsync(owner, id, ada, "signature", 40);
        var file = await PlaceAsync(owner, id, Field(ada, "attachment", 100, label: "ID copy"));
        await PostOkAsync(owner, $"/api/v1/documents/{id}/send", new { });
        var link = LinkFor(app.DataDirectory, "eu", $"ada.erase.{backend}@example.com");
        using var recipient = app.Web();
        (await recipient.GetAsync($"/api/v1/signing/{link}/document.pdf")).Dispose();
        (await recipient.PostAsJsonAsync($"/api/v1/signing/{link}/consent", new { accept = true })).Dispose();
        await OkJsonAsync(await AttachAsync(recipient, link, file, TinyJpeg(), "id.jpg", "image/jpeg"));
        await PostOkAsync(recipient, $"/api/v1/signing/{link}/sign", new { typedName = "Ada Lovelace" });
        Assert.Equal(1, await StoredAttachmentsAsync(app, account.OrganizationId));

        await PostOkAsync(owner, "/api/v1/privacy/erasures", new { documentId = id });
        Assert.Equal(0, await StoredAttachmentsAsync(app, account.OrganizationId));
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/api/v1/documents/{id}/attachments/{file}")).StatusCode);
    }
}
