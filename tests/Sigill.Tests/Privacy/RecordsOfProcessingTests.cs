using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;
using Sigill.Tests.TrustCenter;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Privacy;

/// <summary>
/// Records of processing (GDPR Article 30, issue 18 part 6, docs/formats/ropa.md): generated from the live installation
/// — the configured sub-processors and regions, the operator, the retention facts — as JSON and as a PDF that reads back
/// with pdftotext, from the API for an organization's admins and from <c>sigill privacy ropa</c>; never a recipient's
/// name or address. And the privacy notice a recipient reaches from the signing page.
/// </summary>
public sealed class RecordsOfProcessingTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(5);

    internal static string Config() => new JsonObject
    {
        ["SubProcessors"] = new JsonObject { ["Entries"] = new JsonArray(SubProcessorRegisterTests.Entry("Mailgate"), SubProcessorRegisterTests.Entry("Euro Vault", "Stores backups", null, "eu"), SubProcessorRegisterTests.Entry("Yankee Texts", "Sends text messages", null, "us")) },
        ["Trust"] = new JsonObject
        {
            ["Operator"] = new JsonObject { ["Name"] = "Heron Hosting AB", ["Contact"] = "mailto:privacy@heron.example" },
            ["Hosting"] = new JsonObject { ["DataCentres"] = new JsonObject { ["eu"] = "Falkenstein, Germany" } },
        },
    }.ToJsonString();

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task An_admin_gets_the_organizations_records_as_json_and_pdf_with_its_region_and_sub_processors_and_no_recipient(Backend backend)
    {
        await using var app = await SigillApp.StartAsync(backend, Config());
        var account = await IdentityKit.SignUpAsync(app, $"olle-{Guid.NewGuid():N}@example.com", "eu", "Ropa AB");
        using var owner = app.Web(account.Session);
        var doc = (await UploadOkAsync(owner, "Lease of Quokka Lane", SamplePdf("lease"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(owner, doc, "Ada Lovelace", "ada.lovelace@example.com");

        using var json = await owner.GetAsync("/api/v1/privacy/records-of-processing");
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        var text = await json.Content.ReadAsStringAsync();
        var records = JsonDocument.Parse(text).RootElement;
        Assert.Equal("sigill-ropa-v1", records.GetProperty("format").GetString());
        Assert.Equal("Heron Hosting AB", records.GetProperty("operator").GetProperty("name").GetString());
        var organization = records.GetProperty("organization");
        Assert.Equal(account.OrganizationId, organization.GetProperty("id").GetString());
        Assert.Equal("Ropa AB", organization.GetProperty("name").GetString());
        Assert.Equal(1, organization.GetProperty("subProcessorsAccepted").GetProperty("version").GetInt32());
        var region = Assert.Single(records.GetProperty("regions").EnumerateArray());
        Assert.Equal("eu", region.GetProperty("region").GetString());
        Assert.Equal("Falkenstein, Germany", region.GetProperty("dataCentre").GetString());
        Assert.Equal(["Euro Vault", "Mailgate"], region.GetProperty("subProcessors").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(1, region.GetProperty("keys").GetProperty("organizationKeys").GetInt32());
        // A new organization's default retention policy, in words and as numbers.
        Assert.Equal(Sigill.Api.Features.Privacy.RecordsOfProcessing.DescribePolicy(new Sigill.Contracts.RetentionPolicy(180, 365, null, 90), true),
            records.GetProperty("retention").GetProperty("automaticDeletion").GetString());
        Assert.Equal(180, records.GetProperty("retention").GetProperty("organizationPolicy").GetProperty("draftDays").GetInt32());
        Assert.Equal(JsonValueKind.Null, records.GetProperty("retention").GetProperty("backupRetentionDays").ValueKind); // no Backups:Directory here
        Assert.DoesNotContain("Yankee Texts", text, StringComparison.Ordinal); // a US-only sub-processor is not the EU organization's
        AssertNoRecipient(text);

        using var pdf = await owner.GetAsync("/api/v1/privacy/records-of-processing?format=pdf");
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType?.MediaType);
        var read = PdfText(await pdf.Content.ReadAsByteArrayAsync());
        Assert.Contains("Records of processing (GDPR Article 30)", read, StringComparison.Ordinal);
        Assert.Contains("Region eu", read, StringComparison.Ordinal);
        Assert.Contains("Mailgate", read, StringComparison.Ordinal);
        Assert.Contains("Euro Vault", read, StringComparison.Ordinal);
        Assert.Contains("Heron Hosting AB", read, StringComparison.Ordinal);
        Assert.Contains("retention policy: drafts deleted 180", read, StringComparison.Ordinal);
        AssertNoRecipient(read);

        using var bad = await owner.GetAsync("/api/v1/privacy/records-of-processing?format=xml");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task The_cli_writes_the_installations_records_for_every_region_and_one_organizations_for_its_region()
    {
        await using var app = await SigillApp.StartAsync(Config());
        var account = await IdentityKit.SignUpAsync(app, $"cli-{Guid.NewGuid():N}@example.com", "us", "Cli AB");
        using (var owner = app.Web(account.Session))
        {
            var doc = (await UploadOkAsync(owner, "Quote 17", SamplePdf("quote"))).GetProperty("id").GetString()!;
            await AddRecipientAsync(owner, doc, "Ada Lovelace", "ada.lovelace@example.com");
        }
        await app.StopServerAsync();
        using var target = new TempDirectory();
        string[] installation = app.ConfigFile is { } config ? ["--data", app.DataDirectory, "--config", config] : ["--data", app.DataDirectory];

        var all = await SigillProcess.RunAsync(Generous, ["privacy", "ropa", "--out", target.Combine("all"), .. installation]);
        Assert.True(all.ExitCode == 0, all.Stdout + all.Stderr);
        var text = await File.ReadAllTextAsync(target.Combine("all", "ropa.json"));
        var records = JsonDocument.Parse(text).RootElement;
        Assert.Equal(JsonValueKind.Null, records.GetProperty("organization").ValueKind);
        var regions = records.GetProperty("regions").EnumerateArray().ToDictionary(r => r.GetProperty("region").GetString()!);
        Assert.Equal(["eu", "us"], regions.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Mailgate", "Yankee Texts"], regions["us"].GetProperty("subProcessors").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(2, regions["us"].GetProperty("transfers").GetArrayLength());
        Assert.Equal(0, records.GetProperty("residency").GetProperty("exitCode").GetInt32());
        AssertNoRecipient(text);
        var read = PdfText(await File.ReadAllBytesAsync(target.Combine("all", "ropa.pdf")));
        Assert.Contains("Region us", read, StringComparison.Ordinal);
        Assert.Contains("Region eu", read, StringComparison.Ordinal);
        Assert.Contains("Yankee Texts", read, StringComparison.Ordinal);
        Assert.Contains("residency scan of every cell: OK", read, StringComparison.Ordinal);
        AssertNoRecipient(read);

        var one = await SigillProcess.RunAsync(Generous, ["privacy", "ropa", "--organization", account.OrganizationId, "--out", target.Combine("one"), .. installation]);
        Assert.True(one.ExitCode == 0, one.Stdout + one.Stderr);
        var mine = JsonDocument.Parse(await File.ReadAllTextAsync(target.Combine("one", "ropa.json"))).RootElement;
        Assert.Equal("Cli AB", mine.GetProperty("organization").GetProperty("name").GetString());
        Assert.Equal("us", Assert.Single(mine.GetProperty("regions").EnumerateArray()).GetProperty("region").GetString());

        var unknown = await SigillProcess.RunAsync(Generous, ["privacy", "ropa", "--organization", "org_eu_nothing", "--out", target.Combine("bad"), .. installation]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.False(Directory.Exists(target.Combine("bad")));
    }

    [Fact]
    public async Task A_recipients_link_names_the_sending_organization_and_the_operator_in_its_privacy_notice()
    {
        await using var app = await SigillApp.StartAsync(Config());
        var org = await app.SetUpOrganizationAsync("Notice AB", "eu");
        using var sender = app.Web(org.ApiToken);
        var doc = (await UploadOkAsync(sender, "Offer", SamplePdf("offer"))).GetProperty("id").GetString()!;
        var ann = await AddRecipientAsync(sender, doc, "Ann Reader", "ann@example.test");
        await AddFieldAsync(sender, doc, ann, "signature", 100);
        await PostOkAsync(sender, $"/api/v1/documents/{doc}/send", new { });
        var link = LinkFor(app.DataDirectory, "eu", "ann@example.test");

        using var web = app.Web();
        var notice = await web.GetFromJsonAsync<JsonElement>($"/api/v1/signing/{link}/privacy");
        Assert.Equal("Notice AB", notice.GetProperty("controller").GetString());
        Assert.Equal("Heron Hosting AB", notice.GetProperty("operator").GetString());
        Assert.Equal("mailto:privacy@heron.example", notice.GetProperty("operatorContact").GetString());
        using var wrong = await web.GetAsync("/api/v1/signing/sgr_eu_wrong/privacy");
        Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
    }



    private static void AssertNoRecipient(string text)
    {
        Assert.DoesNotContain("Ada Lovelace", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ada.lovelace@example.com", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Lease of Quokka Lane", text, StringComparison.Ordinal);
    }

    internal static string PdfText(byte[] pdf)
    {
        var file = Path.Combine(Path.GetTempPath(), $"ropa-{Guid.NewGuid():N}.pdf");
        File.WriteAllBytes(file, pdf);
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pdftotext", [file, "-"]) { RedirectStandardOutput = true })!;
            var text = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.Equal(0, process.ExitCode);
            return text;
        }
        finally
        {
            File.Delete(file);
        }
    }
}
