using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sigill.Api.Features.Alerts;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Backups;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Telemetry;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Operations;

/// <summary>
/// One region cell with the real alert dispatcher, its notification job handler and a job worker, on a fake clock:
/// a test moves time and calls <see cref="EvaluateAsync"/> and <see cref="DrainAsync"/> where the host would loop.
/// </summary>
internal sealed class AlertTestCell : IAsyncDisposable
{
    private readonly TempDirectory _directory;
    private readonly ServiceProvider _http;

    private AlertTestCell(TempDirectory directory, CellOptions cellOptions, AlertOptions alerts, BackupOptions backups, IMailer mailer)
    {
        _directory = directory;
        Tier = new ApiTierOptions { Environment = "development", Cells = { ["eu"] = cellOptions } };
        Cells = new CellRegistry(Tier, Time);
        Audit = new AuditLogs(Cells);
        Probe = new CellProbe(Cells, backups, Time);
        Alerts = alerts;
        _http = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        var notifier = new AlertNotifier(alerts, mailer, _http.GetRequiredService<IHttpClientFactory>(), Time);
        Dispatcher = new AlertDispatcher(Cells, Probe, Audit, alerts, Jobs, notifier, Tier, Time, NullLogger<AlertDispatcher>.Instance);
        Handlers = [new AlertNotifyJobHandler(notifier, alerts, Tier), new FailingHandler()];
    }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);
    public ApiTierOptions Tier { get; }
    public CellRegistry Cells { get; }
    public Cell Cell => Cells.Get("eu");
    public AuditLogs Audit { get; }
    public CellProbe Probe { get; }
    public AlertOptions Alerts { get; }
    public AlertDispatcher Dispatcher { get; }
    public JobOptions Jobs { get; } = new() { MaxAttempts = 5, BaseBackoff = TimeSpan.FromSeconds(10), MaxBackoff = TimeSpan.FromSeconds(20) };
    public string Directory => _directory.Path;

    /// <summary>The job handlers <see cref="DrainAsync"/> runs (a test adds its own).</summary>
    public List<IJobHandler> Handlers { get; }

    /// <summary>Messages the outbox mailer wrote (the default mailer), whole.</summary>
    public IReadOnlyList<string> OutboxMails() =>
        System.IO.Directory.Exists(_directory.Combine("outbox")) ? [.. System.IO.Directory.GetFiles(_directory.Combine("outbox"), "*.eml").Order().Select(File.ReadAllText)] : [];

    public static async Task<AlertTestCell> CreateAsync(AlertOptions alerts, IMailer? mailer = null, string provider = "sqlite", bool backups = false, CellOptions? cellOptions = null)
    {
        var directory = new TempDirectory();
        cellOptions ??= await TestServices.CellOptionsAsync(provider, directory);
        var backupOptions = new BackupOptions { Directory = backups ? System.IO.Directory.CreateDirectory(directory.Combine("backups")).FullName : null };
        var cell = new AlertTestCell(directory, cellOptions, alerts, backupOptions, mailer ?? new OutboxMailer(new MailOptions { Outbox = { ["eu"] = directory.Combine("outbox") } }));
        await cell.Cell.MigrateAsync(CancellationToken.None);
        return cell;
    }

    /// <summary>The SMTP sink that ./test.sh runs.</summary>
    public static IMailer SmtpSink()
    {
        var smtp = Environment.GetEnvironmentVariable("SIGILL_TEST_SMTP") ?? throw new InvalidOperationException("SIGILL_TEST_SMTP is not set: run ./test.sh");
        return new SmtpMailer(new MailOptions { Provider = "smtp", Host = smtp.Split(':')[0], Port = int.Parse(smtp.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture), Security = "none" });
    }

    /// <summary>Mails in the SMTP sink to <paramref name="address"/> whose subject names <paramref name="rule"/>.</summary>
    public static IReadOnlyList<string> MailsTo(string address, string rule)
    {
        var maildir = Environment.GetEnvironmentVariable("SIGILL_TEST_MAILDIR") ?? throw new InvalidOperationException("SIGILL_TEST_MAILDIR is not set: run ./test.sh");
        // Unfolded headers and quoted-printable soft breaks removed, so assertions see lines as written.
        return [.. System.IO.Directory.GetFiles(maildir, "*.eml").Select(File.ReadAllText)
            .Select(m => m.Replace("=\r\n", "", StringComparison.Ordinal).Replace("\r\n ", " ", StringComparison.Ordinal).Replace("\r\n\t", " ", StringComparison.Ordinal))
            .Where(m => m.Contains(address, StringComparison.Ordinal) && m.Contains(rule, StringComparison.Ordinal))];
    }

    public Task EvaluateAsync() => Dispatcher.EvaluateAsync(CancellationToken.None);

    /// <summary>Runs every due job (notifications, and the failing test jobs).</summary>
    public Task<int> DrainAsync() => new JobWorker(Cell, Handlers, Jobs, Time, NullLogger.Instance).DrainAsync(100, CancellationToken.None);

    public async Task<IReadOnlyList<AlertRow>> AlertsAsync()
    {
        await using var db = Cell.CreateDbContext();
        return await db.Set<AlertRow>().AsNoTracking().OrderBy(a => a.FiredAt).ToListAsync();
    }

    public async Task<IReadOnlyList<string>> AuditActionsAsync()
    {
        await using var db = Cell.CreateDbContext();
        return await db.Set<AuditEvent>().Where(e => e.Action.StartsWith("alert.")).OrderBy(e => e.OccurredAt).Select(e => e.Action).ToListAsync();
    }

    /// <summary>A job that fails on every attempt: <paramref name="attempts"/> attempts later it is dead-lettered.</summary>
    public async Task DeadLetterJobAsync(int attempts = 1)
    {
        await JobQueue.EnqueueNowAsync(Cell, new JobRequest(FailingHandler.JobKind, MaxAttempts: attempts), Time, Jobs);
        for (var i = 0; i < attempts; i++)
        {
            await DrainAsync();
            Time.Advance(TimeSpan.FromSeconds(30));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Dispatcher.StopAsync(CancellationToken.None);
        Dispatcher.Dispose();
        Audit.Dispose();
        Cells.Dispose();
        await _http.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    private sealed class FailingHandler : IJobHandler
    {
        public const string JobKind = "test.always-fails";

        public string Kind => JobKind;

        public Task HandleAsync(JobContext job, CancellationToken cancellationToken) => throw new JobFailedException("the test handler always fails");
    }
}
