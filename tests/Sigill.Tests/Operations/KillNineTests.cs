using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Sigill.Bench;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Operations;

/// <summary>
/// Issue 21's kill -9 fault: a real <c>sigill serve</c> process (web tier, API tier and job worker in one) is killed with
/// SIGKILL at random moments while four clients run the whole document flow against it (create, recipients and fields,
/// send, the signers' links from the outbox, view, consent, sign, completion and sealing through the queue, download),
/// and started again on the same data each time. The rules: no step the server acknowledged is lost; every document
/// whose last signature was acknowledged completes and is sealed (the queue resumes it); then <c>sigill audit verify</c>
/// passes and <c>sigill doctor</c> finds nothing half-written. On SQLite and on PostgreSQL + S3;
/// 25 kills each in the suite, <c>SIGILL_FAULT_KILLS</c> for more.
/// </summary>
public sealed class KillNineTests
{
    private static readonly int Kills = int.TryParse(Environment.GetEnvironmentVariable("SIGILL_FAULT_KILLS"), out var k) && k > 0 ? k : 25;

    /// <remarks>
    /// On PostgreSQL + S3 a run once left a stored PDF object that did not decrypt. Its cause was the test S3 server:
    /// s3rver writes a PUT's body straight into the object as it arrives, so a PUT cut by the kill stayed behind, truncated
    /// and listed, where real S3 stores an object only once its whole body arrived (the blob store's contract, see
    /// <c>IBlobStore</c>). ./test.sh now runs s3rver with that guarantee (tools/test-services/s3rver-atomic.js, proved by
    /// <c>S3ServerTests</c>), and this case runs again.
    /// </remarks>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgresS3)]
    public async Task Kill_9_at_random_points_of_the_document_flow_loses_no_acknowledged_step_and_every_signed_document_is_completed_and_sealed(Backend backend)
    {
        using var directory = new TempDirectory();
        var data = directory.Combine("data");
        var config = directory.Combine("sigill.json");
        // A job the killed process had claimed waits for its lease to run out before another claim (5 minutes by
        // default, since a claim cannot tell a dead node from a slow one): 15 s here, so 25 kills fit the suite.
        await File.WriteAllTextAsync(config, await Backends.ConfigAsync(backend,
            """{ "RateLimits": { "PerAddressPerSecond": 0, "PerCredentialPerSecond": 0 }, "Jobs": { "Lease": "00:00:15" } }"""));
        var port = SigillProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        string[] serve = ["serve", "--data", data, "--config", config, "--port", port];
        var server = SigillProcess.Start(serve);
        try
        {
            var web = new Uri(await server.WaitForLineAsync("web:", TimeSpan.FromSeconds(90)));
            var setupToken = new Uri(await server.WaitForLineAsync("setup:", TimeSpan.FromSeconds(10))).Segments[^1];
            using var client = new HttpClient { BaseAddress = web, Timeout = TimeSpan.FromSeconds(30) };
            var acknowledged = new ConcurrentDictionary<string, ConcurrentQueue<string>>(StringComparer.Ordinal);
            long stepCount = 0;
            var workload = new LoadWorkload(client, Path.Combine(data, "eu", "outbox"))
            {
                Acknowledged = (id, step) =>
                {
                    acknowledged.GetOrAdd(id, _ => new()).Enqueue(step);
                    Interlocked.Increment(ref stepCount);
                },
            };
            await workload.SetUpAsync(setupToken, CancellationToken.None);

            var stats = new LoadStats();
            using var stop = new CancellationTokenSource();
            var clients = RunFlows(workload, stats, stop.Token);
            for (var kill = 0; kill < Kills; kill++)
            {
                // The server must get some work done between kills, or a loaded machine only ever kills it while it
                // starts: wait for it to acknowledge a few steps (at most 20 s), then kill it at a random point of
                // whatever the four flows are doing.
                var before = Interlocked.Read(ref stepCount);
                var progress = DateTime.UtcNow.AddSeconds(20);
                while (Interlocked.Read(ref stepCount) < before + 4 && DateTime.UtcNow < progress)
                {
                    await Task.Delay(50);
                }
                await Task.Delay(RandomNumberGenerator.GetInt32(500, 3000));
                await server.KillAsync();
                await server.DisposeAsync();
                server = SigillProcess.Start(serve);
                await server.WaitForLineAsync("web:", TimeSpan.FromSeconds(90));
            }
            await stop.CancelAsync();
            await Task.WhenAll(clients).WaitAsync(TimeSpan.FromMinutes(4));

            // How much work fits between kills depends on the machine's load (the full suite runs beside this test): the
            // rules below are judged on whatever was acknowledged; the summary line reports how much that was.
            Assert.True(acknowledged.Count > 0, $"no document was created across {Kills} kills");
            var signedByBoth = 0;
            foreach (var (id, steps) in acknowledged)
            {
                var document = await DocumentAsync(client, id);
                Assert.True(document is not null, $"acknowledged document {id} is gone after the kills (steps: {string.Join(", ", steps)})");
                var status = document.Value.GetProperty("status").GetString();
                if (steps.Contains("sent"))
                {
                    Assert.NotEqual("draft", status);
                }
                var signatures = steps.Count(s => s == "signed");
                var signed = document.Value.GetProperty("recipients").EnumerateArray().Count(r => r.GetProperty("status").GetString() == "signed");
                Assert.True(signed >= signatures || status == "completed", $"document {id}: {signatures} signatures acknowledged, {signed} recorded");
                if (signatures == 2)
                {
                    signedByBoth++;
                    // Completion and the seal resume through the queue after a kill: the document is not stuck.
                    var deadline = DateTime.UtcNow.AddMinutes(2);
                    while (status != "completed" && DateTime.UtcNow < deadline)
                    {
                        await Task.Delay(200);
                        status = (await DocumentAsync(client, id))!.Value.GetProperty("status").GetString();
                    }
                    Assert.True(status == "completed", $"document {id} was signed by both signers but is {status} two minutes later");
                    using var sealedPdf = await client.GetAsync(new Uri($"/api/v1/documents/{id}/sealed.pdf", UriKind.Relative));
                    Assert.True(sealedPdf.IsSuccessStatusCode, $"document {id}: sealed PDF answered {(int)sealedPdf.StatusCode}");
                }
            }

            // Stopped, the data passes both checks an operator runs after a crash.
            await server.KillAsync();
            var verify = await SigillProcess.RunAsync(TimeSpan.FromMinutes(3), "audit", "verify", "--data", data, "--config", config);
            Assert.True(verify.ExitCode == 0, $"audit verify after {Kills} kills: {verify.Stdout}\n{verify.Stderr}");
            var doctor = await SigillProcess.RunAsync(TimeSpan.FromMinutes(3), "doctor", "--data", data, "--config", config);
            Assert.True(doctor.ExitCode == 0, $"doctor after {Kills} kills: {doctor.Stdout}\n{doctor.Stderr}");
            Security.ScanSummary.Write(string.Create(CultureInfo.InvariantCulture,
                $"kill -9 ({backend}): {Kills} kills, {acknowledged.Count} documents created, {signedByBoth} signed by both and all completed and sealed, {stats.Failures} flows cut off; audit verify and doctor clean"));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>
    /// Four clients running the whole flow over and over until <paramref name="stop"/>; a flow a kill cut off was not
    /// acknowledged, so it starts over with a new document (after 100 ms: the server may be down, and a client retries,
    /// not in a tight loop).
    /// </summary>
    internal static List<Task> RunFlows(LoadWorkload workload, LoadStats stats, CancellationToken stop) =>
        Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await workload.FlowAsync(stats, CancellationToken.None);
                }
                catch (Exception e) when (e is HttpRequestException or LoadException or TaskCanceledException or IOException or System.Net.Sockets.SocketException)
                {
                    Interlocked.Increment(ref stats.Failures);
                    await Task.Delay(100);
                }
            }
        })).ToList();

    private static async Task<JsonElement?> DocumentAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync(new Uri($"/api/v1/documents/{id}", UriKind.Relative));
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
    }
}
