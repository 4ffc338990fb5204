using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Mail;

namespace Sigill.Api.Features.AccessReviews;

/// <summary>
/// Reminders of overdue reviews, through the durable job queue. Each cell's daily <c>access_review.scan</c> job (one per
/// cell per day, <see cref="AccessReviewReminderScheduler"/>) enqueues an <c>access_review.remind</c> job for every
/// overdue organization with the idempotency key <c>access-review-remind:{organization}:{date}</c>: however often the scan
/// runs (a retry, a second API node), an organization is reminded at most once a day. The reminder goes to its owners and
/// admins. Payloads hold identifiers only.
/// </summary>
internal sealed class AccessReviewScanJob(AccessReviewOptions options) : IJobHandler
{
    public const string JobKind = "access_review.scan";

    public string Kind => JobKind;

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var now = job.Time.GetUtcNow();
        await using var db = job.Cell.CreateDbContext();
        var attested = await db.AccessReviews.Where(r => r.AttestedAt != null).GroupBy(r => r.OrganizationId)
            .Select(g => new { Organization = g.Key, Last = g.Max(r => r.AttestedAt) }).ToDictionaryAsync(g => g.Organization, g => g.Last, cancellationToken);
        foreach (var org in await db.Organizations.Select(o => new { o.Id, o.CreatedAt }).ToListAsync(cancellationToken))
        {
            if (AccessReviewSchedule.DueAt(attested.GetValueOrDefault(org.Id), org.CreatedAt, options) >= now.UtcDateTime) continue;
            var key = string.Create(CultureInfo.InvariantCulture, $"access-review-remind:{org.Id}:{now.UtcDateTime:yyyy-MM-dd}");
            await JobQueue.EnqueueAsync(db, job.Cell, JobRequest.Text(AccessReviewRemindJob.JobKind, org.Id, key, now), job.Time, ct: cancellationToken);
        }
        await db.SaveChangesAsync(cancellationToken);
    }
}

/// <summary>E-mails an overdue organization's owners and admins (unless a review was attested since the scan).</summary>
internal sealed class AccessReviewRemindJob(AccessReviewOptions options, MailOptions mail, IMailer mailer, ILogger<AccessReviewRemindJob> logger) : IJobHandler
{
    public const string JobKind = "access_review.remind";

    public string Kind => JobKind;

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var orgId = job.PayloadText;
        if (!SigillId.TryParse(orgId, "org", out var region) || region != job.Cell.Region)
        {
            throw new JobFailedException("payload is not an organization of this cell");
        }
        var cell = job.Cell;
        await using var db = cell.CreateDbContext();
        var org = await db.Organizations.SingleOrDefaultAsync(o => o.Id == orgId, cancellationToken);
        if (org is null) return;
        var due = AccessReviewSchedule.DueAt(await AccessReviewSchedule.LastAttestedAtAsync(db, orgId, cancellationToken), org.CreatedAt, options);
        if (due >= job.Time.GetUtcNow().UtcDateTime) return;
        var name = await cell.Keys.DecryptFieldAsync(org.Id, Organization.NamePurpose, org.NameToken, org.Id, cancellationToken);
        var open = await db.AccessReviews.AnyAsync(r => r.OpenFor == orgId, cancellationToken);
        var link = $"{mail.LinkBaseUrl.TrimEnd('/')}/organization/access-review";
        var messages = new List<MailMessage>();
        var words = new MailWords(org.DefaultLanguage, MailWords.Notices); // the organization's language: its owners and admins read it
        foreach (var m in await db.Memberships.Where(m => m.OrganizationId == orgId && (m.Role == Roles.Owner || m.Role == Roles.Admin)).ToListAsync(cancellationToken))
        {
            var email = await cell.Keys.DecryptFieldAsync(orgId, Membership.EmailPurpose, m.EmailToken, m.UserId, cancellationToken);
            var person = await cell.Keys.DecryptFieldAsync(orgId, Membership.NamePurpose, m.NameToken, m.UserId, cancellationToken);
            if (email is null) continue;
            messages.Add(new MailMessage(region, person ?? email, email, words.Format("AccessReview.Subject", name),
                words.Format("AccessReview.Due", name, due.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)) + "\n\n" +
                words[open ? "AccessReview.Open" : "AccessReview.Start"] + "\n\n" +
                $"{link}\n\n" + words.Format("AccessReview.Why", name)));
        }
        await MailQueue.SendOrQueueAsync(mailer, cell, orgId, messages, job.Time, logger, cancellationToken);
    }
}

/// <summary>Enqueues each cell's scan once a day at <see cref="AccessReviewOptions.RemindDailyAtUtc"/>; nothing when <see cref="AccessReviewOptions.Reminders"/> is off.</summary>
internal sealed class AccessReviewReminderScheduler(CellRegistry cells, AccessReviewOptions options, JobOptions jobs, TimeProvider time, ILogger<AccessReviewReminderScheduler> logger)
    : DailyJobScheduler(cells, jobs, time, logger)
{
    protected override string Kind => AccessReviewScanJob.JobKind;

    protected override string KeyPrefix => "access-review-scan";

    protected override TimeSpan? DueAtUtc => options.Reminders ? options.RemindDailyAtUtc : null;
}
