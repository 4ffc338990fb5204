using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Mail;
using Sigill.Crypto;

namespace Sigill.Api.Features.SubProcessors;

/// <summary>
/// <c>sub_processors.notify</c>: queued with a published version (payload: its number; key <c>subprocessors:{region}:v{n}</c>).
/// Pages the cell's organizations by id, <see cref="PageSize"/> at a time, each page saved on its own, and enqueues one
/// <c>sub_processors.notice</c> job per organization created before the version was published (key
/// <c>subprocessors:{region}:v{n}:{org}</c>): a retry after a crash skips the pages already queued, and no transaction
/// grows with the number of organizations. Payloads hold identifiers only.
/// </summary>
internal sealed class SubProcessorNotifyJob(ILogger<SubProcessorNotifyJob> logger) : IJobHandler
{
    public const string JobKind = "sub_processors.notify";
    public const int PageSize = 500;

    public string Kind => JobKind;

    public static string Key(string region, int version) => string.Create(CultureInfo.InvariantCulture, $"subprocessors:{region}:v{version}");

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        if (!int.TryParse(job.PayloadText, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw new JobFailedException("payload is not a version number");
        }
        var cell = job.Cell;
        DateTime publishedAt;
        await using (var db = cell.CreateDbContext())
        {
            publishedAt = await db.SubProcessorVersions.AsNoTracking().Where(v => v.Version == version).Select(v => (DateTime?)v.PublishedAt).SingleOrDefaultAsync(cancellationToken)
                ?? throw new JobFailedException("the version is not stored");
        }
        string after = "";
        var organizations = 0;
        while (true)
        {
            await using var db = cell.CreateDbContext();
            var page = await db.Organizations.AsNoTracking()
                .Where(o => string.Compare(o.Id, after) > 0 && o.CreatedAt <= publishedAt)
                .OrderBy(o => o.Id).Select(o => o.Id).Take(PageSize).ToListAsync(cancellationToken);
            if (page.Count == 0) break;
            foreach (var org in page)
            {
                var payload = JsonSerializer.SerializeToUtf8Bytes(new SubProcessorNoticeJob.Request(version, org));
                await JobQueue.EnqueueAsync(db, cell, new JobRequest(SubProcessorNoticeJob.JobKind, payload, SubProcessorNoticeJob.Key(cell.Region, version, org)), job.Time, ct: cancellationToken);
            }
            await db.SaveChangesAsync(cancellationToken);
            organizations += page.Count;
            after = page[^1];
        }
        SubProcessorLog.NoticesQueued(logger, cell.Region, version, organizations);
    }
}

/// <summary>
/// <c>sub_processors.notice</c>: one organization's owners are told of one version — a <c>mail.send</c> job per owner
/// (key <c>subprocessors:{region}:v{n}:{org}:{user}</c>, so each owner is told once however often this runs). An
/// organization whose keys are destroyed (crypto-shredded) has nobody left to tell: skipped, the job succeeds.
/// </summary>
internal sealed class SubProcessorNoticeJob(ILogger<SubProcessorNoticeJob> logger) : IJobHandler
{
    public const string JobKind = "sub_processors.notice";

    public string Kind => JobKind;

    internal sealed record Request(int Version, string OrganizationId);

    public static string Key(string region, int version, string organizationId) => string.Create(CultureInfo.InvariantCulture, $"subprocessors:{region}:v{version}:{organizationId}");

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        Request? request;
        try
        {
            request = JsonSerializer.Deserialize<Request>(job.Payload.Span);
        }
        catch (JsonException)
        {
            request = null;
        }
        if (request is null || !SigillId.TryParse(request.OrganizationId, "org", out var region) || region != job.Cell.Region)
        {
            throw new JobFailedException("payload is not a version and an organization of this cell");
        }
        var (version, orgId) = (request.Version, request.OrganizationId);
        var cell = job.Cell;
        await using var db = cell.CreateDbContext();
        var published = await db.SubProcessorVersions.AsNoTracking().SingleOrDefaultAsync(v => v.Version == version, cancellationToken)
            ?? throw new JobFailedException("the version is not stored");
        var org = await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == orgId, cancellationToken);
        if (org is null) return; // deleted since
        var changes = SubProcessorRegister.Changes(published);
        var effective = DateTime.SpecifyKind(published.EffectiveAt, DateTimeKind.Utc);
        try
        {
            var words = new MailWords(org.DefaultLanguage, MailWords.Notices); // the organization's language: its owners read it
            var orgName = await cell.Keys.DecryptFieldAsync(org.Id, Organization.NamePurpose, org.NameToken, org.Id, cancellationToken) ?? words["Organization.Fallback"];
            foreach (var owner in await db.Memberships.AsNoTracking().Where(m => m.OrganizationId == orgId && m.Role == Roles.Owner).OrderBy(m => m.UserId).ToListAsync(cancellationToken))
            {
                var email = await cell.Keys.DecryptFieldAsync(orgId, Membership.EmailPurpose, owner.EmailToken, owner.UserId, cancellationToken);
                if (email is null) continue;
                var name = await cell.Keys.DecryptFieldAsync(orgId, Membership.NamePurpose, owner.NameToken, owner.UserId, cancellationToken) ?? email;
                var message = SubProcessorRegister.Notice(words, orgName, version, effective, changes).To(cell.Region, name, email, MailBrand.Sigill);
                var key = string.Create(CultureInfo.InvariantCulture, $"subprocessors:{cell.Region}:v{version}:{orgId}:{owner.UserId}");
                var payload = JsonSerializer.SerializeToUtf8Bytes(MailQueue.QueuedMail.From(message));
                await JobQueue.EnqueueAsync(db, cell, new JobRequest(MailQueue.JobKind, payload, key, OrganizationId: orgId, MaxAttempts: MailQueue.MaxAttempts), job.Time, ct: cancellationToken);
            }
        }
        catch (CryptoIntegrityException e) when (e.Reason == CryptoFailureReason.KeyDestroyed)
        {
            SubProcessorLog.NoticeSkippedShredded(logger, cell.Region, version, orgId);
            return;
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (Platform.Errors.UniqueKey.IsViolation(e))
        {
            // a worker whose lease expired queued these mails first
        }
    }
}
