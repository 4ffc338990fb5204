using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Audit;

/// <summary>`sigill audit verify|export|verify-receipt`, run as the real command on an installation's data directory.</summary>
public sealed class AuditCommandTests : IAsyncLifetime
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);
    private SigillApp _app = null!;
    private string _org = null!;

    public async Task InitializeAsync()
    {
        _app = await SigillApp.StartAsync();
        _org = (await _app.SetUpOrganizationAsync("Acme AB", "eu")).OrganizationId;
        await _app.SetUpOrganizationAsync("Globex", "eu");
        await _app.SetUpOrganizationAsync("Initech", "us");
        using var web = _app.Web();
        foreach (var region in new[] { "eu", "us" })
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            long expected = region == "eu" ? 6 : 2; // setup: organization, owner, membership, token; later organizations: organization, token
            while (!(await web.GetStringAsyncOrEmpty($"/audit/{region}/checkpoint")).Contains($"\n{expected}\n", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, $"no checkpoint of size {expected} in {region}");
                await Task.Delay(100);
            }
        }
        await _app.StopServerAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Verify_reports_every_region_ok_with_its_verifier_key()
    {
        var verify = await SigillProcess.RunAsync(Generous, "audit", "verify", "--data", _app.DataDirectory);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.Contains("audit log eu: OK, 6 events, checkpoint size 6", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("audit log us: OK, 2 events, checkpoint size 2", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("verifier key: sigill.local/", verify.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_fails_and_names_the_leaf_after_an_event_row_is_edited_in_the_database()
    {
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_app.DataDirectory, "eu", "sigill.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """UPDATE audit_events SET "OccurredAt" = '2020-01-01 00:00:00' WHERE "LeafIndex" = 2""";
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }
        var verify = await SigillProcess.RunAsync(Generous, "audit", "verify", "--data", _app.DataDirectory);
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("audit log eu: FAILED: leaf 2: event aev_eu_", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("(edited)", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("audit log us: OK, 2 events", verify.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_exported_organization_verifies_offline_and_a_tampered_receipt_does_not()
    {
        var export = Path.Combine(_app.DataDirectory, "..", "acme.jsonl");
        var run = await SigillProcess.RunAsync(Generous, "audit", "export", "--org", _org, "--out", export, "--data", _app.DataDirectory);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("exported 4 events", run.Stderr, StringComparison.Ordinal);
        var lines = await File.ReadAllLinesAsync(export);
        Assert.Equal(4, lines.Length);
        // All four events commit in one transaction at the same instant: the log keeps the order they were recorded in.
        string[] actions = ["organization.created", "user.created", "member.added", "api_token.created"];
        foreach (var (line, action) in lines.Zip(actions))
        {
            Assert.Contains($"\"action\":\"{action}\"", JsonDocument.Parse(line).RootElement.GetProperty("event").GetString()!, StringComparison.Ordinal);
        }
        var created = lines[0];

        var key = (await SigillProcess.RunAsync(Generous, "audit", "verify", "--data", _app.DataDirectory, "--region", "eu")).Stdout
            .Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("verifier key: ", StringComparison.Ordinal))["verifier key: ".Length..];
        var ok = await SigillProcess.RunAsync(Generous, "audit", "verify-receipt", export, "--key", key);
        Assert.True(ok.ExitCode == 0, ok.Stdout + ok.Stderr);
        Assert.Equal(4, ok.Stdout.Split('\n').Count(l => l.Contains(": OK, leaf ", StringComparison.Ordinal) && l.Contains("trusted key, event bytes match", StringComparison.Ordinal)));

        // One receipt on its own, then with one changed byte of its event.
        var receiptFile = export + ".receipt.json";
        using (var first = JsonDocument.Parse(created))
        {
            await File.WriteAllTextAsync(receiptFile, first.RootElement.GetProperty("receipt").GetRawText());
        }
        Assert.Equal(0, (await SigillProcess.RunAsync(Generous, "audit", "verify-receipt", receiptFile, "--key", key)).ExitCode);

        var tampered = created.Replace("organization.created", "organization.deleted", StringComparison.Ordinal);
        await File.WriteAllTextAsync(export, tampered + "\n", new UTF8Encoding(false));
        var bad = await SigillProcess.RunAsync(Generous, "audit", "verify-receipt", export, "--key", key);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("INVALID (EventMismatch)", bad.Stdout, StringComparison.Ordinal);

        var otherKey = Sigill.Transparency.NoteSigner.Generate(key.Split('+')[0]).VerifierKey;
        var untrusted = await SigillProcess.RunAsync(Generous, "audit", "verify-receipt", receiptFile, "--key", otherKey);
        Assert.Equal(1, untrusted.ExitCode);
        Assert.Contains("INVALID (UntrustedVerifierKey)", untrusted.Stdout, StringComparison.Ordinal);
    }
}

internal static class HttpClientPolling
{
    public static async Task<string> GetStringAsyncOrEmpty(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : "";
    }
}
