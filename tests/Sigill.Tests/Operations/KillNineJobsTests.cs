using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sigill.Bench;
using Sigill.Tests.Infrastructure;
using Sigill.Tests.Webhooks;

namespace Sigill.Tests.Operations;

/// <summary>
/// Issue 21's kill -9 fault for the background jobs: a real <c>sigill serve</c> process is killed with SIGKILL at random
/// moments, and started again on the same data, while it delivers webhooks (<c>webhook.deliver</c>, for the events four
/// clients running the document flow cause), writes the daily backup (<c>backup.cell</c>; one kill waits for the archive
/// being written, so a backup is always cut) and re-encrypts an organization after <c>sigill keys rotate-org
/// --background</c> (<c>keys.reencrypt</c>, rotated twice during the kills). Then, left undisturbed: every event of an
/// acknowledged step reaches the endpoint, signed (at least once: a webhook-id may repeat, docs/api.md), and no delivery
/// is left pending or dead; a backup of every region completes, verifies, and no partial archive stays behind; the
/// re-encryption to the last key version finishes (log event 3102); <c>sigill audit verify</c> passes and
/// <c>sigill doctor</c> finds nothing half-written, stuck or dead-lettered. On SQLite and on PostgreSQL + S3; 8 kills each
/// in the suite, <c>SIGILL_FAULT_KILLS</c> for more.
/// </summary>
public sealed partial class KillNineJobsTests
{
    private static readonly int Kills = int.TryParse(Environment.GetEnvironmentVariable("SIGILL_FAULT_KILLS"), out var k) && k > 0 ? k : 8;

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgresS3)]
    public async Task Kill_9_during_webhook_delivery_backup_and_key_rotation_loses_no_event_leaves_no_partial_archive_and_every_job_finishes(Backend backend)
    {
        using var directory = new TempDirectory();
        var data = directory.Combine("data");
        var config = directory.Combine("sigill.json");
        var backups = directory.Combine("backups");
        await using var receiver = await WebhookReceiver.StartAsync();
        await File.WriteAllTextAsync(config, await Backends.ConfigAsync(backend, Config(backups)));
        var port = SigillProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        string[] serve = ["serve", "--data", data, "--config", config, "--port", port];
        string[] Cli(params string[] verb) => [.. verb, "--data", data, "--config", config];
        var server = SigillProcess.Start(serve);
        try
        {
            var web = new Uri(await server.WaitForLineAsync("web:", TimeSpan.FromSeconds(90)));
            var setupToken = new Uri(await server.WaitForLineAsync("setup:", TimeSpan.FromSeconds(10))).Segments[^1];
            using var client = new HttpClient { BaseAddress = web, Timeout = TimeSpan.FromSeconds(30) };
            var acknowledged = new ConcurrentDictionary<string, ConcurrentQueue<string>>(StringComparer.Ordinal);
            var workload = new LoadWorkload(client, Path.Combine(data, "eu", "outbox"))
            {
                Acknowledged = (id, step) => acknowledged.GetOrAdd(id, _ => new()).Enqueue(step),
            };
            await workload.SetUpAsync(setupToken, CancellationToken.None);
            using var created = await client.PostAsJsonAsync("/api/v1/webhooks", new { url = receiver.Url, events = new[] { "*" } });
            Assert.True(created.IsSuccessStatusCode, $"creating the webhook answered {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
            var webhook = await created.Content.ReadFromJsonAsync<JsonElement>();
            var (webhookId, secret) = (webhook.GetProperty("id").GetString()!, webhook.GetProperty("secret").GetString()!);
            var status = await RunAsync(Cli("keys", "status"));
            var organizationId = OrganizationPattern().Match(status.Stdout).Groups[1].Value;
            Assert.True(organizationId.Length > 0, $"keys status names no organization: {status.Stdout}\n{status.Stderr}");

            var stats = new LoadStats();
            using var stop = new CancellationTokenSource();
            var clients = KillNineTests.RunFlows(workload, stats, stop.Token);

            var backupsCut = new HashSet<string>(StringComparer.Ordinal); // the partial archives a kill found being written
            var keyVersion = 1;
            var rotations = new HashSet<int> { 1, Math.Max(2, Kills / 2) };
            for (var kill = 0; kill < Kills; kill++)
            {
                if (kill == 0)
                {
                    // The first kill cuts the daily backup mid-write (it becomes due 30 s after the first start, once
                    // documents exist); later kills cut it again whenever a retry is being written when they fall due.
                    await WaitForPartialAsync(backups, [.. backupsCut], TimeSpan.FromMinutes(3), orArchive: true);
                }
                else
                {
                    await Task.WhenAny(Task.Delay(RandomNumberGenerator.GetInt32(500, 3000)), WaitForPartialAsync(backups, [.. backupsCut], TimeSpan.FromSeconds(3)));
                }
                backupsCut.UnionWith(Partials(backups));
                await server.KillAsync();
                await server.DisposeAsync();
                server = SigillProcess.Start(serve);
                await server.WaitForLineAsync("web:", TimeSpan.FromSeconds(90));
                if (rotations.Contains(kill))
                {
                    // An operator rotates the organization's content key and leaves the re-encryption to the server's queue.
                    var rotate = await RunAsync(Cli("keys", "rotate-org", "--org", organizationId, "--background"));
                    Assert.True(rotate.ExitCode == 0, $"keys rotate-org: {rotate.Stdout}\n{rotate.Stderr}");
                    keyVersion = int.Parse(KeyVersionPattern().Match(rotate.Stdout).Groups[1].Value, CultureInfo.InvariantCulture);
                    await Task.Delay(RandomNumberGenerator.GetInt32(200, 2000)); // the next kill falls while the job runs, or just after
                }
            }
            await stop.CancelAsync();
            await Task.WhenAll(clients).WaitAsync(TimeSpan.FromMinutes(4));
            Assert.True(acknowledged.Count > 0, $"no document was created across {Kills} kills");

            // Left alone, the server finishes every job the kills interrupted (a claimed job waits for its 15 s lease).
            var deadline = DateTime.UtcNow.AddMinutes(5);
            var regions = Sigill.Cli.Hosting.SigillConfiguration.DefaultRegions;
            string missing;
            while ((missing = await UnfinishedAsync()) != "" && DateTime.UtcNow < deadline)
            {
                await Task.Delay(1000);
            }
            Assert.True(missing == "", $"five minutes after {Kills} kills: {missing}");

            async Task<string> UnfinishedAsync()
            {
                var events = receiver.Requests.Select(r => (r.Id, Event: JsonDocument.Parse(r.Body).RootElement)).ToList();
                foreach (var (id, steps) in acknowledged)
                {
                    var document = await DocumentAsync(client, id);
                    if (document is null) return $"acknowledged document {id} is gone (steps: {string.Join(", ", steps)})";
                    var delivered = events.Where(e => e.Event.GetProperty("data").GetProperty("documentId").GetString() == id)
                        .Select(e => (Type: e.Event.GetProperty("type").GetString(), Recipient: e.Event.GetProperty("data").GetProperty("recipientId").GetString())).ToList();
                    foreach (var step in steps.Distinct().Where(s => s != "signed"))
                    {
                        if (!delivered.Any(d => d.Type == "document." + step)) return $"no document.{step} event of {id} arrived";
                    }
                    var signatures = steps.Count(s => s == "signed");
                    if (delivered.Where(d => d.Type == "document.signed").Select(d => d.Recipient).Distinct().Count() < signatures)
                    {
                        return $"{signatures} signatures of {id} acknowledged, not all their document.signed events arrived";
                    }
                    if (signatures == 2 && !delivered.Any(d => d.Type == "document.completed"))
                    {
                        return $"{id} was signed by both signers; its document.completed event has not arrived (status {document.Value.GetProperty("status").GetString()})";
                    }
                }
                var received = events.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
                foreach (var delivery in (await client.GetFromJsonAsync<JsonElement>($"/api/v1/webhooks/{webhookId}/deliveries")).EnumerateArray())
                {
                    var (id, status) = (delivery.GetProperty("id").GetString()!, delivery.GetProperty("status").GetString());
                    if (status != "succeeded" || !received.Contains(id)) return $"delivery {id} ({delivery.GetProperty("eventType").GetString()}) is {status}";
                }
                foreach (var region in regions)
                {
                    if (!Directory.EnumerateFiles(backups, $"sigill-{region}-*.sgbk").Any()) return $"no backup of region {region} was written";
                }
                if (!ReencryptionFinished(data, organizationId, keyVersion)) return $"the re-encryption of {organizationId} to key v{keyVersion} has not finished";
                return "";
            }

            var forged = receiver.Requests.Where(r => !SignatureValid(secret, r)).Select(r => r.Id).ToList();
            Assert.True(forged.Count == 0, $"deliveries with a signature that does not verify: {string.Join(", ", forged)}");

            // Stopped the way an operator stops it (SIGTERM), the backup directory holds finished archives only: a
            // backup the kills cut left its partial file, the next backup removed it. Then the checks run after a crash.
            await StopAsync(server);
            var files = Directory.GetFiles(backups).Select(Path.GetFileName).ToList();
            Assert.True(files.All(f => ArchiveName().IsMatch(f!)), $"the backup directory holds more than archives: {string.Join(", ", files)}");
            foreach (var archive in Directory.GetFiles(backups, "*.sgbk"))
            {
                var verified = await RunAsync(Cli("backup", "verify", archive));
                Assert.True(verified.ExitCode == 0, $"backup verify {Path.GetFileName(archive)}: {verified.Stdout}\n{verified.Stderr}");
            }
            var verify = await RunAsync(Cli("audit", "verify"));
            Assert.True(verify.ExitCode == 0, $"audit verify after {Kills} kills: {verify.Stdout}\n{verify.Stderr}");
            var doctor = await RunAsync(Cli("doctor"));
            Assert.True(doctor.ExitCode == 0 && !doctor.Stdout.Contains("job.dead_lettered", StringComparison.Ordinal),
                $"doctor after {Kills} kills: {doctor.Stdout}\n{doctor.Stderr}");
            Security.ScanSummary.Write(string.Create(CultureInfo.InvariantCulture,
                $"kill -9 jobs ({backend}): {Kills} kills ({backupsCut.Count} mid-backup), {acknowledged.Count} documents, {receiver.Requests.Count} webhook deliveries " +
                $"({receiver.Requests.Select(r => r.Id).Distinct().Count()} distinct) all signed, {files.Count} archives verified, re-encryption to v{keyVersion} finished; audit verify and doctor clean"));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>
    /// Short job leases (a killed node's claim is retried after 15 s instead of 5 minutes), webhooks allowed to loopback
    /// (the receiver), and the daily backup due 30 s from now (at midnight when that would be tomorrow: due at once).
    /// </summary>
    private static string Config(string backups)
    {
        var due = DateTime.UtcNow.TimeOfDay + TimeSpan.FromSeconds(30);
        return new JsonObject
        {
            ["RateLimits"] = new JsonObject { ["PerAddressPerSecond"] = 0, ["PerCredentialPerSecond"] = 0 },
            ["Jobs"] = new JsonObject { ["Lease"] = "00:00:15" },
            ["Webhooks"] = new JsonObject { ["AllowedNetworks"] = new JsonArray("127.0.0.0/8") },
            ["Backups"] = new JsonObject
            {
                ["Directory"] = backups,
                ["DailyAtUtc"] = (due >= TimeSpan.FromDays(1) ? TimeSpan.Zero : due).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture),
            },
        }.ToJsonString();
    }

    /// <summary>The hidden files a backup writes before it renames the finished archive (.sigill-…sgbk.partial-…).</summary>
    private static string[] Partials(string backups) =>
        Directory.Exists(backups) ? Directory.GetFiles(backups, ".*partial*") : [];

    /// <summary>Until a backup other than <paramref name="cut"/> is being written (or, with <paramref name="orArchive"/>, one finished unseen).</summary>
    private static async Task WaitForPartialAsync(string backups, IReadOnlyCollection<string> cut, TimeSpan timeout, bool orArchive = false)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Partials(backups).Except(cut).Any() && !(orArchive && Directory.Exists(backups) && Directory.GetFiles(backups, "*.sgbk").Length > 0)
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
    }

    /// <summary>Log event 3102 in the region's own log (docs/architecture.md): the job's pass over every object is done.</summary>
    private static bool ReencryptionFinished(string data, string organizationId, int version)
    {
        var logs = Path.Combine(data, "eu", "logs");
        var finished = $"[3102] Re-encryption of {organizationId} to key v{version.ToString(CultureInfo.InvariantCulture)} finished";
        return Directory.Exists(logs) && Directory.GetFiles(logs, "api-*.log").Any(f => ReadShared(f).Contains(finished, StringComparison.Ordinal));
    }

    private static string ReadShared(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Standard Webhooks verification, written here independently of the product's signer.</summary>
    private static bool SignatureValid(string secret, WebhookReceiver.Received r)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var content = Encoding.UTF8.GetBytes($"{r.Id}.{r.Timestamp}.").Concat(r.Body).ToArray();
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
        return r.Signature.Split(' ').Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), Encoding.ASCII.GetBytes(expected)));
    }

    /// <summary>SIGTERM, as systemd stops the service: jobs in flight are given back, a backup being written is abandoned cleanly.</summary>
    private static async Task StopAsync(SigillProcess server)
    {
        using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", server.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }
        await server.WaitForExitAsync(TimeSpan.FromMinutes(1));
    }

    private static Task<SigillProcess> RunAsync(string[] args) => SigillProcess.RunAsync(TimeSpan.FromMinutes(3), args);

    private static async Task<JsonElement?> DocumentAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync(new Uri($"/api/v1/documents/{id}", UriKind.Relative));
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
    }

    [GeneratedRegex(@"(?m)^\s+(org_eu_[0-9a-z]{26}): content key v")]
    private static partial Regex OrganizationPattern();

    [GeneratedRegex(@"content key v(\d+); re-encryption queued")]
    private static partial Regex KeyVersionPattern();

    [GeneratedRegex(@"^sigill-[a-z][a-z0-9-]*-\d{8}T\d{6}Z\.sgbk$")]
    private static partial Regex ArchiveName();
}
