using System.Text;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Crypto;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Cli;

public sealed class ResidencyReportTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_report_lists_each_region_and_finds_no_organization_outside_its_region()
    {
        await using var app = await SigillApp.StartAsync();
        var eu = await app.SetUpOrganizationAsync("Euro GmbH", "eu");
        var us = await app.SetUpOrganizationAsync("Yankee Inc", "us");
        await app.Cells.Get("eu").Objects.PutAsync(new ObjectContext("eu", eu.OrganizationId, "doc_eu_x", 1, "document"), new MemoryStream(Encoding.UTF8.GetBytes("eu content")), CancellationToken.None);
        await app.StopServerAsync();

        var report = await SigillProcess.RunAsync(Generous, "residency", "report", "--data", app.DataDirectory);
        Assert.True(report.ExitCode == 0, report.Stdout + report.Stderr);
        Assert.Contains("region eu: 2 organizations and users, 1 stored objects", report.Stdout, StringComparison.Ordinal);
        Assert.Contains("region us: 1 organizations and users, 0 stored objects", report.Stdout, StringComparison.Ordinal);
        Assert.Contains("region us: scanned for 1 organizations, 1 users and ", report.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("residency: OK — no cell holds identifiers or keyed hashes of another region's organizations or users", report.Stdout.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("Euro GmbH", report.Stdout, StringComparison.Ordinal);
        _ = us;
    }

    [Fact]
    public async Task The_report_names_a_leak_when_a_region_holds_another_regions_data()
    {
        await using var app = await SigillApp.StartAsync();
        var eu = await app.SetUpOrganizationAsync("Euro GmbH", "eu");
        await app.SetUpOrganizationAsync("Yankee Inc", "us");
        // An operator's mistake: an eu object copied into the us cell's folder.
        var stray = Path.Combine(app.DataDirectory, "us", "blobs", eu.OrganizationId, "document", "doc_eu_x", "v1");
        Directory.CreateDirectory(Path.GetDirectoryName(stray)!);
        await File.WriteAllTextAsync(stray, "copied");
        await app.StopServerAsync();

        var report = await SigillProcess.RunAsync(Generous, "residency", "report", "--data", app.DataDirectory);
        Assert.Equal(1, report.ExitCode);
        Assert.Contains($"LEAK: organization id {eu.OrganizationId} of region eu found in region us: {stray}", report.Stdout, StringComparison.Ordinal);
        Assert.Contains("residency: FAILED — 1 leaks", report.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task The_report_finds_no_card_number_after_an_ordinary_flow_and_names_a_planted_one_masked(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend);
        var org = await app.SetUpOrganizationAsync("Card Audit AB", "eu");
        using var sender = app.Web(org.ApiToken);
        // An ordinary flow whose text is full of numbers that only look like card numbers: uploaded, sent, signed, sealed.
        var id = (await UploadOkAsync(sender, "Invoice 1234567890123456", SamplePdf(
            "Pay to SE45 5000 0000 0583 9825 7466 by 2026-12-31; call +46 70 123 45 67; order 100234-5567-8890."))).GetProperty("id").GetString()!;
        var recipient = await AddRecipientAsync(sender, id, "Sam Signer", "sam@audit.example");
        var text = await AddFieldAsync(sender, id, recipient, "text", 150);
        await AddFieldAsync(sender, id, recipient, "signature", 100);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Invoice 2024-000123, due 2026-12-31" });
        await SignAsync(app, LinkFor(app.DataDirectory, "eu", "sam@audit.example"),
            new { typedName = "Sam Signer", fields = new[] { new { id = text, value = "DE89 3704 0044 0532 0130 00" } } });

        var eu = app.Cells.Get("eu");
        var clean = await new CellScanner(eu).FindCardNumbersAsync(CancellationToken.None);
        Assert.True(clean.Findings.Count == 0, string.Join("; ", clean.Findings));
        Assert.True(clean.PdfsRead >= 2, $"{clean.PdfsRead} PDFs read"); // the upload and the sealed document, through their text
        Assert.Equal(0, clean.NotDecrypted);

        // Planted: a PDF showing a card number, stored as an object (encrypted like every object), and a card number
        // written into a row in clear.
        await eu.Objects.PutAsync(new ObjectContext("eu", org.OrganizationId, "doc_eu_planted", 1, "document.pdf"),
            new MemoryStream(SamplePdf("Card 4242 4242 4242 4242, thank you")), CancellationToken.None);
        await using (var db = eu.CreateDbContext())
        {
            await db.Set<Sigill.Api.Features.Documents.Document>().Where(d => d.Id == id)
                .ExecuteUpdateAsync(u => u.SetProperty(d => d.Source, "5555555555554444"));
        }
        var planted = await new CellScanner(eu).FindCardNumbersAsync(CancellationToken.None);
        Assert.Contains(planted.Findings, f => f is { Scheme: "Visa", Masked: "424242…4242" } && f.Where.EndsWith("/doc_eu_planted/v1 (decrypted, page 1)", StringComparison.Ordinal));
        Assert.Contains(planted.Findings, f => f is { Scheme: "Mastercard", Masked: "555555…4444" });
        Assert.Empty((await new CellScanner(app.Cells.Get("us")).FindCardNumbersAsync(CancellationToken.None)).Findings);

        // The operator's command says the same, masked, and fails.
        await app.StopServerAsync();
        string[] arguments = app.ConfigFile is { } config
            ? ["residency", "report", "--data", app.DataDirectory, "--config", config]
            : ["residency", "report", "--data", app.DataDirectory];
        var report = await SigillProcess.RunAsync(Generous, arguments);
        Assert.True(report.ExitCode == 1, report.Stdout + report.Stderr);
        Assert.Contains("CARD NUMBER: Visa 424242…4242 found in region eu: ", report.Stdout, StringComparison.Ordinal);
        Assert.Contains("/doc_eu_planted/v1 (decrypted, page 1)", report.Stdout, StringComparison.Ordinal);
        Assert.Contains("CARD NUMBER: Mastercard 555555…4444 found in region eu: ", report.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"region us: scanned \d+ files, tables and objects for card numbers \(\d+ objects decrypted, \d+ PDFs read as text\): none found", report.Stdout);
        Assert.Matches(@"residency: FAILED — \d+ card numbers stored", report.Stdout.Trim().Split('\n')[^1]);
        Assert.DoesNotContain("4242424242424242", report.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("5555555555554444", report.Stdout, StringComparison.Ordinal);
    }
}
