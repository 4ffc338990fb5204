using System.Text;
using Sigill.Api.Platform.Cells;
using Sigill.Crypto;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Cli;

public sealed class KeysCommandTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Rotations_keep_every_object_readable_and_move_objects_to_the_new_version()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Rotating Ltd", "eu");
        var contexts = Enumerable.Range(0, 3).Select(i => new ObjectContext("eu", org.OrganizationId, $"doc_eu_{i}", 1, "document")).ToList();
        foreach (var context in contexts)
        {
            await app.Cells.Get("eu").Objects.PutAsync(context, new MemoryStream(Encoding.UTF8.GetBytes("content of " + context.ObjectId)), CancellationToken.None);
        }
        await app.StopServerAsync();

        var rotateRoot = await SigillProcess.RunAsync(Generous, "keys", "rotate-root", "--data", app.DataDirectory);
        Assert.True(rotateRoot.ExitCode == 0, rotateRoot.Stderr);
        Assert.Contains("region eu: root is now development/eu/root/v2", rotateRoot.Stdout, StringComparison.Ordinal);

        var rotateOrg = await SigillProcess.RunAsync(Generous, "keys", "rotate-org", "--data", app.DataDirectory, "--org", org.OrganizationId);
        Assert.True(rotateOrg.ExitCode == 0, rotateOrg.Stderr);
        Assert.Contains($"{org.OrganizationId}: content key v2; 3 of 3 objects re-encrypted", rotateOrg.Stdout, StringComparison.Ordinal);

        // Resumable and idempotent: a second pass finds nothing stale.
        var again = await SigillProcess.RunAsync(Generous, "keys", "rotate-org", "--data", app.DataDirectory, "--org", org.OrganizationId);
        Assert.Contains("content key v3; 3 of 3 objects re-encrypted", again.Stdout, StringComparison.Ordinal);

        var status = await SigillProcess.RunAsync(Generous, "keys", "status", "--data", app.DataDirectory);
        Assert.Contains($"{org.OrganizationId}: content key v3", status.Stdout, StringComparison.Ordinal);

        using var cells = TestCells.Open(app.DataDirectory);
        var cell = cells.Get("eu");
        foreach (var context in contexts)
        {
            using var plain = new MemoryStream();
            Assert.True(await cell.Objects.CopyToAsync(context, plain, CancellationToken.None));
            Assert.Equal("content of " + context.ObjectId, Encoding.UTF8.GetString(plain.ToArray()));
            await using var blob = await cell.Blobs.OpenReadAsync(EncryptedObjects.BlobKeyOf(context), CancellationToken.None);
            Assert.Equal(3, await CellKeyManager.ReadObjectKeyVersionAsync(blob!));
        }
    }

    [Fact]
    public async Task A_background_rotation_is_finished_by_the_running_api_tiers_job_queue()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Background AB", "us");
        var cell = app.Cells.Get("us");
        var contexts = Enumerable.Range(0, 5).Select(i => new ObjectContext("us", org.OrganizationId, $"doc_us_{i}", 1, "document")).ToList();
        foreach (var context in contexts)
        {
            await cell.Objects.PutAsync(context, new MemoryStream(Encoding.UTF8.GetBytes("content " + context.ObjectId)), CancellationToken.None);
        }

        var rotate = await SigillProcess.RunAsync(Generous, "keys", "rotate-org", "--data", app.DataDirectory, "--org", org.OrganizationId, "--background");
        Assert.True(rotate.ExitCode == 0, rotate.Stderr);
        Assert.Contains("content key v2; re-encryption queued as a background job", rotate.Stdout, StringComparison.Ordinal);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        var versions = new List<int>();
        do
        {
            await Task.Delay(200);
            versions.Clear();
            foreach (var context in contexts)
            {
                await using var blob = await cell.Blobs.OpenReadAsync(EncryptedObjects.BlobKeyOf(context), CancellationToken.None);
                versions.Add(await CellKeyManager.ReadObjectKeyVersionAsync(blob!));
            }
        }
        while (versions.Any(v => v != 2) && DateTime.UtcNow < deadline);
        Assert.All(versions, v => Assert.Equal(2, v));
        foreach (var context in contexts)
        {
            using var plain = new MemoryStream();
            Assert.True(await cell.Objects.CopyToAsync(context, plain, CancellationToken.None));
            Assert.Equal("content " + context.ObjectId, Encoding.UTF8.GetString(plain.ToArray()));
        }
    }

    [Fact]
    public async Task A_shred_is_scheduled_with_a_delay_and_can_be_cancelled()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Leaving AB", "us");
        await app.StopServerAsync();

        var schedule = await SigillProcess.RunAsync(Generous, "keys", "shred", "--data", app.DataDirectory, "--org", org.OrganizationId);
        Assert.True(schedule.ExitCode == 0, schedule.Stderr);
        Assert.Contains("shred scheduled, due", schedule.Stdout, StringComparison.Ordinal);
        var executeDue = await SigillProcess.RunAsync(Generous, "keys", "shred", "--data", app.DataDirectory, "--execute-due");
        Assert.DoesNotContain("keys destroyed", executeDue.Stdout, StringComparison.Ordinal);
        Assert.Contains("shred pending", (await SigillProcess.RunAsync(Generous, "keys", "status", "--data", app.DataDirectory)).Stdout, StringComparison.Ordinal);

        var cancel = await SigillProcess.RunAsync(Generous, "keys", "shred", "--data", app.DataDirectory, "--org", org.OrganizationId, "--cancel");
        Assert.Contains("shred cancelled", cancel.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("shred pending", (await SigillProcess.RunAsync(Generous, "keys", "status", "--data", app.DataDirectory)).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_commands_refuse_an_unknown_organization_with_one_line()
    {
        await using var app = await SigillApp.StartAsync();
        await app.StopServerAsync();
        var result = await SigillProcess.RunAsync(Generous, "keys", "rotate-org", "--data", app.DataDirectory, "--org", "org_mars_0123456789abcdefghjkmnpqrs");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: 'org_mars_0123456789abcdefghjkmnpqrs' is not an organization id of a region this installation serves", result.Stderr.Trim());
    }

    [Fact]
    public async Task A_missing_master_key_is_named_in_one_line()
    {
        await using var app = await SigillApp.StartAsync();
        await app.StopServerAsync();
        File.Delete(Path.Combine(app.DataDirectory, "secrets", "master-eu.key"));
        File.Delete(Path.Combine(app.DataDirectory, "secrets", "master-us.key"));
        var result = await SigillProcess.RunAsync(Generous, "keys", "status", "--data", app.DataDirectory);
        // A lost master key is reported, never silently replaced (a new one could not open the keyring anyway).
        Assert.Equal(3, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: cell 'eu' cannot open its key provider: Master key file", line, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(app.DataDirectory, "secrets", "master-eu.key")));
    }
}
