using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Features.Audit;

namespace Sigill.Api.Features.Documents;

/// <summary>
/// Expiry and automatic reminders through the durable job queue. Sending a document enqueues, in the
/// same transaction, one <c>document.expire</c> job due at the expiry and, when the sender asked for
/// reminders, the first <c>document.remind</c> job; each reminder enqueues the next one while the
/// document waits. Idempotency keys (<c>expire:{doc}</c>, <c>remind:{doc}:{n}</c>) make every job exist
/// once, and both handlers re-check the document's state, so a retried job does no harm.
/// Payloads hold identifiers only.
/// </summary>
internal static class DocumentReminders
{
    public const string ExpireKind = "document.expire";
    public const string RemindKind = "document.remind";

    public static async Task ScheduleAsync(CellDbContext db, Cell cell, Document document, DateTime now, CancellationToken ct)
    {
        var expires = document.ExpiresAt ?? throw new InvalidOperationException("a sent document has an expiry");
        await JobQueue.EnqueueAsync(db, cell, JobRequest.Text(ExpireKind, document.Id, $"expire:{document.Id}", At(expires)), TimeProvider.System, ct: ct);
        await ScheduleReminderAsync(db, cell, document, 1, now, ct);
    }

    public static async Task ScheduleReminderAsync(CellDbContext db, Cell cell, Document document, int number, DateTime from, CancellationToken ct)
    {
        if (document.RemindEveryDays is not { } days || from.AddDays(days) is var at && at >= document.ExpiresAt)
        {
            return;
        }
        await JobQueue.EnqueueAsync(db, cell, JobRequest.Text(RemindKind, $"{document.Id} {number}", $"remind:{document.Id}:{number}", At(at)), TimeProvider.System, ct: ct);
    }

    /// <summary>Loads the document a job names, refusing identifiers of another region.</summary>
    public static async Task<Document?> FindAsync(CellDbContext db, JobContext job, string documentId, CancellationToken ct)
    {
        if (!SigillId.TryParse(documentId, "doc", out var region) || region != job.Cell.Region)
        {
            throw new JobFailedException("payload is not a document of this cell");
        }
        return await db.Documents.SingleOrDefaultAsync(d => d.Id == documentId, ct);
    }

    private static DateTimeOffset At(DateTime utc) => new(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
}

/// <summary>Moves a sent document past its expiry to <c>expired</c> (links die with it). Links also check expiry themselves.</summary>
internal sealed class ExpireDocumentJob : IJobHandler
{
    public string Kind => DocumentReminders.ExpireKind;

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        await using var db = job.Cell.CreateDbContext();
        var document = await DocumentReminders.FindAsync(db, job, job.PayloadText, cancellationToken);
        if (document is null)
        {
            return;
        }
        var now = job.Time.GetUtcNow().UtcDateTime;
        await DocumentWorkflow.ExpireIfDueAsync(db, job.Cell, document, now, cancellationToken);
        if (document.Status == DocumentStates.Sent && document.ExpiresAt > now)
        {
            throw new JobFailedException("the document is not due to expire yet"); // a clock behind the database's: try later
        }
    }
}

/// <summary>
/// Reminds every recipient whose turn it is and who has not acted, with a fresh link, then schedules the
/// next reminder. Mail goes out after the commit; a message the mail server does not take waits in the mail queue.
/// </summary>
internal sealed class RemindDocumentJob(MailOptions mail, IMailer mailer) : IJobHandler
{
    public string Kind => DocumentReminders.RemindKind;

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var parts = job.PayloadText.Split(' ');
        if (parts.Length != 2 || !int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            throw new JobFailedException("payload is not 'document number'");
        }
        var cell = job.Cell;
        await using var db = cell.CreateDbContext();
        var document = await DocumentReminders.FindAsync(db, job, parts[0], cancellationToken);
        var now = job.Time.GetUtcNow().UtcDateTime;
        if (document is null || await DocumentWorkflow.ExpireIfDueAsync(db, cell, document, now, cancellationToken) || document.Status != DocumentStates.Sent)
        {
            return;
        }
        var waiting = await db.Recipients.Where(r => r.DocumentId == document.Id && r.Status == RecipientStates.Notified && r.LinkHash != null && r.Role != RecipientRoles.Cc)
            .ToListAsync(cancellationToken);
        var letter = await DocumentMail.LoadAsync(db, cell, document, mail, cancellationToken);
        var messages = new List<MailMessage>();
        foreach (var r in waiting)
        {
            messages.Add(await DocumentWorkflow.IssueLinkAsync(letter, r, reminder: true, cancellationToken));
        }
        await DocumentWorkflow.RecordAsync(db, cell, document, "document.reminded", AuditActor.System, now, cancellationToken,
            details: new Dictionary<string, string> { ["reminder"] = parts[1], ["recipients"] = waiting.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await DocumentReminders.ScheduleReminderAsync(db, cell, document, number + 1, now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await DocumentNotices.SendOrQueueAsync(mailer, job, document.OrganizationId, messages, cancellationToken);
    }
}
