using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Privacy;

/// <summary>
/// Finding one data subject (issue 18, ADR 0016): an admin finds every recipient entry, view, signature, field value,
/// e-mail, audit event and webhook delivery about one person in their organization, by e-mail or by name — and nothing of
/// another organization, which holds the same person too.
/// </summary>
public sealed class SubjectSearchTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task An_admin_finds_everything_about_one_person_by_email_or_name_and_nothing_of_another_organization(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend);
        var account = await IdentityKit.SignUpAsync(app, "olle.owner@example.com", "eu", "Search AB");
        using var owner = app.Web(account.Session);

        // Ada signs one document (a text field filled) and is a copy on another; Adam and Bob are other people.
        var signed = (await UploadOkAsync(owner, "Ada's lease", SamplePdf("lease"))).GetProperty("id").GetString()!;
        var ada = await AddRecipientAsync(owner, signed, "Ada Lovelace", "ada@example.com");
        var bob = await AddRecipientAsync(owner, signed, "Bob Builder", "bob@example.com");
        var text = await AddFieldAsync(owner, signed, ada, "text", 100);
        await AddFieldAsync(owner, signed, ada, "signature", 200);
        await AddFieldAsync(owner, signed, bob, "signature", 300);
        await PostOkAsync(owner, $"/api/v1/documents/{signed}/send", new { });
        await SignAsync(app, LinkFor(app.DataDirectory, "eu", "ada@example.com"), new { typedName = "Ada Lovelace", fields = new object[] { new { id = text, value = "Flat 4B, Quokka Lane" } } });

        var copied = (await UploadOkAsync(owner, "Board minutes", SamplePdf("minutes"))).GetProperty("id").GetString()!;
        var adaCopy = await AddRecipientAsync(owner, copied, "Åda LOVELACE", "ADA@Example.com", "cc");
        var adam = await AddRecipientAsync(owner, copied, "Adam Lovelace-Smith", "adam@example.com");
        await AddFieldAsync(owner, copied, adam, "signature", 100);

        // Another organization in the same region has Ada too.
        var other = await IdentityKit.SignUpAsync(app, "otto.other@example.com", "eu", "Other AB");
        using var otherOwner = app.Web(other.Session);
        var foreign = (await UploadOkAsync(otherOwner, "Foreign contract", SamplePdf("foreign"))).GetProperty("id").GetString()!;
        var foreignAda = await AddRecipientAsync(otherOwner, foreign, "Ada Lovelace", "ada@example.com");

        // By e-mail, in any case: both of Ada's entries, none of Adam's, Bob's or the other organization's.
        var byEmail = await SearchAsync(owner, new { email = " Ada@EXAMPLE.com " });
        Assert.Equal("email", byEmail.GetProperty("by").GetString());
        var entries = byEmail.GetProperty("recipients").EnumerateArray().ToList();
        Assert.Equal([.. new[] { ada, adaCopy }.Order(StringComparer.Ordinal)],
            entries.Select(e => e.GetProperty("recipientId").GetString()!).Order(StringComparer.Ordinal).ToArray());
        var lease = entries.Single(e => e.GetProperty("recipientId").GetString() == ada);
        Assert.Equal("Ada's lease", lease.GetProperty("documentTitle").GetString());
        Assert.Equal("ada@example.com", lease.GetProperty("email").GetString());
        Assert.Equal("signed", lease.GetProperty("status").GetString());
        Assert.True(lease.GetProperty("viewCount").GetInt32() >= 1);
        Assert.Equal("SigillTest/1.0", lease.GetProperty("lastViewUserAgent").GetString());
        Assert.Equal("SigillTest/1.0", lease.GetProperty("completedUserAgent").GetString());
        Assert.False(string.IsNullOrEmpty(lease.GetProperty("completedIp").GetString()));
        Assert.Contains(lease.GetProperty("fields").EnumerateArray(), f => f.GetProperty("value").GetString() == "Flat 4B, Quokka Lane");
        var actions = lease.GetProperty("auditEvents").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains("document.viewed", actions);
        Assert.Contains("document.consented", actions);
        Assert.Contains("document.signed", actions);
        Assert.All(lease.GetProperty("auditEvents").EnumerateArray(), e => Assert.StartsWith("aev_eu_", e.GetProperty("eventId").GetString(), StringComparison.Ordinal));
        Assert.Contains(lease.GetProperty("emails").EnumerateArray(), m => m.GetProperty("action").GetString() == "document.sent");
        var minutes = entries.Single(e => e.GetProperty("recipientId").GetString() == adaCopy);
        Assert.Equal("draft", minutes.GetProperty("documentStatus").GetString());
        Assert.Empty(minutes.GetProperty("emails").EnumerateArray());
        Assert.Empty(byEmail.GetProperty("members").EnumerateArray());
        Assert.DoesNotContain(foreignAda, byEmail.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(bob, byEmail.GetRawText(), StringComparison.Ordinal);

        // By name, case, accents and order ignored, whole words only: "Adam Lovelace-Smith" is not Ada.
        var byName = await SearchAsync(owner, new { name = "lovelace ADA" });
        Assert.Equal("name", byName.GetProperty("by").GetString());
        Assert.Equal([.. new[] { ada, adaCopy }.Order(StringComparer.Ordinal)],
            byName.GetProperty("recipients").EnumerateArray().Select(e => e.GetProperty("recipientId").GetString()!).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(4, byName.GetProperty("recipientsScanned").GetInt32()); // this organization's four entries, not the other's
        Assert.False(byName.GetProperty("truncated").GetBoolean());

        // A member is found as a member of this organization only.
        var member = await SearchAsync(owner, new { email = "olle.owner@example.com" });
        var found = Assert.Single(member.GetProperty("members").EnumerateArray());
        Assert.Equal(account.UserId, found.GetProperty("userId").GetString());
        Assert.Equal("owner", found.GetProperty("role").GetString());
        Assert.Empty((await SearchAsync(otherOwner, new { email = "olle.owner@example.com" })).GetProperty("members").EnumerateArray());

        // The other organization sees its own Ada only, and nothing of this one's.
        var theirs = await SearchAsync(otherOwner, new { email = "ada@example.com" });
        Assert.Equal(foreignAda, Assert.Single(theirs.GetProperty("recipients").EnumerateArray()).GetProperty("recipientId").GetString());
        Assert.DoesNotContain(signed, theirs.GetRawText(), StringComparison.Ordinal);
        Assert.Empty((await SearchAsync(otherOwner, new { email = "bob@example.com" })).GetProperty("recipients").EnumerateArray());

        // Bad input: neither, both, not an address, no letters.
        foreach (object bad in new object[] { new { }, new { email = "ada@example.com", name = "Ada" }, new { email = "not-an-address" }, new { name = " -- " },
            new { name = new string('a', 201) } })
        {
            using var refused = await owner.PostAsJsonAsync("/api/v1/privacy/search", bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("validation_failed", await ProblemCodeAsync(refused));
        }
    }

    private static async Task<JsonElement> SearchAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/privacy/search", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
