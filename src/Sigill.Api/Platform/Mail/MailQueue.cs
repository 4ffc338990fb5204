using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;

namespace Sigill.Api.Platform.Mail;

/// <summary>
/// The mail queue: a message that could not be handed to the mail server (SMTP down, refused, or the outbox not
/// writable) becomes a <c>mail.send</c> job in its cell, retried with the queue's backoff until the server takes it.
/// The message is stored whole, links included — a signing link exists only in its e-mail (the database keeps its
/// hash) — so the payload is sealed under the organization's key and dropped once the job succeeds.
/// A message waits for about a day (<see cref="MaxAttempts"/> attempts, at most <c>Jobs:MaxBackoff</c> apart) before
/// it is dead-lettered; the alert <c>SigillMailStuck</c> fires long before, from <see cref="OldestAgeAsync"/>.
/// </summary>
public static class MailQueue
{
    public const string JobKind = "mail.send";

    /// <summary>With the default backoff (10 s doubling to an hour, jittered down by up to half): 20-40 hours of retries.</summary>
    public const int MaxAttempts = 48;

    /// <summary>Queues <paramref name="message"/> (a message of <paramref name="organizationId"/>) in its own transaction.</summary>
    public static Task<bool> EnqueueAsync(Cell cell, string organizationId, MailMessage message, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        var payload = JsonSerializer.SerializeToUtf8Bytes(QueuedMail.From(message));
        return JobQueue.EnqueueNowAsync(cell, new JobRequest(JobKind, payload, OrganizationId: organizationId, MaxAttempts: MaxAttempts), time, ct: ct);
    }

    /// <summary>
    /// Queues <paramref name="message"/> in the caller's context, so it commits with the caller's change or not at all (an
    /// outbox: work that makes many documents in a row hands their e-mails to the mail worker instead of waiting on SMTP).
    /// </summary>
    public static Task<Jobs.JobRow?> AddAsync(Persistence.CellDbContext db, Cell cell, string organizationId, MailMessage message, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        var payload = JsonSerializer.SerializeToUtf8Bytes(QueuedMail.From(message));
        return JobQueue.EnqueueAsync(db, cell, new JobRequest(JobKind, payload, OrganizationId: organizationId, MaxAttempts: MaxAttempts), time, ct: ct);
    }

    /// <summary>
    /// Sends each message now; one the mail server does not take goes to the queue instead, and the caller's change
    /// stands. Only when even the queue cannot take it (the cell's database is down too) is it logged as lost.
    /// </summary>
    public static async Task SendOrQueueAsync(IMailer mailer, Cell cell, string organizationId, IEnumerable<MailMessage> messages, TimeProvider time, ILogger logger, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(mailer);
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var message in messages)
        {
            try
            {
                await mailer.SendAsync(message, ct);
                continue;
            }
            catch (Exception e) when (MailServices.IsDeliveryFailure(e))
            {
                MailLog.Queued(logger, cell.Region, e.GetType().Name);
            }
            try
            {
                await EnqueueAsync(cell, organizationId, message, time, CancellationToken.None);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or DbUpdateException or InvalidOperationException or TimeoutException)
            {
                MailLog.Lost(logger, cell.Region, e.GetType().Name);
            }
        }
    }

    /// <summary>How long the oldest message still in the queue (not dead-lettered) has waited since it was first refused; zero when none waits.</summary>
    public static async Task<TimeSpan> OldestAgeAsync(Cell cell, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(time);
        await using var db = cell.CreateDbContext();
        var oldest = await db.Set<JobRow>().AsNoTracking()
            .Where(j => j.Kind == JobKind && (j.State == JobState.Queued || j.State == JobState.Running))
            .OrderBy(j => j.CreatedAt).Select(j => (DateTime?)j.CreatedAt).FirstOrDefaultAsync(ct);
        var age = oldest is { } created ? time.GetUtcNow().UtcDateTime - DateTime.SpecifyKind(created, DateTimeKind.Utc) : TimeSpan.Zero;
        return age > TimeSpan.Zero ? age : TimeSpan.Zero;
    }

    /// <summary>The payload: <see cref="MailMessage"/> as JSON (attachments as base64).</summary>
    internal sealed record QueuedMail(string Region, string ToName, string ToAddress, string Subject, string Body, string? Html, string? FromName,
        string? ReplyToName, string? ReplyToAddress, IReadOnlyList<MailAttachment> Attachments)
    {
        public static QueuedMail From(MailMessage m) =>
            new(m.Region, m.ToName, m.ToAddress, m.Subject, m.Body, m.Html, m.FromName, m.ReplyTo?.Name, m.ReplyTo?.Address, m.Attachments);

        public MailMessage ToMessage() => new(Region, ToName, ToAddress, Subject, Body)
        {
            Html = Html,
            FromName = FromName,
            ReplyTo = ReplyToAddress is null ? null : new MailboxAddress(ReplyToName ?? "", ReplyToAddress),
            Attachments = Attachments ?? [],
        };
    }
}

/// <summary>Job <c>mail.send</c>: hands one queued message to the mail server; a refusal fails the attempt and the queue retries it.</summary>
internal sealed class MailSendJob(IMailer mailer) : IJobHandler
{
    public string Kind => MailQueue.JobKind;

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var queued = JsonSerializer.Deserialize<MailQueue.QueuedMail>(job.Payload.Span) ?? throw new JobFailedException("empty mail.send payload");
        if (queued.Region != job.Cell.Region)
        {
            throw new JobFailedException("the queued message belongs to another region");
        }
        try
        {
            await mailer.SendAsync(queued.ToMessage(), cancellationToken);
        }
        catch (Exception e) when (MailServices.IsDeliveryFailure(e))
        {
            throw new JobFailedException($"the mail server did not take the message ({e.GetType().Name})", e);
        }
    }
}

internal static partial class MailLog
{
    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning, Message = "A message of region {Region} could not be sent now ({Error}); it waits in the mail queue.")]
    public static partial void Queued(ILogger logger, string region, string error);

    [LoggerMessage(EventId = 9102, Level = LogLevel.Error, Message = "A message of region {Region} could not be sent nor queued ({Error}); it is lost.")]
    public static partial void Lost(ILogger logger, string region, string error);
}
