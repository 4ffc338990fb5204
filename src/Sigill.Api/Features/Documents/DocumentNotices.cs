using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.Documents;

/// <summary>
/// What a document's events mean for people's inboxes, through the durable job queue (so a crash between commit and
/// mail loses nothing, and a failed message is retried):
/// <list type="bullet">
/// <item><c>document.completed</c> enqueues one <c>document.deliver</c> job: every signer, approver and copy recipient
/// gets the completion e-mail with a download link of their own (<c>sgd_{region}_…</c>, 256 bits, stored hashed, valid
/// for the organization's <see cref="Organization.DeliveryLinkDays"/>) and, when the organization allows it and the file
/// is at most <see cref="DocumentOptions.MaxAttachmentBytes"/>, the sealed PDF attached — the very bytes the download
/// serves. The sender gets it too, unless they switched "completed" notices off.</item>
/// <item><c>document.viewed</c> (the first view of each recipient), <c>.signed</c>, <c>.approved</c>, <c>.declined</c> and
/// <c>.expired</c> enqueue a <c>document.notice</c> job for the person who sent the document, which sends nothing when
/// they switched that notice off (<see cref="Accounts.Membership.MutedNotices"/>).</item>
/// </list>
/// Payloads hold identifiers only; idempotency keys make each job exist once. Delivery is at least once: a retried
/// job issues fresh links and sends again.
/// </summary>
internal static class DocumentNotices
{
    public const string NoticeKind = "document.notice";
    public const string DeliverKind = "document.deliver";
    public const string DeliveryPrefix = "sgd";

    public static async Task EnqueueAsync(CellDbContext db, Cell cell, Document document, string action, string? recipientId, DateTime now, CancellationToken ct)
    {
        var at = new DateTimeOffset(DateTime.SpecifyKind(now, DateTimeKind.Utc));
        if (action == "document.completed")
        {
            await JobQueue.EnqueueAsync(db, cell, JobRequest.Text(DeliverKind, document.Id, $"deliver:{document.Id}", at), TimeProvider.System, ct: ct);
            return;
        }
        var notice = action switch
        {
            "document.viewed" => "viewed",
            "document.signed" => "signed",
            "document.approved" => "approved",
            "document.declined" => "declined",
            "document.expired" => "expired",
            _ => null,
        };
        if (notice is null || document.SentByUserId is null) return;
        var payload = $"{document.Id} {notice} {recipientId ?? "-"}";
        await JobQueue.EnqueueAsync(db, cell, JobRequest.Text(NoticeKind, payload, $"notice:{document.Id}:{notice}:{recipientId ?? "-"}", at), TimeProvider.System, ct: ct);
    }

    /// <summary>Whether the sender of <paramref name="document"/> wants <paramref name="notice"/> (approvals count as "signed").</summary>
    public static async Task<bool> WantsAsync(CellDbContext db, Document document, string notice, CancellationToken ct)
    {
        if (document.SentByUserId is not { } userId) return false;
        var muted = await db.Memberships.AsNoTracking().Where(m => m.OrganizationId == document.OrganizationId && m.UserId == userId).Select(m => m.MutedNotices).SingleOrDefaultAsync(ct);
        if (muted is null) return false; // no longer a member
        var kind = notice == "approved" ? "signed" : notice;
        return !muted.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(kind, StringComparer.Ordinal);
    }

    /// <summary>
    /// Sends the messages of a job whose change has committed; one the mail server does not take waits in the mail
    /// queue (<see cref="MailQueue"/>) rather than failing the job, whose retry would redo its work and issue new links.
    /// Only a failure to queue (the cell's database) fails the job.
    /// </summary>
    public static async Task SendOrQueueAsync(IMailer mailer, JobContext job, string organizationId, IEnumerable<MailMessage> messages, CancellationToken ct)
    {
        foreach (var message in messages)
        {
            try
            {
                await mailer.SendAsync(message, ct);
            }
            catch (Exception e) when (MailServices.IsDeliveryFailure(e))
            {
                await MailQueue.EnqueueAsync(job.Cell, organizationId, message, job.Time, ct);
            }
        }
    }
}

