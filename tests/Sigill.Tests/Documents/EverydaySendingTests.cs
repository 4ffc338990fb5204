using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Documents;

/// <summary>
/// Everyday sending as the people on a document meet it, read from the outbox the way a mail client reads it: who an
/// e-mail says it is from, when a copy recipient hears, what completion delivers, and what the sender's tools (void,
/// resend, remind, correct, duplicate, delete) do to links and inboxes.
/// </summary>
public sealed partial class EverydaySendingTests(SharedApps apps) : IClassFixture<SharedApps>
{
    private const string Region = "us";

    [GeneratedRegex(@"/d/(sgd_[a-z]+_[0-9a-z]{52})")]
    private static partial Regex DeliveryLink();

    internal static Regex DeliveryLinkPattern() => DeliveryLink();

    private static async Task<(SigillApp App, HttpClient Sender, string SenderEmail)> SenderAsync(SharedApps apps, Backend backend, string org)
    {
        var app = await apps.For(backend);
        var email = $"sender.{Guid.NewGuid():N}@acme.example";
        var account = await SignUpAsync(app, email, Region, org);
        return (app, As(app, account.Session), email);
    }

    /// <summary>A document with the given recipients (name, email, role, order); each signer gets a signature field.</summary>
    internal static async Task<(string Id, Dictionary<string, string> Recipients)> DraftAsync(HttpClient sender, string title, params (string Name, string Email, string Role, int Order)[] people)
    {
        var id = (await UploadOkAsync(sender, title, SamplePdf("Everyday sending"))).GetProperty("id").GetString()!;
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, email, role, order) in people)
        {
            ids[email] = await AddRecipientAsync(sender, id, name, email, role, order);
            if (role == "signer") await AddFieldAsync(sender, id, ids[email], "signature", 100 + 60 * order);
        }
        return (id, ids);
    }

    private static string Unique(string name) => $"{name}.{Guid.NewGuid().ToString("N")[..8]}@example.test";

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Completion_emails_every_party_and_the_sender_the_sealed_pdf_identical_to_the_download_and_the_copy_recipient_hears_nothing_before_its_turn(Backend backend)
    {
        var (app, sender, senderEmail) = await SenderAsync(apps, backend, "Acme Deliveries");
        var (ann, bo, cc) = (Unique("ann"), Unique("bo"), Unique("cc"));
        var (id, _) = await DraftAsync(sender, "Service agreement 2027", ("Ann Signer", ann, "signer", 1), ("Bo Signer", bo, "signer", 2), ("Cid Copy", cc, "cc", 3));
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Looking forward to it.", expiresInDays = 7 });

        // The invitation says who sent it, from where, and answers go to the sender.
        var invitation = Outbox.To(app.DataDirectory, Region, ann).Single();
        Assert.Equal("Kit Person via Sigill", invitation.From.Mailboxes.Single().Name);
        Assert.Equal(senderEmail, invitation.ReplyTo.Mailboxes.Single().Address);
        Assert.Equal("Please sign “Service agreement 2027” for Kit Person of Acme Deliveries", invitation.Subject);
        Assert.Contains("Kit Person of Acme Deliveries asks you to sign", invitation.Html, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"en\">", invitation.Html, StringComparison.Ordinal);
        Assert.Contains("Looking forward to it.", invitation.Text, StringComparison.Ordinal);
        Assert.Contains("You got this e-mail because Kit Person of Acme Deliveries asked you to sign", invitation.Text, StringComparison.Ordinal);
        Assert.Empty(Outbox.To(app.DataDirectory, Region, bo));
        Assert.Empty(Outbox.To(app.DataDirectory, Region, cc));

        await SignAsync(app, LinkFor(app.DataDirectory, Region, ann), new { typedName = "Ann Signer" });
        Assert.Empty(Outbox.To(app.DataDirectory, Region, cc)); // placed after Bo: not yet
        var done = await SignAsync(app, LinkFor(app.DataDirectory, Region, bo), new { typedName = "Bo Signer" });
        Assert.Equal("completed", done.GetProperty("documentStatus").GetString());

        using var download = await sender.GetAsync($"/api/v1/documents/{id}/sealed.pdf");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("Service agreement 2027 - signed.pdf", download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName);
        var sealedPdf = await download.Content.ReadAsByteArrayAsync();

        foreach (var address in new[] { ann, bo, cc, senderEmail })
        {
            var completed = await Outbox.WaitForAsync(app.DataDirectory, Region, address, "Completed: “Service agreement 2027”");
            var attached = Outbox.PdfAttachment(completed);
            Assert.NotNull(attached);
            Assert.Equal(SHA256.HashData(sealedPdf), SHA256.HashData(attached));
            Assert.Equal("Service agreement 2027 - signed.pdf", completed.Attachments.Single().ContentDisposition?.FileName);
        }
        // The copy recipient's only e-mail is the completion one.
        Assert.Single(Outbox.To(app.DataDirectory, Region, cc));

        // Each party's own download link works through the public tier, after their signing session is long gone.
        var link = DeliveryLink().Match(Outbox.To(app.DataDirectory, Region, cc).Single().Text).Groups[1].Value;
        using var anonymous = app.Web();
        using (var delivered = await anonymous.GetAsync($"/d/{link}"))
        {
            Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
            Assert.Equal(sealedPdf, await delivered.Content.ReadAsByteArrayAsync());
        }
        var forged = link[..^4] + (link.EndsWith("aaaa", StringComparison.Ordinal) ? "bbbb" : "aaaa");
        using (var wrong = await anonymous.GetAsync($"/d/{forged}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
            Assert.Contains("This download link is not active", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var actions = (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}/activity")).EnumerateArray().Select(a => a.GetProperty("action").GetString()).ToList();
        Assert.Contains("document.delivered", actions);
        Assert.Contains("document.downloaded", actions);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Voiding_emails_the_recipients_whose_links_died_with_the_reason_and_their_links_stop_working(Backend backend)
    {
        var (app, sender, _) = await SenderAsync(apps, backend, "Acme Voids");
        var (ann, bo, cc) = (Unique("ann"), Unique("bo"), Unique("cc"));
        var (id, _) = await DraftAsync(sender, "Quote Q-17", ("Ann Parallel", ann, "signer", 1), ("Bo Later", bo, "signer", 2), ("Cid Early", cc, "cc", 1));
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        var annLink = LinkFor(app.DataDirectory, Region, ann);
        Assert.Single(Outbox.To(app.DataDirectory, Region, cc)); // placed with the first group: told at once

        using (var refused = await sender.PostAsJsonAsync($"/api/v1/documents/{id}/void", new { reason = new string('x', 1001) }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }
        var voided = await PostOkAsync(sender, $"/api/v1/documents/{id}/void", new { reason = "Prices changed; a new quote follows." });
        Assert.Equal("voided", voided.GetProperty("status").GetString());

        foreach (var address in new[] { ann, cc })
        {
            var notice = Outbox.To(app.DataDirectory, Region, address).Last();
            Assert.Equal("Voided: “Quote Q-17”", notice.Subject);
            Assert.Contains("Prices changed; a new quote follows.", notice.Text, StringComparison.Ordinal);
        }
        Assert.Empty(Outbox.To(app.DataDirectory, Region, bo)); // never had a link: nothing to tell
        using var gone = await app.Web().GetAsync($"/api/v1/signing/{annLink}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task A_signer_without_fields_stops_the_send_with_a_409_that_names_them_and_nobody_is_emailed()
    {
        var (app, sender, _) = await SenderAsync(apps, Backend.Sqlite, "Acme Fields");
        var (ann, bo) = (Unique("ann"), Unique("bo"));
        var id = (await UploadOkAsync(sender, "No fields", SamplePdf("x"))).GetProperty("id").GetString()!;
        var first = await AddRecipientAsync(sender, id, "Ann Placed", ann);
        await AddFieldAsync(sender, id, first, "signature", 100);
        await AddRecipientAsync(sender, id, "Bo Forgotten", bo);
        await AddRecipientAsync(sender, id, "Approving Al", Unique("al"), "approver");

        using var response = await sender.PostAsJsonAsync($"/api/v1/documents/{id}/send", new { });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("signer_without_fields", problem.GetProperty("code").GetString());
        Assert.Contains("Bo Forgotten has no field", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Ann Placed", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(Outbox.To(app.DataDirectory, Region, ann));
        Assert.Equal("draft", (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Correcting_a_recipients_address_after_sending_kills_the_old_link_at_once_and_mails_the_new_address()
    {
        var (app, sender, _) = await SenderAsync(apps, Backend.Sqlite, "Acme Corrections");
        var (typo, right) = (Unique("an"), Unique("ann"));
        var (id, people) = await DraftAsync(sender, "Typo", ("Ann Typo", typo, "signer", 1));
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        var old = LinkFor(app.DataDirectory, Region, typo);

        using (var bad = await sender.PatchAsJsonAsync($"/api/v1/documents/{id}/recipients/{people[typo]}", new { email = "not an address" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }
        using (var corrected = await sender.PatchAsJsonAsync($"/api/v1/documents/{id}/recipients/{people[typo]}", new { name = "Ann Right", email = right }))
        {
            var view = await OkJsonAsync(corrected);
            Assert.Equal(right, view.GetProperty("email").GetString());
            Assert.Equal("Ann Right", view.GetProperty("name").GetString());
        }
        using (var dead = await app.Web().GetAsync($"/api/v1/signing/{old}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, dead.StatusCode);
        }
        var fresh = Outbox.To(app.DataDirectory, Region, right).Single();
        Assert.Contains("Hello Ann Right,", fresh.Text, StringComparison.Ordinal);
        var signed = await SignAsync(app, LinkFor(app.DataDirectory, Region, right), new { typedName = "Ann Right" });
        Assert.Equal("completed", signed.GetProperty("documentStatus").GetString());
        var actions = (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}/activity")).EnumerateArray().Select(a => a.GetProperty("action").GetString()).ToList();
        Assert.Contains("recipient.corrected", actions);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_duplicate_of_a_signed_document_is_a_draft_with_the_original_pdf_the_recipients_and_fields_and_no_values(Backend backend)
    {
        var (app, sender, _) = await SenderAsync(apps, backend, "Acme Copies");
        var ann = Unique("ann");
        var (id, people) = await DraftAsync(sender, "Master terms", ("Ann Twice", ann, "signer", 1));
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        await SignAsync(app, LinkFor(app.DataDirectory, Region, ann), new { typedName = "Ann Twice" });
        var source = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}");
        Assert.Equal("completed", source.GetProperty("status").GetString());

        var copy = await PostOkAsync(sender, $"/api/v1/documents/{id}/duplicate", new { });
        var copyId = copy.GetProperty("id").GetString()!;
        Assert.NotEqual(id, copyId);
        Assert.Equal("draft", copy.GetProperty("status").GetString());
        Assert.Equal("Copy of Master terms", copy.GetProperty("title").GetString());
        var recipient = copy.GetProperty("recipients").EnumerateArray().Single();
        Assert.Equal(ann, recipient.GetProperty("email").GetString());
        Assert.Equal("pending", recipient.GetProperty("status").GetString());
        var field = copy.GetProperty("fields").EnumerateArray().Single();
        Assert.Equal(JsonValueKind.Null, field.GetProperty("value").ValueKind);
        var pdf = await sender.GetByteArrayAsync($"/api/v1/documents/{copyId}/pdf");
        Assert.Equal(source.GetProperty("originalSha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(pdf)));
        Assert.Equal(source.GetProperty("originalSha256").GetString(), copy.GetProperty("originalSha256").GetString());

        // The copy sends and completes like any draft.
        await PostOkAsync(sender, $"/api/v1/documents/{copyId}/send", new { });
        var signed = await SignAsync(app, LinkFor(app.DataDirectory, Region, ann), new { typedName = "Ann Twice" });
        Assert.Equal("completed", signed.GetProperty("documentStatus").GetString());
    }

    [Fact]
    public async Task Only_a_draft_can_be_deleted_and_a_deleted_draft_is_gone()
    {
        var (_, sender, _) = await SenderAsync(apps, Backend.Sqlite, "Acme Deletes");
        var (draft, _) = await DraftAsync(sender, "Throwaway", ("Ann Gone", Unique("ann"), "signer", 1));
        var (sent, _) = await DraftAsync(sender, "Keeper", ("Bo Kept", Unique("bo"), "signer", 1));
        await PostOkAsync(sender, $"/api/v1/documents/{sent}/send", new { });

        using (var refused = await sender.DeleteAsync($"/api/v1/documents/{sent}"))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Equal("document_not_draft", await ProblemCodeAsync(refused));
        }
        using (var deleted = await sender.DeleteAsync($"/api/v1/documents/{draft}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        using (var gone = await sender.GetAsync($"/api/v1/documents/{draft}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        var titles = (await sender.GetFromJsonAsync<JsonElement>("/api/v1/documents")).EnumerateArray().Select(d => d.GetProperty("title").GetString()).ToList();
        Assert.Equal(["Keeper"], titles);
    }

    [Fact]
    public async Task What_a_sender_types_stays_text_in_the_emails_and_cannot_forge_their_layout_or_headers()
    {
        var (app, sender, _) = await SenderAsync(apps, Backend.Sqlite, "Acme <b>Bold</b>");
        var ann = Unique("ann");
        var (id, _) = await DraftAsync(sender, "Offer <a href=\"https://evil.example/\">click</a> & more", ("Ann <img src=x onerror=alert(1)>", ann, "signer", 1));
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Line one\n<script>alert(1)</script>\n\nLine three" });

        var mail = Outbox.To(app.DataDirectory, Region, ann).Single();
        var html = mail.Html;
        Assert.DoesNotContain("<a href=\"https://evil.example/", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>Bold", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(html, "<a href="));  // the one button, to the signing link
        Assert.Contains("Line one\n<script>alert(1)</script>", mail.Text.Replace("> ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal("Ann <img src=x onerror=alert(1)>", mail.To.Mailboxes.Single().Name);
        Assert.DoesNotContain("\n", mail.Subject, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Ann\r\nBcc: victim@example.test", "Ann Bcc: victim@example.test")]
    [InlineData("Ann\u202Egnp.exe", "Anngnp.exe")]
    [InlineData("  lots   of\tspace\u200B ", "lots of space")]
    [InlineData("\u2028Line\u2029sep", "Line sep")]
    public void Header_text_loses_line_breaks_controls_and_invisible_formatting(string typed, string header) =>
        Assert.Equal(header, Sigill.Api.Platform.Mail.MailText.Header(typed));

    [Fact]
    public async Task The_sender_is_told_of_views_signatures_and_declines_and_hears_nothing_they_switched_off()
    {
        var (app, sender, senderEmail) = await SenderAsync(apps, Backend.Sqlite, "Acme Notices");
        using (var unknown = await sender.PutAsJsonAsync("/api/v1/account/notices", new { off = new[] { "gossip" } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        }
        var settings = await OkJsonAsync(await sender.PutAsJsonAsync("/api/v1/account/notices", new { off = new[] { "viewed" } }));
        Assert.Equal(["viewed"], settings.GetProperty("off").EnumerateArray().Select(e => e.GetString()!).ToArray());

        var (ann, bo) = (Unique("ann"), Unique("bo"));
        var (id, _) = await DraftAsync(sender, "Noticed", ("Ann Signs", ann, "signer", 1), ("Bo Declines", bo, "signer", 2));
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        await SignAsync(app, LinkFor(app.DataDirectory, Region, ann), new { typedName = "Ann Signs" });
        var signedNotice = await Outbox.WaitForAsync(app.DataDirectory, Region, senderEmail, "Signed: “Noticed”");
        Assert.Contains("Ann Signs signed “Noticed”.", signedNotice.Text, StringComparison.Ordinal);

        using var recipient = app.Web();
        var boLink = LinkFor(app.DataDirectory, Region, bo);
        using (await recipient.GetAsync($"/api/v1/signing/{boLink}/document.pdf")) { }
        await PostOkAsync(recipient, $"/api/v1/signing/{boLink}/decline", new { reason = "Wrong price on page 2." });
        var declined = await Outbox.WaitForAsync(app.DataDirectory, Region, senderEmail, "Declined: “Noticed”");
        Assert.Contains("Wrong price on page 2.", declined.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Outbox.To(app.DataDirectory, Region, senderEmail), m => (m.Subject ?? "").StartsWith("Viewed:", StringComparison.Ordinal));
    }

}

/// <summary>The sending tests that travel in time, each on an app of its own whose API clock can be moved forward.</summary>
public sealed class EverydaySendingClockTests : IAsyncLifetime
{
    private const string Region = "us";
    private readonly ClockApps _apps = new();

    private ShiftedClock Clock => _apps.Clock;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _apps.DisposeAsync();

    /// <summary>An app whose API tier reads <see cref="Clock"/>.</summary>
    private sealed class ClockApps : IAsyncDisposable
    {
        private SigillApp? _app;

        public ShiftedClock Clock { get; } = new();

        public async Task<SigillApp> For(Backend backend) =>
            _app ??= await SigillApp.StartAsync(backend, apiOverrides: services => services.AddSingleton<TimeProvider>(Clock));

        public async ValueTask DisposeAsync()
        {
            if (_app is not null) await _app.DisposeAsync();
        }
    }

    private static async Task<(SigillApp App, HttpClient Sender, string SenderEmail)> SenderAsync(ClockApps apps, Backend backend, string org)
    {
        var app = await apps.For(backend);
        var email = $"sender.{Guid.NewGuid():N}@acme.example";
        var account = await SignUpAsync(app, email, Region, org);
        return (app, As(app, account.Session), email);
    }

    private static string Unique(string name) => $"{name}.{Guid.NewGuid().ToString("N")[..8]}@example.test";

    [Fact]
    public async Task Resend_and_remind_give_a_new_link_that_kills_the_old_one_and_refuse_to_mail_the_same_person_twice_a_minute()
    {
        var (app, sender, _) = await SenderAsync(_apps, Backend.Sqlite, "Acme Resends");
        var ann = Unique("ann");
        var (id, people) = await EverydaySendingTests.DraftAsync(sender, "Resend me", ("Ann Waiting", ann, "signer", 1));
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        var first = LinkFor(app.DataDirectory, Region, ann);

        using (var tooSoon = await sender.PostAsync($"/api/v1/documents/{id}/recipients/{people[ann]}/resend", null))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, tooSoon.StatusCode);
            Assert.Equal("resend_too_soon", await ProblemCodeAsync(tooSoon));
            Assert.NotNull(tooSoon.Headers.RetryAfter);
        }
        using (var remindTooSoon = await sender.PostAsync($"/api/v1/documents/{id}/remind", null))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, remindTooSoon.StatusCode);
        }
        Assert.Single(Outbox.To(app.DataDirectory, Region, ann));

        Clock.Advance(TimeSpan.FromMinutes(2));
        await PostOkAsync(sender, $"/api/v1/documents/{id}/recipients/{people[ann]}/resend", new { });
        var second = LinkFor(app.DataDirectory, Region, ann);
        Assert.NotEqual(first, second);
        Assert.StartsWith("Reminder: ", Outbox.To(app.DataDirectory, Region, ann).Last().Subject, StringComparison.Ordinal);
        using (var dead = await app.Web().GetAsync($"/api/v1/signing/{first}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, dead.StatusCode);
        }
        using (var live = await app.Web().GetAsync($"/api/v1/signing/{second}"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        Clock.Advance(TimeSpan.FromMinutes(2));
        var reminded = await PostOkAsync(sender, $"/api/v1/documents/{id}/remind", new { });
        Assert.Equal(1, reminded.GetProperty("reminded").GetInt32());
        Assert.Equal(3, Outbox.To(app.DataDirectory, Region, ann).Count);

        await SignAsync(app, LinkFor(app.DataDirectory, Region, ann), new { typedName = "Ann Waiting" });
        using var finished = await sender.PostAsync($"/api/v1/documents/{id}/recipients/{people[ann]}/resend", null);
        Assert.Equal(HttpStatusCode.Conflict, finished.StatusCode);
        Assert.Equal("recipient_finished", await ProblemCodeAsync(finished));
    }

    [Fact]
    public async Task An_organization_can_send_links_instead_of_attachments_and_brand_its_emails_with_a_valid_colour_only()
    {
        var (app, sender, _) = await SenderAsync(_apps, Backend.Sqlite, "Acme Links");
        foreach (var body in new object[] { new { brandColor = "red" }, new { brandColor = "#12345g" }, new { deliveryLinkDays = 0 }, new { deliveryLinkDays = 366 } })
        {
            using var refused = await sender.PatchAsJsonAsync("/api/v1/organizations/current", body);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }
        var org = await OkJsonAsync(await sender.PatchAsJsonAsync("/api/v1/organizations/current", new { brandColor = "#0A7D4F", attachSealedPdf = false, deliveryLinkDays = 3 }));
        Assert.Equal("#0a7d4f", org.GetProperty("brandColor").GetString());

        var ann = Unique("ann");
        var (id, _) = await EverydaySendingTests.DraftAsync(sender, "Linked only", ("Ann Links", ann, "signer", 1));
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        Assert.Contains("#0a7d4f", Outbox.To(app.DataDirectory, Region, ann).Single().Html, StringComparison.Ordinal);
        await SignAsync(app, LinkFor(app.DataDirectory, Region, ann), new { typedName = "Ann Links" });
        var completed = await Outbox.WaitForAsync(app.DataDirectory, Region, ann, "Completed:");
        Assert.Null(Outbox.PdfAttachment(completed));
        var link = EverydaySendingTests.DeliveryLinkPattern().Match(completed.Text).Groups[1].Value;
        using (var ok = await app.Web().GetAsync($"/d/{link}"))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        Clock.Advance(TimeSpan.FromDays(4));
        using var expired = await app.Web().GetAsync($"/d/{link}");
        Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
    }
}
