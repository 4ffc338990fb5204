using System.Net.Http.Json;
using System.Text.Json;
using Sigill.Tests.Documents;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Foundation;

/// <summary>
/// A whole flow in one region — sign-up, an invited member, an API token, a document with two recipients, e-mails, both
/// signatures, the sealed PDF — leaves no byte in the other region's cell that names the organization, its people or its
/// documents: database, blobs, keys and outbox, scanned as files. Both directions.
/// </summary>
public sealed class ResidencyFlowTests
{
    [Theory]
    [InlineData("eu", "us")]
    [InlineData("us", "eu")]
    public async Task A_full_flow_in_one_region_leaves_nothing_in_the_other(string home, string other)
    {
        await using var app = await SigillApp.StartAsync();
        var marker = Guid.NewGuid().ToString("N")[..12];
        var ownerEmail = $"owner-{marker}@residency.example";
        var memberEmail = $"member-{marker}@residency.example";
        var signerEmails = new[] { $"anna-{marker}@kund.example", $"bertil-{marker}@kund.example" };
        var title = $"Avtal {marker}";

        var owner = await IdentityKit.SignUpAsync(app, ownerEmail, home, $"Bolaget {marker} AB");
        using var asOwner = IdentityKit.As(app, owner.Session);
        Assert.True((await asOwner.PostAsJsonAsync("/api/v1/invitations", new { email = memberEmail, role = "member" })).IsSuccessStatusCode);
        using var tokenResponse = await asOwner.PostAsJsonAsync("/api/v1/tokens", new { name = "residency", scopes = new[] { "documents:read", "documents:write" } });
        var token = (await tokenResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        using var sender = app.Web(token);

        var document = await DocumentKit.UploadOkAsync(sender, title, DocumentKit.SamplePdf(title, pages: 2));
        var documentId = document.GetProperty("id").GetString()!;
        foreach (var (email, i) in signerEmails.Select((e, i) => (e, i)))
        {
            var recipient = await DocumentKit.AddRecipientAsync(sender, documentId, $"Signer {i} {marker}", email, order: i + 1);
            await DocumentKit.AddFieldAsync(sender, documentId, recipient, "signature", 100 + 60 * i);
        }
        await DocumentKit.PostOkAsync(sender, $"/api/v1/documents/{documentId}/send", new { });
        foreach (var email in signerEmails)
        {
            await DocumentKit.SignAsync(app, DocumentKit.LinkFor(app.DataDirectory, home, email), new { typedName = $"Signed {marker}", fields = Array.Empty<object>() });
        }
        var status = (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{documentId}")).GetProperty("status").GetString();
        Assert.Equal("completed", status);

        await app.StopServerAsync();
        var otherCell = Path.Combine(app.DataDirectory, other);
        var homeCell = Path.Combine(app.DataDirectory, home);
        string[] needles = [marker, owner.OrganizationId, owner.UserId, documentId, ownerEmail, memberEmail, .. signerEmails];
        foreach (var needle in needles)
        {
            Assert.True(ByteScan.FilesContaining(otherCell, needle).Count == 0, $"'{needle}' found in the {other} cell");
        }
        // The scan sees: the home cell holds the identifiers, and its outbox the e-mails it sent.
        Assert.NotEmpty(ByteScan.FilesContaining(homeCell, owner.OrganizationId));
        Assert.NotEmpty(ByteScan.FilesContaining(Path.Combine(homeCell, "outbox"), signerEmails[0]));
        Assert.False(Directory.Exists(Path.Combine(otherCell, "outbox")) && Directory.EnumerateFiles(Path.Combine(otherCell, "outbox")).Any(),
            $"the {other} outbox has mail");
    }
}