/// <summary>Tells the sender what a recipient did (<see cref="DocumentNotices"/>).</summary>
internal sealed class DocumentNoticeJob(MailOptions mail, IMailer mailer) : IJobHandler
{
    public string Kind => DocumentNotices.NoticeKind;

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var parts = job.PayloadText.Split(' ');
        if (parts.Length != 3) throw new JobFailedException("payload is not 'document notice recipient'");
        var cell = job.Cell;
        await using var db = cell.CreateDbContext();
        var document = await DocumentReminders.FindAsync(db, job, parts[0], cancellationToken);
        if (document is null || !await DocumentNotices.WantsAsync(db, document, parts[1], cancellationToken)) return;
        var letter = await DocumentMail.LoadAsync(db, cell, document, mail, cancellationToken);
        if (letter.SenderEmail is not { } to) return;
        string? recipientName = null;
        if (await db.Recipients.AsNoTracking().SingleOrDefaultAsync(r => r.Id == parts[2] && r.DocumentId == document.Id, cancellationToken) is { } recipient)
        {
            recipientName = (await DocumentWorkflow.NameAndEmailAsync(cell, recipient, cancellationToken)).Name;
        }
        var reason = parts[1] == "declined"
            ? await cell.Keys.DecryptFieldAsync(document.OrganizationId, Document.DeclinePurpose, document.DeclineReasonToken, document.Id, cancellationToken)
            : null;
        await DocumentNotices.SendOrQueueAsync(mailer, job, document.OrganizationId, [letter.Message(letter.Notice(parts[1], recipientName, reason), letter.SenderName ?? to, to) with { ReplyTo = null }], cancellationToken);
    }
}

/// <summary>Sends the completion e-mails (<see cref="DocumentNotices"/>).</summary>
internal sealed class DocumentDeliveryJob(MailOptions mail, IMailer mailer, DocumentOptions options) : IJobHandler
{
    public string Kind => DocumentNotices.DeliverKind;

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var cell = job.Cell;
        await using var db = cell.CreateDbContext();
        var document = await DocumentReminders.FindAsync(db, job, job.PayloadText, cancellationToken);
        if (document is not { Status: DocumentStates.Completed }) return;
        var org = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == document.OrganizationId, cancellationToken);
        var pdf = await DocumentWorkflow.ReadPdfAsync(cell, document, cancellationToken);
        var letter = await DocumentMail.LoadAsync(db, cell, document, mail, cancellationToken);
        var attach = org.AttachSealedPdf && pdf.Length <= options.MaxAttachmentBytes;
        IReadOnlyList<MailAttachment> attachments = attach ? [new MailAttachment(DocumentWorkflow.FileName(letter.Title, "signed"), "application/pdf", pdf)] : [];
        // The signers' files ride beside it: each recipient gets their own, the sender every one.
        var files = attach ? await Signing.FieldAttachments.ForDeliveryAsync(db, cell, document, options.MaxAttachmentBytes - pdf.Length, cancellationToken) : [];
        // Files not attached are linked instead, each recipient's own through their delivery link.
        var uploaded = files.Count > 0 ? [] : await db.DocumentFields.AsNoTracking()
            .Where(f => f.DocumentId == document.Id && f.OrganizationId == document.OrganizationId && f.AttachmentObjectId != null)
            .OrderBy(f => f.Page).ThenBy(f => f.Id).ToListAsync(cancellationToken);
        var now = job.Time.GetUtcNow().UtcDateTime;
        document.DeliveryExpiresAt = now.AddDays(org.DeliveryLinkDays);
        var messages = new List<MailMessage>();
        var recipients = await db.Recipients.Where(r => r.DocumentId == document.Id).OrderBy(r => r.SigningOrder).ToListAsync(cancellationToken);
        foreach (var r in recipients)
        {
            var token = DocumentWorkflow.NewLinkToken(DocumentNotices.DeliveryPrefix, cell);
            r.DeliveryHash = DocumentWorkflow.HashLinkToken(token);
            var (name, email) = await DocumentWorkflow.NameAndEmailAsync(cell, r, cancellationToken);
            var links = new List<(string, string)>();
            foreach (var f in uploaded.Where(f => f.RecipientId == r.Id))
            {
                links.Add(((await Signing.FieldAttachments.ViewAsync(cell, f, cancellationToken))!.FileName, letter.Link($"/d/{token}/files/{f.Id}")));
            }
            var toRecipient = letter.Message(letter.CompletedForRecipient(r, name, letter.Link($"/d/{token}"), document.DeliveryExpiresAt.Value, attach, links), name, email);
            messages.Add(toRecipient with { Attachments = [.. toRecipient.Attachments, .. attachments, .. files.Where(f => f.RecipientId == r.Id).Select(f => f.File)] });
        }
        if (letter.SenderEmail is { } senderEmail && await DocumentNotices.WantsAsync(db, document, "completed", cancellationToken))
        {
            var toSender = letter.Message(letter.CompletedForSender(attach), letter.SenderName ?? senderEmail, senderEmail);
            messages.Add(toSender with { Attachments = [.. toSender.Attachments, .. attachments, .. files.Select(f => f.File)], ReplyTo = null });
        }
        await DocumentWorkflow.RecordAsync(db, cell, document, "document.delivered", AuditActor.System, now, cancellationToken,
            details: new Dictionary<string, string>
            {
                ["messages"] = messages.Count.ToString(CultureInfo.InvariantCulture),
                ["attached"] = attach ? "true" : "false",
                ["files"] = files.Count.ToString(CultureInfo.InvariantCulture),
                ["sha256"] = DocumentWorkflow.Sha256Hex(pdf),
            });
        await db.SaveChangesAsync(cancellationToken);
        await DocumentNotices.SendOrQueueAsync(mailer, job, document.OrganizationId, messages, cancellationToken);
    }
}

