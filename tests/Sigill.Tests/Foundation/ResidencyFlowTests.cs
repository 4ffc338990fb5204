using System.Net.Http.Json;
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
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
        // The installation-wide log sinks (the console in production), as both tiers write to them: everything from Information up.
        var installationWide = new CapturedLog();
        await using var app = await SigillApp.StartAsync(logging: b => b.AddProvider(installationWide).SetMinimumLevel(LogLevel.Information));
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
        // Logs: records that name the organization's identifiers went to the home cell's own log files, none to the
        // other cell's, and the installation-wide sinks saw them with every identifier and address redacted.
        var homeLogs = Path.Combine(homeCell, "logs");
        Assert.NotEmpty(ByteScan.FilesContaining(homeLogs, owner.OrganizationId)); // "Keys created for organization …"
        Assert.NotEmpty(ByteScan.FilesContaining(homeLogs, documentId)); // "Document … completed and sealed."
        var otherLogs = Path.Combine(otherCell, "logs");
        foreach (var needle in needles)
        {
            Assert.True(ByteScan.FilesContaining(otherLogs, needle).Count == 0, $"'{needle}' found in the {other} cell's logs");
        }
        foreach (var email in (string[])[ownerEmail, memberEmail, .. signerEmails])
        {
            Assert.True(ByteScan.FilesContaining(homeLogs, email).Count == 0, $"an e-mail address ({email}) found in the {home} cell's logs");
        }
        var lines = installationWide.Lines;
        Assert.Contains(lines, l => l.Contains($"[org_{home}]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"[doc_{home}]", StringComparison.Ordinal));
        foreach (var needle in needles)
        {
            Assert.True(!lines.Any(l => l.Contains(needle, StringComparison.Ordinal)), $"'{needle}' found in the installation-wide log: {lines.FirstOrDefault(l => l.Contains(needle, StringComparison.Ordinal))}");
        }
        var anyId = lines.FirstOrDefault(l => System.Text.RegularExpressions.Regex.IsMatch(l, "(?<![A-Za-z0-9])[a-z]{2,12}_(us|eu)_[0-9a-hjkmnp-tv-z]{26}(?![A-Za-z0-9])"));
        Assert.True(anyId is null, $"an identifier in the installation-wide log: {anyId}");
        Assert.False(Directory.Exists(Path.Combine(otherCell, "outbox")) && Directory.EnumerateFiles(Path.Combine(otherCell, "outbox")).Any(),
            $"the {other} outbox has mail");
    }
}

/// <summary>A log sink that keeps every formatted record (message and exception text) in memory.</summary>
internal sealed class CapturedLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log._lines.Enqueue($"{category}: {formatter(state, exception)} {exception}");
    }
}
