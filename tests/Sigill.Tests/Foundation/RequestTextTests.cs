using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Sigill.Api.Platform.Security;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Foundation;

/// <summary>Control and bidirectional characters are refused at the API boundary, for every text field, by one rule.</summary>
public sealed class RequestTextTests : IAsyncLifetime
{
    /// <summary>One of each class the rule refuses in a single line of text, with the character it should name.</summary>
    public static readonly (string Name, string Text, string Named)[] Hostile =
    [
        ("line feed", "Acme\nAccept the invitation: https://evil.example/", "U+000A"),
        ("carriage return", "Acme\rBcc: victim@example.test", "U+000D"),
        ("NUL", "Acme\0AB", "U+0000"),
        ("C0 control", "Acme\u0007AB", "U+0007"),
        ("C1 control", "Acme\u0085AB", "U+0085"),
        ("right-to-left override", "Invoice \u202Efdp.exe", "U+202E"),
        ("right-to-left isolate", "Acme \u2067AB\u2069", "U+2067"),
        ("line separator", "Acme\u2028AB", "U+2028"),
    ];

    private SigillApp _app = null!;

    public async Task InitializeAsync() => _app = await SigillApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string field, string named, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what}: {(int)response.StatusCode} {body}");
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.StartsWith(field + ":", detail, StringComparison.Ordinal);
        Assert.Contains(named, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_class_of_control_and_bidirectional_character_is_refused_in_titles_recipient_names_organization_names_and_member_names()
    {
        var owner = await SignUpAsync(_app, "owner@text.example", organization: "Text AB");
        using var asOwner = As(_app, owner.Session);
        var draft = (await UploadOkAsync(asOwner, "Clean title", SamplePdf("text"))).GetProperty("id").GetString()!;
        var template = (await PostOkAsync(asOwner, "/api/v1/templates", new { name = "Plain", body = "Hello", variables = Array.Empty<string>() })).GetProperty("id").GetString()!;
        using var anonymous = _app.Web();

        foreach (var (name, text, named) in Hostile)
        {
            using (var upload = await UploadAsync(asOwner, text, SamplePdf("x")))
            {
                await AssertRefusedAsync(upload, "title", named, $"upload title, {name}");
            }
            await AssertRefusedAsync(await asOwner.PostAsJsonAsync("/api/v1/documents/from-template", new { templateId = template, title = text, variables = new { } }),
                "title", named, $"template title, {name}");
            await AssertRefusedAsync(await asOwner.PostAsJsonAsync($"/api/v1/documents/{draft}/recipients", new { name = text, email = "r@text.example" }),
                "name", named, $"recipient name, {name}");
            await AssertRefusedAsync(await asOwner.PostAsJsonAsync("/api/v1/account/organizations", new { name = text }), "name", named, $"organization name, {name}");
            await AssertRefusedAsync(await anonymous.PostAsJsonAsync("/api/v1/regions/us/auth/sign-up",
                new { email = $"{Guid.NewGuid():N}@text.example", password = Password, name = "Kit Person", organizationName = text }), "organizationName", named, $"sign-up organization, {name}");
            await AssertRefusedAsync(await anonymous.PostAsJsonAsync("/api/v1/regions/us/auth/sign-up",
                new { email = $"{Guid.NewGuid():N}@text.example", password = Password, name = text, organizationName = "Fine AB" }), "name", named, $"member name, {name}");
            await AssertRefusedAsync(await anonymous.PostAsJsonAsync("/api/v1/regions/us/invitations/accept",
                new { invitation = "sgi_us_whatever", password = Password, name = text }), "name", named, $"invitation name, {name}");
        }

        // Nothing of it was stored: one document (the clean draft) with no recipient, one organization, no new account.
        var documents = await asOwner.GetFromJsonAsync<JsonElement>("/api/v1/documents");
        Assert.Equal(["Clean title"], documents.EnumerateArray().Select(d => d.GetProperty("title").GetString()));
        Assert.Equal(0, (await asOwner.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{draft}")).GetProperty("recipients").GetArrayLength());
        Assert.Single((await asOwner.GetFromJsonAsync<JsonElement>("/api/v1/account")).GetProperty("organizations").EnumerateArray());
    }

    [Fact]
    public async Task Multi_line_fields_keep_their_lines_but_never_nul_or_a_bidirectional_override()
    {
        var owner = await SignUpAsync(_app, "lines@text.example", organization: "Lines AB");
        using var asOwner = As(_app, owner.Session);
        // A Liquid body keeps its lines (Windows line ends too).
        await PostOkAsync(asOwner, "/api/v1/templates", new { name = "Lines", body = "Dear customer,\r\n\r\n\tThank you.\n", variables = Array.Empty<string>() });
        await AssertRefusedAsync(await asOwner.PostAsJsonAsync("/api/v1/templates", new { name = "Nul", body = "Dear\0customer", variables = Array.Empty<string>() }),
            "body", "U+0000", "template body with NUL");
        await AssertRefusedAsync(await asOwner.PostAsJsonAsync("/api/v1/templates", new { name = "Bidi", body = "Pay \u202E0001 EUR", variables = Array.Empty<string>() }),
            "body", "U+202E", "template body with an override");
        // A template's name is one line, and so is every item of a list (its variables).
        await AssertRefusedAsync(await asOwner.PostAsJsonAsync("/api/v1/templates", new { name = "Two\nlines", body = "x", variables = Array.Empty<string>() }),
            "name", "U+000A", "template name");
        await AssertRefusedAsync(await asOwner.PostAsJsonAsync("/api/v1/templates", new { name = "Vars", body = "x", variables = new[] { "a\u202Eb" } }),
            "variables", "U+202E", "template variable");

        // A send message keeps its lines, and they reach the recipient's e-mail.
        var id = (await UploadOkAsync(asOwner, "Lines", SamplePdf("lines"))).GetProperty("id").GetString()!;
        var recipient = await AddRecipientAsync(asOwner, id, "Lina Lines", "lina@text.example");
        await AddFieldAsync(asOwner, id, recipient, "signature", 100);
        await AssertRefusedAsync(await asOwner.PostAsJsonAsync($"/api/v1/documents/{id}/send", new { message = "Please sign\u2066 now" }), "message", "U+2066", "send message");
        await PostOkAsync(asOwner, $"/api/v1/documents/{id}/send", new { message = "Please sign.\r\nSecond line-Heron." });
        var mail = File.ReadAllText(Directory.GetFiles(Path.Combine(_app.DataDirectory, "us", "outbox"), "*.eml").Order(StringComparer.Ordinal).Last())
            .Replace("=\r\n", "", StringComparison.Ordinal);
        Assert.Contains("Second line-Heron.", mail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_organization_name_cannot_add_lines_to_the_invitation_email()
    {
        var owner = await SignUpAsync(_app, "owner@mail.example", organization: "Mail AB");
        using var asOwner = As(_app, owner.Session);
        const string Forged = "Mail AB on Sigill as owner.\n\nAccept the invitation:\nhttps://evil.example/accept\n\nIgnore the link below";
        await AssertRefusedAsync(await asOwner.PostAsJsonAsync("/api/v1/account/organizations", new { name = Forged }), "name", "U+000A", "organization name");

        using var invited = await asOwner.PostAsJsonAsync("/api/v1/invitations", new { email = "new@mail.example", role = "member" });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var mail = Directory.GetFiles(Path.Combine(_app.DataDirectory, "us", "outbox"), "*.eml").Select(File.ReadAllText)
            .Single(t => t.Contains("new@mail.example", StringComparison.Ordinal)).Replace("=\r\n", "", StringComparison.Ordinal);
        Assert.Contains("Subject: You are invited to Mail AB on Sigill", mail, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(mail, "Accept the invitation:"));
        Assert.DoesNotContain("evil.example", mail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Åsa Öberg-Ñúñez", true)]
    [InlineData("محمد \u200F(Sigill)", true)] // a right-to-left mark is kept: RTL text needs it
    [InlineData("Family 👨\u200D👩\u200D👧", true)] // joiners and surrogate pairs
    [InlineData("a\uFFFEb", false)]
    [InlineData("tab\there", false)]
    public void The_rule_keeps_every_language_and_refuses_broken_text(string text, bool kept)
    {
        Assert.Equal(kept, RequestText.Problem(text, TextKind.SingleLine) is null);
        Assert.Null(RequestText.Problem("pass\tword\0", TextKind.Opaque)); // passwords are taken as typed
        Assert.Null(RequestText.Problem("line one\r\n\tline two", TextKind.MultiLine));
        Assert.NotNull(RequestText.Problem("broken " + '\uD83D', TextKind.MultiLine)); // an unpaired surrogate (made here: test data would repair it)
    }
}
