using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Sigill.Api.Features.Alerts;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Operations;

/// <summary>The in-product alert dispatcher: real SMTP sink, a real HTTP receiver, real databases, a fake clock.</summary>
public sealed class AlertDispatcherTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task An_alert_is_mailed_repeated_until_acknowledged_and_escalated_to_the_second_contact(string provider)
    {
        var primary = $"oncall-{Guid.NewGuid():N}@example.test";
        var secondary = $"lead-{Guid.NewGuid():N}@example.test";
        var options = new AlertOptions
        {
            Primary = new AlertContact { Email = primary },
            Secondary = new AlertContact { Email = secondary },
            RepeatEvery = TimeSpan.FromMinutes(15),
            EscalateAfter = TimeSpan.FromMinutes(30),
        };
        await using var cell = await AlertTestCell.CreateAsync(options, AlertTestCell.SmtpSink(), provider);
        const string rule = "SigillJobsDeadLettered";
        int Mails(string to) => AlertTestCell.MailsTo(to, rule).Count;

        await cell.EvaluateAsync();
        await cell.DrainAsync();
        Assert.Equal(0, Mails(primary)); // nothing wrong yet

        await cell.DeadLetterJobAsync();
        await cell.EvaluateAsync();
        await cell.DrainAsync();
        var alert = Assert.Single(await cell.AlertsAsync(), a => a.Rule == rule);
        Assert.Equal("eu/test.always-fails", alert.Subject);
        Assert.Equal(1, Mails(primary));
        var first = AlertTestCell.MailsTo(primary, rule)[0];
        Assert.Contains($"CRITICAL {rule} eu/test.always-fails", first, StringComparison.Ordinal);
        Assert.Contains($"sigill alerts ack {alert.Id}", first, StringComparison.Ordinal);

        cell.Time.Advance(TimeSpan.FromMinutes(5));
        await cell.EvaluateAsync();
        await cell.DrainAsync();
        Assert.Equal(1, Mails(primary)); // no repeat before RepeatEvery

        cell.Time.Advance(TimeSpan.FromMinutes(11));
        await cell.EvaluateAsync();
        await cell.DrainAsync();
        Assert.Equal(2, Mails(primary));
        Assert.Equal(0, Mails(secondary));

        cell.Time.Advance(TimeSpan.FromMinutes(15)); // 31 minutes unacknowledged: escalate
        await cell.EvaluateAsync();
        await cell.DrainAsync();
        Assert.Equal(1, Mails(secondary));
        Assert.Contains("(escalated)", AlertTestCell.MailsTo(secondary, rule)[0], StringComparison.Ordinal);

        cell.Time.Advance(TimeSpan.FromMinutes(15)); // repeats now go to both contacts
        await cell.EvaluateAsync();
        await cell.DrainAsync();
        Assert.Equal(3, Mails(primary));
        Assert.Equal(2, Mails(secondary));

        var acknowledged = await AlertStore.AcknowledgeAsync(cell.Cell, alert.Id, "alice", cell.Time, CancellationToken.None);
        Assert.Equal("acknowledged", acknowledged!.State);
        for (var i = 0; i < 4; i++)
        {
            cell.Time.Advance(TimeSpan.FromMinutes(20));
            await cell.EvaluateAsync();
            await cell.DrainAsync();
        }
        Assert.Equal(3, Mails(primary));
        Assert.Equal(2, Mails(secondary));
        Assert.Single(await cell.AlertsAsync(), a => a.Rule == rule); // still one alert: the condition still holds, acknowledged
        Assert.Equal(["alert.fired", "alert.escalated", "alert.acknowledged"], (await cell.AuditActionsAsync()).Where(a => a != "alert.resolved").Distinct());
    }

    [Fact]
    public async Task Alert_e_mails_are_in_the_configured_language_and_keep_the_words_a_filter_reads()
    {
        Assert.Equal("en", new AlertOptions().Language); // no language configured: English
        Assert.Contains("Alerts:Language must be one of en, sv, de, fr, es", new AlertOptions { Language = "xx" }.Validate());
        var primary = $"oncall-sv-{Guid.NewGuid():N}@example.test";
        var options = new AlertOptions { Primary = new AlertContact { Email = primary }, Language = "sv" };
        await using var cell = await AlertTestCell.CreateAsync(options, AlertTestCell.SmtpSink(), "sqlite");
        const string rule = "SigillJobsDeadLettered";
        await cell.DeadLetterJobAsync();
        await cell.EvaluateAsync();
        await cell.DrainAsync();
        var alert = Assert.Single(await cell.AlertsAsync(), a => a.Rule == rule);
        var mail = Assert.Single(Outbox.To(Outbox.SmtpSink, primary));
        Assert.StartsWith("[Sigill ", mail.Subject, StringComparison.Ordinal);
        Assert.EndsWith($"] CRITICAL {rule} eu/test.always-fails", mail.Subject, StringComparison.Ordinal); // the subject stays for filters
        Assert.Contains($"Upprepas tills det kvitteras: sigill alerts ack {alert.Id}", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains($"Händelse:  fired (avisering ", mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("Repeated until acknowledged", mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_api_nodes_evaluating_the_same_cell_send_each_notice_once()
    {
        var primary = $"oncall-{Guid.NewGuid():N}@example.test";
        var options = new AlertOptions { Primary = new AlertContact { Email = primary } };
        await using var node1 = await AlertTestCell.CreateAsync(options, AlertTestCell.SmtpSink(), "postgres");
        // The cell's own keys exist before the second node loads the (file) keyring, as after a first start.
        await Sigill.Api.Features.Audit.AuditRecorder.EnsureCellKeysAsync(node1.Cell, CancellationToken.None);
        await using var node2 = await AlertTestCell.CreateAsync(options, AlertTestCell.SmtpSink(), cellOptions: node1.Cell.Options);
        await node1.DeadLetterJobAsync();
        node2.Time.SetUtcNow(node1.Time.GetUtcNow());
        await Task.WhenAll(node1.EvaluateAsync(), node2.EvaluateAsync());
        await Task.WhenAll(node1.DrainAsync(), node2.DrainAsync());
        Assert.Single(await node1.AlertsAsync(), a => a.Rule == "SigillJobsDeadLettered");
        Assert.Single(AlertTestCell.MailsTo(primary, "SigillJobsDeadLettered"));
    }

    [Fact]
    public async Task A_webhook_notice_is_signed_retried_until_the_receiver_takes_it_and_followed_by_a_resolved_notice()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 1);
        var secret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var options = new AlertOptions { Primary = new AlertContact { Webhook = receiver.Url + "hook" }, WebhookSecret = secret, BackupMaxAge = TimeSpan.FromHours(26) };
        await using var cell = await AlertTestCell.CreateAsync(options, backups: true);
        const string rule = "SigillBackupTooOld";

        cell.Time.Advance(TimeSpan.FromHours(25));
        await cell.EvaluateAsync();
        Assert.DoesNotContain(await cell.AlertsAsync(), a => a.Rule == rule);

        cell.Time.Advance(TimeSpan.FromHours(2)); // 27 hours without an archive
        await cell.EvaluateAsync();
        await cell.DrainAsync();
        Assert.Equal(1, receiver.Refused); // the receiver was down: the notice job waits for its retry
        Assert.Empty(receiver.Received(rule));

        cell.Time.Advance(TimeSpan.FromMinutes(1));
        await cell.DrainAsync();
        var (body, signature) = Assert.Single(receiver.Received(rule));
        using (var json = JsonDocument.Parse(body))
        {
            Assert.Equal("fired", json.RootElement.GetProperty("event").GetString());
            Assert.Equal("eu", json.RootElement.GetProperty("region").GetString());
            Assert.StartsWith("alr_eu_", json.RootElement.GetProperty("alertId").GetString(), StringComparison.Ordinal);
        }
        var t = long.Parse(signature.Split(',')[0]["t=".Length..], CultureInfo.InvariantCulture);
        Assert.Equal(cell.Time.GetUtcNow().ToUnixTimeSeconds(), t);
        Assert.Equal(AlertNotifier.Sign(secret, t, Encoding.UTF8.GetBytes(body)), signature);
        Assert.NotEqual(AlertNotifier.Sign(secret, t, Encoding.UTF8.GetBytes(body.Replace("fired", "fixed", StringComparison.Ordinal))), signature);
        Assert.NotEqual(AlertNotifier.Sign(secret + "x", t, Encoding.UTF8.GetBytes(body)), signature);

        // A backup lands: the condition clears, the alert resolves and the receiver hears so.
        var now = cell.Time.GetUtcNow().UtcDateTime;
        await File.WriteAllBytesAsync(Path.Combine(cell.Directory, "backups", $"sigill-eu-{now:yyyyMMddTHHmmssZ}.sgbk"), [1]);
        await cell.EvaluateAsync();
        await cell.DrainAsync();
        Assert.Equal(["fired", "resolved"], receiver.Received(rule).Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("event").GetString()));
        var alert = Assert.Single(await cell.AlertsAsync(), a => a.Rule == rule);
        Assert.Equal("resolved", alert.State);
        Assert.Null(alert.OpenKey);
    }

    [Fact]
    public async Task A_refused_decryption_raises_an_alert_that_stays_open_until_acknowledged()
    {
        var options = new AlertOptions { Primary = new AlertContact { Email = "oncall@example.test" } };
        await using var cell = await AlertTestCell.CreateAsync(options);
        await using var audit = await Audit.AuditTestCell.CreateAsync("sqlite");
        var org = await audit.CreateOrganizationAsync();
        var context = new Sigill.Crypto.ObjectContext("eu", org, "doc_eu_alert", 1, "document");
        await audit.Cell.Objects.PutAsync(context, new MemoryStream([1, 2, 3]), CancellationToken.None);
        var moved = context with { ObjectId = "doc_eu_moved" }; // ciphertext copied under another object's name
        await audit.Cell.Blobs.PutAsync(Sigill.Api.Platform.Cells.EncryptedObjects.BlobKeyOf(moved),
            (await audit.Cell.Blobs.OpenReadAsync(Sigill.Api.Platform.Cells.EncryptedObjects.BlobKeyOf(context), CancellationToken.None))!, CancellationToken.None);
        await Assert.ThrowsAsync<Sigill.Crypto.CryptoIntegrityException>(() => audit.Cell.Objects.CopyToAsync(moved, Stream.Null, CancellationToken.None));

        await cell.EvaluateAsync();
        var alert = Assert.Single(await cell.AlertsAsync(), a => a.Rule == "SigillCryptoIntegrityFailure");
        cell.Time.Advance(TimeSpan.FromHours(1));
        await cell.EvaluateAsync(); // no new failure, but an integrity failure is an event: it stays open
        Assert.Equal("firing", Assert.Single(await cell.AlertsAsync(), a => a.Rule == "SigillCryptoIntegrityFailure").State);
        await AlertStore.AcknowledgeAsync(cell.Cell, alert.Id, "bob", cell.Time, CancellationToken.None);
        var closed = Assert.Single(await cell.AlertsAsync(), a => a.Rule == "SigillCryptoIntegrityFailure");
        Assert.Equal("resolved", closed.State);
        Assert.Equal("bob", closed.AcknowledgedBy);
    }

    [Fact]
    public async Task A_running_installation_with_alerts_configured_mails_the_on_call_contact_through_its_outbox()
    {
        using var backups = new TempDirectory();
        await using var app = await SigillApp.StartAsync(JsonSerializer.Serialize(new
        {
            Backups = new { Directory = backups.Path },
            Alerts = new { Primary = new { Email = "oncall@example.test" }, EvaluateEvery = "00:00:00.200", BackupMaxAge = "00:00:01" },
        }));
        var outbox = Path.Combine(app.DataDirectory, "eu", "outbox");
        string? mail = null;
        for (var i = 0; i < 300 && mail is null; i++) // the probe, the dispatcher and the job runner run on their own
        {
            mail = Directory.Exists(outbox) ? Directory.GetFiles(outbox, "*.eml").Select(File.ReadAllText).FirstOrDefault(m => m.Contains("SigillBackupTooOld", StringComparison.Ordinal)) : null;
            if (mail is null)
            {
                await Task.Delay(100);
            }
        }
        Assert.NotNull(mail);
        Assert.Contains("oncall@example.test", mail, StringComparison.Ordinal);
        // The mail names the alert it is about. With a backup age limit of one second the alert can resolve (the daily
        // backup ran) and fire again before this list is read, so the list may hold that alert and a newer one.
        var alerts = await AlertStore.ListAsync(app.Cells.Get("eu"), all: false, CancellationToken.None);
        Assert.Contains(alerts, a => a.Rule == "SigillBackupTooOld" && mail.Contains(a.Id, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{ \"Alerts\": { \"Primary\": { \"Email\": \"not an address\" } } }", "Alerts:Primary:Email is not an e-mail address")]
    [InlineData("{ \"Alerts\": { \"Primary\": { \"Webhook\": \"https://pager.example/hook\" } } }", "Alerts:WebhookSecret must be at least 32 characters when a webhook is configured")]
    [InlineData("{ \"Alerts\": { \"Primary\": { \"Webhook\": \"ftp://pager.example/hook\" }, \"WebhookSecret\": \"0123456789012345678901234567890123\" } }", "Alerts:Primary:Webhook must be an absolute http(s) URL")]
    [InlineData("{ \"Alerts\": { \"Secondary\": { \"Email\": \"lead@example.com\" } } }", "Alerts:Secondary needs Alerts:Primary (the first contact)")]
    [InlineData("{ \"Alerts\": { \"Primary\": { \"Email\": \"a@example.com\" }, \"RepeatEvery\": \"-00:01:00\" } }", "Alerts:RepeatEvery must be positive")]
    public async Task Bad_alert_settings_stop_the_api_tier_with_a_message_naming_the_setting(string json, string expected)
    {
        using var directory = new TempDirectory();
        var config = directory.Combine("sigill.json");
        await File.WriteAllTextAsync(config, json);
        var api = await SigillProcess.RunAsync(TimeSpan.FromSeconds(60), "serve", "--data", directory.Combine("data"), "--config", config, "--port", "0");
        Assert.Equal(2, api.ExitCode);
        Assert.Contains(expected, api.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_operator_lists_and_acknowledges_alerts_with_the_cli_and_the_acknowledgement_is_audited()
    {
        await using var app = await SigillApp.StartAsync();
        var cell = app.Cells.Get("eu");
        var cellOptions = cell.Options;
        string id;
        await using (var db = cell.CreateDbContext())
        {
            var row = new AlertRow { Id = Sigill.Api.Platform.Cells.SigillId.New("alr", "eu"), Rule = "SigillBackupTooOld", Subject = "eu", OpenKey = "SigillBackupTooOld|eu", Summary = "The newest backup of region eu is 30.0 hours old.", FiredAt = DateTime.UtcNow, LastNotifiedAt = DateTime.UtcNow, Notifications = 1 };
            db.Add(row);
            await db.SaveChangesAsync();
            id = row.Id;
        }
        await app.StopServerAsync();

        var list = await SigillProcess.RunAsync(TimeSpan.FromSeconds(60), "alerts", "list", "--data", app.DataDirectory);
        Assert.Equal(0, list.ExitCode);
        Assert.Contains($"{id}  firing", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("The newest backup of region eu is 30.0 hours old.", list.Stdout, StringComparison.Ordinal);

        var ack = await SigillProcess.RunAsync(TimeSpan.FromSeconds(60), "alerts", "ack", id, "--by", "alice", "--data", app.DataDirectory);
        Assert.True(ack.ExitCode == 0, ack.Stderr);
        Assert.Contains($"{id}: acknowledged by alice", ack.Stdout, StringComparison.Ordinal);
        var all = await SigillProcess.RunAsync(TimeSpan.FromSeconds(60), "alerts", "list", "--all", "--data", app.DataDirectory);
        Assert.Contains("acknowledged by alice", all.Stdout, StringComparison.Ordinal);

        var unknown = await SigillProcess.RunAsync(TimeSpan.FromSeconds(60), "alerts", "ack", Sigill.Api.Platform.Cells.SigillId.New("alr", "eu"), "--data", app.DataDirectory);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no alert", unknown.Stderr, StringComparison.Ordinal);
        var malformed = await SigillProcess.RunAsync(TimeSpan.FromSeconds(60), "alerts", "ack", "doc_eu_123", "--data", app.DataDirectory);
        Assert.Equal(2, malformed.ExitCode);

        using var reopened = new Sigill.Api.Platform.Cells.Cell("eu", cellOptions);
        await using var check = reopened.CreateDbContext();
        Assert.Equal(1, await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(
            check.Set<Sigill.Api.Features.Audit.AuditEvent>(), e => e.Action == "alert.acknowledged"));
    }

    /// <summary>A real HTTP endpoint that records alert webhooks; it answers 503 to the first <c>failFirst</c> calls.</summary>
    private sealed class WebhookReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly List<(string Body, string Signature)> _received = [];
        private int _failuresLeft;

        private WebhookReceiver(WebApplication app, int failFirst)
        {
            _app = app;
            _failuresLeft = failFirst;
        }

        public string Url { get; private set; } = "";
        public int Refused { get; private set; }

        public IReadOnlyList<(string Body, string Signature)> Received(string rule)
        {
            lock (_received)
            {
                return [.. _received.Where(r => r.Body.Contains(rule, StringComparison.Ordinal))];
            }
        }

        public static async Task<WebhookReceiver> StartAsync(int failFirst)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var receiver = new WebhookReceiver(app, failFirst);
            app.MapPost("/hook", async (HttpRequest request) =>
            {
                using var reader = new StreamReader(request.Body);
                var body = await reader.ReadToEndAsync();
                lock (receiver._received)
                {
                    if (receiver._failuresLeft > 0)
                    {
                        receiver._failuresLeft--;
                        receiver.Refused++;
                        return Results.StatusCode(503);
                    }
                    receiver._received.Add((body, request.Headers[AlertNotifier.SignatureHeader].ToString()));
                }
                return Results.NoContent();
            });
            await app.StartAsync();
            receiver.Url = app.Urls.First().TrimEnd('/') + "/";
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
