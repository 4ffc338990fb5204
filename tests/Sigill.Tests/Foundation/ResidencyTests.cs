using System.Text;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Foundation;

/// <summary>Everything an organization causes lands in its own region's cell, and nothing in another's.</summary>
public sealed class ResidencyTests
{
    [Fact]
    public async Task Data_written_for_an_eu_organization_never_lands_in_the_us_cell_on_sqlite_and_files()
    {
        await using var app = await SigillApp.StartAsync();
        var marker = "Residency-Marker-" + Guid.NewGuid().ToString("N");
        var org = await app.SetUpOrganizationAsync(marker, "eu");
        await app.Cells.Get("eu").Objects.PutAsync(Probe(org.OrganizationId), new MemoryStream(Encoding.UTF8.GetBytes(marker)), CancellationToken.None);

        var us = Path.Combine(app.DataDirectory, "us");
        var eu = Path.Combine(app.DataDirectory, "eu");
        var tokenId = org.ApiToken.Split('_')[2];
        foreach (var needle in new[] { marker, org.OrganizationId, tokenId })
        {
            Assert.Empty(ByteScan.FilesContaining(us, needle));
        }
        // The scan can see: the identifiers are found in the eu cell — but not the name, which is encrypted there too.
        Assert.NotEmpty(ByteScan.FilesContaining(eu, org.OrganizationId));
        Assert.NotEmpty(ByteScan.FilesContaining(eu, tokenId));
        Assert.Empty(ByteScan.FilesContaining(app.DataDirectory, marker));
        // Nothing outside the cells mentions the organization either.
        var outside = new[] { org.OrganizationId, marker }.SelectMany(needle => ByteScan.FilesContaining(app.DataDirectory, needle))
            .Where(f => !f.StartsWith(us + "/", StringComparison.Ordinal) && !f.StartsWith(eu + "/", StringComparison.Ordinal));
        Assert.Empty(outside);
    }

    [Fact]
    public async Task Data_written_for_an_eu_organization_never_lands_in_the_us_cell_on_postgres_and_s3()
    {
        var usDb = await TestServices.CreatePostgresDatabaseAsync();
        var euDb = await TestServices.CreatePostgresDatabaseAsync();
        var usBucket = await TestServices.CreateS3BucketAsync();
        var euBucket = await TestServices.CreateS3BucketAsync();
        var config = System.Text.Json.JsonSerializer.Serialize(new
        {
            Cells = new Dictionary<string, object>
            {
                ["us"] = new { Database = new { Provider = "postgres", ConnectionString = usDb }, Blobs = usBucket },
                ["eu"] = new { Database = new { Provider = "postgres", ConnectionString = euDb }, Blobs = euBucket },
            },
        });
        await using var app = await SigillApp.StartAsync(config);
        var marker = "Residency-Marker-" + Guid.NewGuid().ToString("N");
        var org = await app.SetUpOrganizationAsync(marker, "eu");
        await app.Cells.Get("eu").Objects.PutAsync(Probe(org.OrganizationId), new MemoryStream(Encoding.UTF8.GetBytes(marker)), CancellationToken.None);

        // Every row of every table and every object, read the way `sigill residency report` reads a cell.
        var inUs = await new Sigill.Api.Platform.Cells.CellScanner(app.Cells.Get("us")).FindAsync([marker, org.OrganizationId], CancellationToken.None);
        Assert.Empty(inUs);
        var inEu = await new Sigill.Api.Platform.Cells.CellScanner(app.Cells.Get("eu")).FindAsync([marker, org.OrganizationId], CancellationToken.None);
        Assert.Contains(inEu[org.OrganizationId], where => where.Contains("table organizations", StringComparison.Ordinal));
        Assert.False(inEu.ContainsKey(marker), "the organization's name is stored in clear in the eu cell");

        var usKeys = new List<string>();
        await foreach (var key in app.Cells.Get("us").Blobs.ListAsync("", CancellationToken.None))
        {
            usKeys.Add(key);
        }
        Assert.Empty(usKeys);
        var euKeys = new List<string>();
        await foreach (var key in app.Cells.Get("eu").Blobs.ListAsync("", CancellationToken.None))
        {
            euKeys.Add(key);
        }
        Assert.Equal([Sigill.Api.Platform.Cells.EncryptedObjects.BlobKeyOf(Probe(org.OrganizationId))], euKeys);
    }

    private static Sigill.Crypto.ObjectContext Probe(string organizationId) => new("eu", organizationId, "obj_eu_probe", 1, "probe");
}
