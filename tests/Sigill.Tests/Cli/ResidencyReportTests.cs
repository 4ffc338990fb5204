using System.Text;
using Sigill.Crypto;
using Sigill.Tests.Infrastructure;

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
}
