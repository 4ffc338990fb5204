using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Privacy;

/// <summary>
/// Privacy requests as a workflow (issue 18 part 5, ADR 0016): the public form answers the same for every address and
/// does nothing before the e-mailed link is followed; the link works once and expires; following it gives the request to
/// each organization that holds the address (as a recipient or a member) and e-mails its admins; admins list requests
/// with the deadline and record actions; another organization sees nothing of it.
/// </summary>
public sealed partial class PrivacyRequestTests
{
    private const string Requests = "/api/v1/privacy/requests";

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_confirmed_request_reaches_only_the_organizations_holding_the_address_and_its_admins_record_actions(Backend backend)
    {
        var clock = new ShiftedClock();
        await using var app = await SigillApp.StartAsync(backend, "{" + AppJobs.Config + "}", apiOverrides: s => s.AddSingleton<TimeProvider>(clock));
        var jobs = new AppJobs(app, "eu");
        var held = await SignUpAsync(app, "olle.owner@held.example", "eu", "Held AB");
        using var owner = app.Web(held.Session);
        var document = (await UploadOkAsync(owner, "Lease", SamplePdf("lease"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(owner, document, "Ada Lovelace", "ada@example.com");
        var other = await SignUpAsync(app, "otto.other@other.example", "eu", "Other AB");
        using var otherOwner = app.Web(other.Session);

        // The same answer for an address some organization holds and for one nobody holds; nothing is delivered yet.
        var known = await SubmitAsync(app, "eu", new { email = "Ada@Example.com", type = "erasure", message = "Please erase me." });
        var unknown = await SubmitAsync(app, "eu", new { email = "nobody@example.com", type = "erasure", message = "Please erase me." });
        Assert.Equal(known, unknown);
        Assert.Empty(await ListAsync(owner));

        // Each address got its link; the one nobody holds confirms just the same and reaches nobody.
        using (var confirmed = await ConfirmAsync(app, LinkFor(app, "nobody@example.com")))
        {
            Assert.Equal(HttpStatusCode.NoContent, confirmed.StatusCode);
        }
        var link = LinkFor(app, "Ada@Example.com");
        using (var confirmed = await ConfirmAsync(app, link))
        {
            Assert.Equal(HttpStatusCode.NoContent, confirmed.StatusCode);
        }
        using (var again = await ConfirmAsync(app, link))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
            Assert.Equal("privacy_request_link_invalid", Code(await JsonAsync(again)));
        }

        var request = Assert.Single(await ListAsync(owner));
        Assert.Equal("erasure", request.GetProperty("type").GetString());
        Assert.Equal("Ada@Example.com", request.GetProperty("email").GetString());
        Assert.Equal("Please erase me.", request.GetProperty("message").GetString());
        Assert.Equal("open", request.GetProperty("status").GetString());
        Assert.Equal("form", request.GetProperty("source").GetString());
        Assert.Equal(request.GetProperty("receivedAt").GetDateTime().AddDays(30), request.GetProperty("dueAt").GetDateTime());
        Assert.Empty(await ListAsync(otherOwner));

        // The owner is told through the job queue, without the requester's address in the e-mail.
        await jobs.DrainAsync();
        var notice = Mails(app, "eu").Single(m => m.Contains("A privacy request to Held AB", StringComparison.Ordinal)); // English: the organization never chose
        Assert.Contains("olle.owner@held.example", notice, StringComparison.Ordinal);
        Assert.DoesNotContain("ada@example.com", notice, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("/organization/privacy-requests", notice, StringComparison.Ordinal);

        // Open → in progress → completed (with a note); then it is closed. Another organization cannot act on it.
        var id = request.GetProperty("id").GetString()!;
        using (var foreign = await otherOwner.PostAsJsonAsync($"{Requests}/{id}/actions", new { status = "in_progress" }))
        {
            Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        }
        await ActAsync(owner, id, new { status = "in_progress" }, HttpStatusCode.Created);
        await ActAsync(owner, id, new { status = "completed" }, HttpStatusCode.BadRequest); // a closing status needs a note
        await ActAsync(owner, id, new { status = "completed", note = "Erased the draft lease." }, HttpStatusCode.Created);
        var closed = await ActAsync(owner, id, new { status = "open" }, HttpStatusCode.Conflict);
        Assert.Equal("privacy_request_closed", Code(closed));
        request = Assert.Single(await ListAsync(owner));
        Assert.Equal("completed", request.GetProperty("status").GetString());
        Assert.Equal(["in_progress", "completed"], request.GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("status").GetString()!).ToArray());
        Assert.Equal("Erased the draft lease.", request.GetProperty("actions")[1].GetProperty("note").GetString());

        // A member's own address matches too (the other organization's owner asks for access).
        await SubmitAsync(app, "eu", new { email = "otto.other@other.example", type = "access" });
        using (var confirmed = await ConfirmAsync(app, LinkFor(app, "otto.other@other.example")))
        {
            Assert.Equal(HttpStatusCode.NoContent, confirmed.StatusCode);
        }
        Assert.Equal("access", Assert.Single(await ListAsync(otherOwner)).GetProperty("type").GetString());
        Assert.Single(await ListAsync(owner));

        // An admin enters a request received by post.
        using (var created = await owner.PostAsJsonAsync(Requests, new { email = "bob@example.com", type = "rectification", message = "Letter of 1 December" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("manual", (await JsonAsync(created)).GetProperty("source").GetString());
        }
        Assert.Equal(2, (await ListAsync(owner)).Count);

        // A link older than 24 hours is refused, and delivers nothing.
        await SubmitAsync(app, "eu", new { email = "ada@example.com", type = "access" });
        var late = LinkFor(app, "ada@example.com");
        clock.Advance(TimeSpan.FromHours(25));
        using (var expired = await ConfirmAsync(app, late))
        {
            Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
        }
        // The owner's session ended with the 25 hours too: sign in again to look.
        using var ownerAgain = As(app, (await JsonAsync(await SignInAsync(app, "olle.owner@held.example", Password, "eu"))).GetProperty("session").GetString()!);
        Assert.Equal(2, (await ListAsync(ownerAgain)).Count);
    }

    [Fact]
    public async Task The_link_speaks_the_request_pages_language_and_the_admins_notice_the_organizations()
    {
        await using var app = await SigillApp.StartAsync(Backend.Sqlite, "{" + AppJobs.Config + "}");
        var jobs = new AppJobs(app, "eu");
        var held = await SignUpAsync(app, "greta.owner@held.example", "eu", "Gehalten GmbH");
        using var owner = app.Web(held.Session);
        Assert.Equal(HttpStatusCode.OK, (await owner.PatchAsJsonAsync("/api/v1/organizations/current", new { defaultLanguage = "de" })).StatusCode);
        var document = (await UploadOkAsync(owner, "Lease", SamplePdf("lease"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(owner, document, "Sven Svensson", "sven@example.com");

        // The request page's language (the web tier forwards it as Accept-Language): Swedish; none: English.
        using (var web = app.Web())
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/regions/eu/privacy-requests") { Content = JsonContent.Create(new { email = "sven@example.com", type = "erasure" }) })
        {
            request.Headers.TryAddWithoutValidation("Accept-Language", "sv-SE,sv;q=0.9,en;q=0.5");
            using var sent = await web.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        }
        await SubmitAsync(app, "eu", new { email = "nobody@example.com", type = "access" });
        var swedish = Assert.Single(Outbox.To(app.DataDirectory, "eu", "sven@example.com"));
        Assert.Equal("Bekräfta din integritetsbegäran", swedish.Subject);
        Assert.Contains("ska raderas", swedish.TextBody, StringComparison.Ordinal);
        Assert.Contains("lang=\"sv\"", swedish.HtmlBody, StringComparison.Ordinal);
        var english = Assert.Single(Outbox.To(app.DataDirectory, "eu", "nobody@example.com"));
        Assert.Equal("Confirm your privacy request", english.Subject);
        Assert.Contains("asked on Sigill for an access request", english.TextBody, StringComparison.Ordinal);

        using (var confirmed = await ConfirmAsync(app, ConfirmLink().Match(swedish.TextBody ?? "").Groups[1].Value))
        {
            Assert.Equal(HttpStatusCode.NoContent, confirmed.StatusCode);
        }
        await jobs.DrainAsync();
        // The owners and admins read the organization's language.
        var notice = Assert.Single(Outbox.To(app.DataDirectory, "eu", "greta.owner@held.example"), m => (m.Subject ?? "").StartsWith("Eine Datenschutzanfrage", StringComparison.Ordinal));
        Assert.Equal("Eine Datenschutzanfrage an Gehalten GmbH", notice.Subject);
        Assert.Contains("die Löschung ihrer Daten verlangt", notice.TextBody, StringComparison.Ordinal);
        Assert.Contains("/organization/privacy-requests", notice.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("sven@example.com", notice.TextBody, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_form_refuses_bad_input_and_a_member_without_the_privacy_scope()
    {
        await using var app = await SigillApp.StartAsync();
        foreach (var bad in new object[] { new { email = "not an address", type = "access" }, new { email = "a@example.com", type = "delete" } })
        {
            using var web = app.Web();
            using var refused = await web.PostAsJsonAsync("/api/v1/regions/us/privacy-requests", bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }
        using var noAccount = app.Web();
        using var anonymous = await noAccount.GetAsync(Requests);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task The_public_pages_send_the_link_confirm_it_with_a_button_and_the_admin_page_records_an_action()
    {
        await using var app = await SigillApp.StartAsync();
        using var web = app.Web();
        await SignUpThroughPagesAsync(app, web, "olle.owner@held.example", "eu", "Olle Owner", "Held AB");
        var form = await web.GetStringAsync("/privacy/request");
        using (var sent = await web.PostAsync("/privacy/request", Form(form, ("Email", "olle.owner@held.example"), ("Type", "access"), ("Message", "What do you hold?"))))
        {
            var page = await sent.Content.ReadAsStringAsync();
            Assert.True(sent.StatusCode == HttpStatusCode.OK && page.Contains("its admins will receive your request", StringComparison.Ordinal), page);
        }
        var link = ConfirmLink().Match(Mails(app, "eu").Last(m => ConfirmLink().IsMatch(m))).Groups[1].Value;
        var confirm = await web.GetStringAsync($"/privacy/request/{link}");
        Assert.Contains("id=\"no-requests\"", await web.GetStringAsync("/organization/privacy-requests"), StringComparison.Ordinal); // opening the link spends nothing
        using (var done = await web.PostAsync($"/privacy/request/{link}", Form(confirm)))
        {
            var page = await done.Content.ReadAsStringAsync();
            Assert.True(done.StatusCode == HttpStatusCode.OK && page.Contains("privacy-request-confirmed", StringComparison.Ordinal), page);
        }

        Assert.Contains("/organization/privacy-requests", await web.GetStringAsync("/organization"), StringComparison.Ordinal);
        var list = await web.GetStringAsync("/organization/privacy-requests");
        Assert.Contains("What do you hold?", list, StringComparison.Ordinal);
        Assert.Contains("Access request from olle.owner@held.example", list, StringComparison.Ordinal);
        var id = RequestId().Match(list).Groups[1].Value;
        using (var acted = await web.PostAsync($"/organization/privacy-requests?handler=Act&requestId={id}", Form(list, ("status", "refused"), ("note", "Nothing beyond the account."))))
        {
            Assert.Equal(HttpStatusCode.Redirect, acted.StatusCode);
        }
        list = await web.GetStringAsync("/organization/privacy-requests?done=acted");
        Assert.Contains("Status: <strong>refused</strong>", list, StringComparison.Ordinal);
        Assert.Contains("Nothing beyond the account.", list, StringComparison.Ordinal);
    }

    private static async Task<string> SubmitAsync(SigillApp app, string region, object body)
    {
        using var web = app.Web();
        using var response = await web.PostAsJsonAsync($"/api/v1/regions/{region}/privacy-requests", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        return text;
    }

    private static async Task<HttpResponseMessage> ConfirmAsync(SigillApp app, string link)
    {
        using var web = app.Web();
        return await web.PostAsJsonAsync($"/api/v1/regions/{link.Split('_')[1]}/privacy-requests/confirm", new { token = link });
    }

    private static async Task<List<System.Text.Json.JsonElement>> ListAsync(HttpClient client)
    {
        using var response = await client.GetAsync(Requests);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await JsonAsync(response)).GetProperty("requests").EnumerateArray()];
    }

    private static async Task<System.Text.Json.JsonElement> ActAsync(HttpClient client, string id, object body, HttpStatusCode expected)
    {
        using var response = await client.PostAsJsonAsync($"{Requests}/{id}/actions", body);
        var json = await JsonAsync(response);
        Assert.True(response.StatusCode == expected, json.GetRawText());
        return json;
    }

    /// <summary>The confirmation link (<c>sgq_…</c>) in the newest confirmation e-mail to <paramref name="email"/>.</summary>
    private static string LinkFor(SigillApp app, string email) =>
        ConfirmLink().Match(Mails(app, "eu").Last(t => t.Contains(email, StringComparison.Ordinal) && ConfirmLink().IsMatch(t))).Groups[1].Value;

    [GeneratedRegex("id=\"request-(prq_[a-z]+_[0-9a-z]{26})\"")]
    private static partial Regex RequestId();

    [GeneratedRegex("/privacy/request/(sgq_[a-z]+_[0-9a-z]{26}_[0-9a-z]{52})")]
    private static partial Regex ConfirmLink();
}
