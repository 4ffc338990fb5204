using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sigill.Api.Platform.Jobs;
using Sigill.Tests.Documents;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Operations;

/// <summary>
/// Graceful shutdown (issue 21, item 4): stopping the embedded server — what SIGTERM or Ctrl+C does to `sigill serve` —
/// while clients upload documents. New connections are refused, every request the server accepted is answered (no
/// 5xx), every acknowledged document is there after a restart, and the job in hand finishes instead of being cut.
/// </summary>
public sealed class GracefulShutdownTests
{
    /// <summary>A job that runs until the test lets it end (or its cancellation token fires, which would release it).</summary>
    private sealed class HeldJob : IJobHandler
    {
        public const string KindName = "test.held";
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public string Kind => KindName;

        public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
        }
    }

    [Fact]
    public async Task Stopping_under_load_answers_every_accepted_request_keeps_every_acknowledged_write_and_lets_the_job_in_hand_finish()
    {
        var held = new HeldJob();
        await using var app = await SigillApp.StartAsync("""{ "Http": { "ShutdownTimeout": "00:00:20" } }""",
            apiOverrides: services => services.AddSingleton<IJobHandler>(held));
        var org = await app.SetUpOrganizationAsync("Shutdown AB", "eu");
        Assert.True(await JobQueue.EnqueueNowAsync(app.Cells.Get("eu"), JobRequest.Text(HeldJob.KindName, "held", "test:held"), TimeProvider.System));
        await held.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // The job may end only once the API tier is stopping: had the stop cancelled it, it would be released, not done.
        var lifetime = app.ApiServices.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStopping.Register(() => _ = Task.Delay(TimeSpan.FromSeconds(1)).ContinueWith(_ => held.Release.TrySetResult(), TaskScheduler.Default));

        var acknowledged = new ConcurrentBag<string>();
        var serverErrors = new ConcurrentBag<string>();
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pdf = DocumentKit.SamplePdf("Shutdown under load");
        async Task ClientAsync(int n)
        {
            using var client = app.Web(org.ApiToken);
            for (var i = 0; !stopped.Task.IsCompleted; i++)
            {
                try
                {
                    using var response = await DocumentKit.UploadAsync(client, $"Load {n}-{i}", pdf);
                    var text = await response.Content.ReadAsStringAsync();
                    if ((int)response.StatusCode >= 500) serverErrors.Add($"{(int)response.StatusCode}: {text}");
                    else if (response.IsSuccessStatusCode) acknowledged.Add(JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!);
                }
                catch (HttpRequestException)
                {
                    // Refused or closed once the web tier stopped listening: not accepted, so nothing was promised.
                    await Task.Delay(20);
                }
            }
        }
        var clients = Enumerable.Range(0, 6).Select(ClientAsync).ToList();
        while (acknowledged.Count < 12) await Task.Delay(50); // under load

        await app.StopServerAsync(); // what SIGTERM does: web tier, then API tier, each within Http:ShutdownTimeout
        stopped.SetResult();
        await Task.WhenAll(clients);

        Assert.True(serverErrors.IsEmpty, string.Join("\n", serverErrors));
        Assert.True(held.Release.Task.IsCompleted, "the held job was not let finish");
        using (var cells = TestCells.Open(app.DataDirectory))
        await using (var db = cells.Get("eu").CreateDbContext())
        {
            var job = await db.Jobs.AsNoTracking().SingleAsync(j => j.Kind == HeldJob.KindName);
            Assert.Equal(JobState.Succeeded, job.State); // finished within the grace, not released for another node
            var stored = await db.Set<Sigill.Api.Features.Documents.Document>().Select(d => d.Id).ToListAsync();
            Assert.Empty(acknowledged.Except(stored)); // no acknowledged write lost
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        await app.RestartAsync();
        using var after = app.Web(org.ApiToken);
        foreach (var id in acknowledged.Take(5))
        {
            Assert.Equal(HttpStatusCode.OK, (await after.GetAsync($"/api/v1/documents/{id}")).StatusCode);
        }
    }
}