/// <summary>
/// <c>GET /api/v1/delivery/{token}</c>: the sealed PDF for a completion e-mail's link, named after the title, while the
/// link lasts; <c>GET /api/v1/delivery/{token}/files/{fieldId}</c>: a file the link's recipient uploaded while signing
/// (never another signer's), the bytes the certificate's SHA-256 names. 404 — the same for a wrong, expired or withdrawn
/// link, and for a field that is not the recipient's or holds no file — otherwise. Each download is audited.
/// </summary>
public static class DocumentDelivery
{
    public static void MapDocumentDelivery(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/delivery/{token}", Download).WithTags("Documents").AllowAnonymous();
        app.MapGet("/api/v1/delivery/{token}/files/{fieldId}", DownloadFile).WithTags("Documents").AllowAnonymous();
    }

    private static async Task<Results<FileContentHttpResult, NotFound>> Download(string token, HttpContext http, CellRegistry cells, TimeProvider time, CancellationToken ct)
    {
        await using var link = await OpenAsync(token, cells, time, ct);
        if (link is null) return TypedResults.NotFound();
        var (cell, db, recipient, document) = (link.Cell, link.Db, link.Recipient, link.Document);
        var pdf = await DocumentWorkflow.ReadPdfAsync(cell, document, ct);
        await DocumentWorkflow.RecordAsync(db, cell, document, "document.downloaded", AuditActor.From(http, recipient.Id), link.Now, ct, recipient.Id);
        await db.SaveChangesAsync(ct);
        var title = (await cell.Keys.DecryptFieldAsync(document.OrganizationId, Document.TitlePurpose, document.TitleToken, document.Id, ct))!;
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(pdf, "application/pdf", DocumentWorkflow.FileName(title, "signed"));
    }

    private static async Task<Results<FileContentHttpResult, NotFound>> DownloadFile(string token, string fieldId, HttpContext http, CellRegistry cells, TimeProvider time,
        CancellationToken ct)
    {
        await using var link = await OpenAsync(token, cells, time, ct);
        if (link is null) return TypedResults.NotFound();
        var (cell, db, recipient, document) = (link.Cell, link.Db, link.Recipient, link.Document);
        var field = await db.DocumentFields.AsNoTracking().SingleOrDefaultAsync(
            f => f.Id == fieldId && f.DocumentId == document.Id && f.RecipientId == recipient.Id && f.AttachmentObjectId != null, ct);
        if (field is null || await Signing.FieldAttachments.ReadAsync(cell, field, ct) is not { } bytes) return TypedResults.NotFound();
        var view = (await Signing.FieldAttachments.ViewAsync(cell, field, ct))!;
        await DocumentWorkflow.RecordAsync(db, cell, document, "document.downloaded", AuditActor.From(http, recipient.Id), link.Now, ct, recipient.Id,
            new Dictionary<string, string> { ["field"] = field.Id, ["sha256"] = view.Sha256 });
        await db.SaveChangesAsync(ct);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(bytes, view.ContentType, view.FileName);
    }

    /// <summary>The completed document and recipient a delivery link names while it lasts; null for anything else.</summary>
    private static async Task<DeliveryLink?> OpenAsync(string token, CellRegistry cells, TimeProvider time, CancellationToken ct)
    {
        if (!DocumentWorkflow.TryParseLinkToken(token, out var region, DocumentNotices.DeliveryPrefix) || !cells.TryGet(region, out var cell))
        {
            return null;
        }
        var db = cell.CreateDbContext();
        var hash = DocumentWorkflow.HashLinkToken(token);
        var now = time.GetUtcNow().UtcDateTime;
        if (await db.Recipients.AsNoTracking().SingleOrDefaultAsync(r => r.DeliveryHash == hash, ct) is { } recipient
            && await db.Documents.SingleOrDefaultAsync(d => d.Id == recipient.DocumentId && d.OrganizationId == recipient.OrganizationId, ct) is
                { Status: DocumentStates.Completed, DeliveryExpiresAt: { } expires } document
            && expires > now)
        {
            return new DeliveryLink(cell, db, recipient, document, now);
        }
        await db.DisposeAsync();
        return null;
    }

    private sealed record DeliveryLink(Cell Cell, CellDbContext Db, Recipient Recipient, Document Document, DateTime Now) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Db.DisposeAsync();
    }
}
