using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

/// <summary>
/// The sender's activity list says who did what in plain words — the recipient's name, the sender's name, or Sigill —
/// with each event's audit reference (action and event id) beside it, as the certificate of completion does (issue 16).
/// </summary>
public sealed class ActivityListTests
{
    [Fact]
    public async Task The_activity_list_names_each_actor_in_plain_words_and_keeps_the_audit_reference_and_the_list_says_whose_turn_it_is()
    {
        await using var app = await SigillApp.StartAsync();
        var account = await IdentityKit.SignUpAsync(app, "sara.sender@example.com", "eu", "Activity AB");
        using var sender = app.Web(account.Session);
        using var web = app.Web(); // the same person in a browser: signed in through the page
        var signInForm = await web.GetStringAsync("/sign-in");
        using (var signedIn = await web.PostAsync("/sign-in", IdentityKit.Form(signInForm, ("Email", "sara.sender@example.com"), ("Password", IdentityKit.Password))))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        }
        var id = (await UploadOkAsync(sender, "Activity words", SamplePdf("Activity words"))).GetProperty("id").GetString()!;
        var ada = await AddRecipientAsync(sender, id, "Ada <b>Lovelace</b>", "ada.activity@example.com");
        await AddFieldAsync(sender, id, ada, "signature", 100);
        var draft = (await UploadOkAsync(sender, "Still a draft", SamplePdf("draft"))).GetProperty("id").GetString()!;
        var draftPage = await web.GetStringAsync($"/documents/{draft}");
        Assert.Contains("6 to 64 characters.", draftPage, StringComparison.Ordinal); // the access-code rule, shown where it is set
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        var list = await web.GetStringAsync("/documents");
        Assert.Contains("<th scope=\"col\">Waiting on</th>", list, StringComparison.Ordinal);
        Assert.Contains("<td class=\"waiting-on\">Ada &lt;b&gt;Lovelace&lt;/b&gt;</td>", list, StringComparison.Ordinal);
        Assert.Contains("<a href=\"/organization\"", list, StringComparison.Ordinal); // the organization page in the top menu
        await SignAsync(app, LinkFor(app.DataDirectory, "eu", "ada.activity@example.com"), new { typedName = "Ada Lovelace" });

        JsonElement[] entries = [];
        for (var i = 0; i < 120 && !entries.Any(e => e.GetProperty("action").GetString() == "document.completed"); i++)
        {
            if (i > 0) await Task.Delay(250);
            entries = [.. (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}/activity")).EnumerateArray()];
        }
        (string Actor, string Description) Line(string action)
        {
            var e = entries.First(x => x.GetProperty("action").GetString() == action);
            Assert.StartsWith("aev_eu_", e.GetProperty("eventId").GetString(), StringComparison.Ordinal);
            return (e.GetProperty("actor").GetString()!, e.GetProperty("description").GetString()!);
        }
        Assert.Equal(("Kit Person", "Sent for signing"), Line("document.sent"));
        Assert.Equal(("Ada <b>Lovelace</b>", "Opened the document"), Line("document.viewed"));
        Assert.Equal(("Ada <b>Lovelace</b>", "Signed"), Line("document.signed"));
        Assert.Equal(("Sigill", "Completed and sealed"), Line("document.completed"));

        // The page: the same words, the actor's name as text (never markup), and the reference beside each line.
        var page = await web.GetStringAsync($"/documents/{id}");
        var signed = entries.First(x => x.GetProperty("action").GetString() == "document.signed").GetProperty("eventId").GetString();
        Assert.Contains("<strong>Kit Person</strong>: Sent for signing", page, StringComparison.Ordinal);
        Assert.Contains("<strong>Ada &lt;b&gt;Lovelace&lt;/b&gt;</strong>: Signed", page, StringComparison.Ordinal);
        Assert.Contains($"[document.signed, {signed}]", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>Lovelace</b>", page, StringComparison.Ordinal);

        // Another organization cannot read it.
        var other = await app.SetUpOrganizationAsync("Other AB", "eu");
        using var stranger = app.Web(other.ApiToken);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/documents/{id}/activity")).StatusCode);
    }
}
