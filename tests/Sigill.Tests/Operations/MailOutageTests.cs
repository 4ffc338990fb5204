using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Sigill.Api.Features.Alerts;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Telemetry;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Operations;

/// <summary>
/// Issue 21, "SMTP down": mail is queued and delivered when the server returns, and an alert fires when mail is stuck
/// longer than <c>Alerts:MailStuckAfter</c>. A running installation sends over SMTP to a port where, at first, nothing
/// listens; later the test's own SMTP sink (tools/test-services/smtp-sink.js) starts on that port. The API's clock, the
/// job worker and the alert dispatcher share one clock the test moves forward.
/// </summary>
public sealed class MailOutageTests
{
    private const string Region = "eu";

    [Fact]
    public async Task While_the_mail_server_is_down_an_invitation_waits_in_the_queue_an_alert_fires_and_it_goes_out_once_when_the_server_returns()
    {
        var clock = new ShiftedClock();
        var port = FreePort();
        var config = JsonSerializer.Serialize(new
        {
            Mail = new { Provider = "smtp", Host = "127.0.0.1", Port = port, Security = "none" },
            Jobs = new { RunWorker = false },
            // The dispatcher's own loop evaluates once at start; the test evaluates whenever it moved the clock.
            Alerts = new { Primary = new { Email = "oncall@example.test" }, EvaluateEvery = "1.00:00:00" },
        });
        await using var app = await SigillApp.StartAsync(config, apiOverrides: services => services.AddSingleton<TimeProvider>(clock));
        var cell = app.Cells.Get(Region);
        var dispatcher = app.ApiServices.GetRequiredService<AlertDispatcher>();
        var org = await app.SetUpOrganizationAsync("Mail Outage AB", Region);
        using var sender = app.Web(org.ApiToken);
        var signer = $"signer-{Guid.NewGuid():N}@example.test";
        var id = (await UploadOkAsync(sender, "Outage contract", SamplePdf("outage"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(sender, id, "Olga Outage", signer);
        await EnsureSignerFieldsAsync(sender, id);

        // Sending works although the mail server is down: the invitation waits in the mail queue.
        var sent = await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        Assert.Equal("sent", sent.GetProperty("status").GetString());
        var queued = Assert.Single(await MailJobsAsync(cell));
        Assert.Equal(JobState.Queued, queued.State);

        // Retried while down: it fails, stays queued with a clear error, and is not dead-lettered.
        await DrainAsync(app, clock);
        var failed = Assert.Single(await MailJobsAsync(cell));
        Assert.Equal(JobState.Queued, failed.State);
        Assert.Equal(1, failed.Attempts);
        Assert.StartsWith("JobFailedException: the mail server did not take the message (", failed.LastError, StringComparison.Ordinal);
        await dispatcher.EvaluateAsync(CancellationToken.None);
        Assert.DoesNotContain(await AlertsAsync(cell), a => a.Rule == AlertRules.MailStuck.Name);

        // Stuck for less than Alerts:MailStuckAfter (15 minutes): no alert; past it: SigillMailStuck fires.
        clock.Advance(TimeSpan.FromMinutes(10));
        await DrainAsync(app, clock);
        await dispatcher.EvaluateAsync(CancellationToken.None);
        Assert.DoesNotContain(await AlertsAsync(cell), a => a.Rule == AlertRules.MailStuck.Name);
        clock.Advance(TimeSpan.FromMinutes(6));
        await dispatcher.EvaluateAsync(CancellationToken.None);
        var alert = Assert.Single(await AlertsAsync(cell), a => a.Rule == AlertRules.MailStuck.Name);
        Assert.Equal("firing", alert.State);
        Assert.Contains($"E-mail of region {Region} has waited in the mail queue for ", alert.Summary, StringComparison.Ordinal);

        // A long outage, well past the attempts an ordinary job gets (8, about 20 minutes): the message keeps waiting.
        for (var hour = 0; hour < 8; hour++)
        {
            clock.Advance(TimeSpan.FromHours(1));
            await DrainAsync(app, clock);
        }
        var waiting = Assert.Single(await MailJobsAsync(cell));
        Assert.Equal(JobState.Queued, waiting.State);
        Assert.True(waiting.Attempts > new JobOptions().MaxAttempts, $"only {waiting.Attempts} attempts");
        Assert.False(waiting.DeadLettered);

        // The mail server returns: the next attempt delivers the invitation, with a link that works.
        await using var sink = await SmtpSink.StartAsync(port);
        Assert.Empty(Outbox.To(sink.Folder, signer));
        clock.Advance(TimeSpan.FromHours(1));
        await DrainAsync(app, clock);
        var delivered = Assert.Single(await MailJobsAsync(cell));
        Assert.Equal(JobState.Succeeded, delivered.State);
        Assert.Null(delivered.Payload); // the sealed message, links and all, is gone once sent
        var invitation = Assert.Single(Outbox.To(sink.Folder, signer));
        Assert.StartsWith("Please sign “Outage contract”", invitation.Subject, StringComparison.Ordinal);
        var link = System.Text.RegularExpressions.Regex.Match(invitation.Text, @"/s/(sgr_eu_[0-9a-z]{52})").Groups[1].Value;
        using (var web = app.Web())
        using (var signing = await web.GetAsync($"/api/v1/signing/{link}"))
        {
            Assert.Equal(HttpStatusCode.OK, signing.StatusCode);
        }

        // Exactly once: later rounds send nothing more; the alert resolves and on-call hears of it.
        clock.Advance(TimeSpan.FromHours(2));
        await DrainAsync(app, clock);
        Assert.Single(Outbox.To(sink.Folder, signer));
        await dispatcher.EvaluateAsync(CancellationToken.None);
        Assert.Equal("resolved", Assert.Single(await AlertsAsync(cell), a => a.Rule == AlertRules.MailStuck.Name).State);
        clock.Advance(TimeSpan.FromMinutes(1)); // the resolved notice goes out with the next round
        await DrainAsync(app, clock);
        var pages = Outbox.To(sink.Folder, "oncall@example.test").Select(m => m.Subject ?? "").Where(s => s.Contains(AlertRules.MailStuck.Name, StringComparison.Ordinal)).ToList();
        Assert.Contains(pages, s => s.Contains($"CRITICAL {AlertRules.MailStuck.Name} {Region}", StringComparison.Ordinal));
        Assert.Contains(pages, s => s.Contains($"RESOLVED {AlertRules.MailStuck.Name} {Region}", StringComparison.Ordinal));
    }

    [Fact]
    public void The_mail_stuck_rule_fires_only_once_the_oldest_queued_message_waited_longer_than_the_configured_time()
    {
        var options = new AlertOptions { MailStuckAfter = TimeSpan.FromMinutes(30) };
        var now = DateTimeOffset.UtcNow;
        CellStatus Cell(double? mailWaitSeconds) => new("eu", now, true, null, [], null, null, mailWaitSeconds);

        Assert.DoesNotContain(AlertRules.Evaluate(Cell(0), now, 0, options, now), f => f.Rule == AlertRules.MailStuck.Name);
        Assert.DoesNotContain(AlertRules.Evaluate(Cell(30 * 60), now, 0, options, now), f => f.Rule == AlertRules.MailStuck.Name);
        Assert.DoesNotContain(AlertRules.Evaluate(Cell(null), now, 0, options, now), f => f.Rule == AlertRules.MailStuck.Name);
        var firing = Assert.Single(AlertRules.Evaluate(Cell(31 * 60), now, 0, options, now), f => f.Rule == AlertRules.MailStuck.Name);
        Assert.Equal("eu", firing.Subject);
        Assert.Contains("waited in the mail queue for 31 minutes", firing.Summary, StringComparison.Ordinal);

        Assert.Equal(TimeSpan.FromMinutes(15), new AlertOptions().MailStuckAfter);
        Assert.Contains("Alerts:MailStuckAfter must be positive", new AlertOptions { MailStuckAfter = TimeSpan.Zero }.Validate());
    }

    [Fact]
    public async Task The_mail_queue_age_counts_from_the_first_refusal_and_ignores_sent_and_dead_lettered_messages()
    {
        await using var cell = await AlertTestCell.CreateAsync(new AlertOptions());
        Assert.Equal(TimeSpan.Zero, await MailQueue.OldestAgeAsync(cell.Cell, cell.Time, CancellationToken.None));
        var (org, _, _) = await Sigill.Api.Features.Organizations.OrganizationFactory.CreateAsync(cell.Cell, "Queue Age AB", "Owner token", cell.Time, CancellationToken.None);
        await MailQueue.EnqueueAsync(cell.Cell, org.Id, new MailMessage("eu", "A", "a@example.test", "Hello", "Body"), cell.Time, CancellationToken.None);
        cell.Time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(TimeSpan.FromMinutes(20), await MailQueue.OldestAgeAsync(cell.Cell, cell.Time, CancellationToken.None));
        await using (var db = cell.Cell.CreateDbContext())
        {
            await db.Jobs.Where(j => j.Kind == MailQueue.JobKind).ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobState.DeadLettered).SetProperty(j => j.DeadLettered, true));
        }
        Assert.Equal(TimeSpan.Zero, await MailQueue.OldestAgeAsync(cell.Cell, cell.Time, CancellationToken.None));
    }

    private static async Task<List<JobRow>> MailJobsAsync(Sigill.Api.Platform.Cells.Cell cell)
    {
        await using var db = cell.CreateDbContext();
        return await db.Jobs.AsNoTracking().Where(j => j.Kind == MailQueue.JobKind).ToListAsync();
    }

    private static async Task<List<AlertRow>> AlertsAsync(Sigill.Api.Platform.Cells.Cell cell)
    {
        await using var db = cell.CreateDbContext();
        return await db.Set<AlertRow>().AsNoTracking().ToListAsync();
    }

    /// <summary>Runs every due job of the region, as the host's worker would, on the test's clock.</summary>
    private static Task<int> DrainAsync(SigillApp app, TimeProvider clock) =>
        new JobWorker(app.Cells.Get(Region), app.ApiServices.GetServices<IJobHandler>(), app.ApiServices.GetRequiredService<JobOptions>(), clock, NullLogger.Instance)
            .DrainAsync(100, CancellationToken.None);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The suite's SMTP sink, run by this test on a port of its own so that it can be absent first and present later.</summary>
    private sealed class SmtpSink : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly TempDirectory _folder;

        private SmtpSink(Process process, TempDirectory folder) => (_process, _folder) = (process, folder);

        /// <summary>The folder each received message is written to as an .eml file.</summary>
        public string Folder => _folder.Path;

        public static async Task<SmtpSink> StartAsync(int port)
        {
            var folder = new TempDirectory();
            var info = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(Path.Combine(Repository.Root, "tools", "test-services", "smtp-sink.js"));
            info.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            info.ArgumentList.Add(folder.Path);
            var sink = new SmtpSink(Process.Start(info)!, folder);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync(IPAddress.Loopback, port);
                    return sink;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline && !sink._process.HasExited)
                {
                    await Task.Delay(200);
                }
                catch (SocketException)
                {
                    var output = sink._process.HasExited ? await sink._process.StandardError.ReadToEndAsync() : "";
                    await sink.DisposeAsync();
                    throw new InvalidOperationException($"the SMTP sink did not listen on port {port}: {output}");
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
            _folder.Dispose();
        }
    }
}
