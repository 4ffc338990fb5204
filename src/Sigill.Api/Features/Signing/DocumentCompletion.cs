using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Pdf;
using Sigill.Pdf.Timestamps;
using System.Security.Cryptography.X509Certificates;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Payments;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Organizations;

namespace Sigill.Api.Features.Signing;

/// <summary>
/// Completes a document whose recipients have all acted: certificate of completion, seal, status
/// <c>completed</c> and the <c>document.completed</c> event, in one transaction of its own.
/// <para>
/// The certificate lists, for each event of the document, its leaf index and the signed checkpoint
/// that includes it. An event gets both only after its transaction commits and the sequencer runs,
/// so the last signature commits first (with a <see cref="JobKind"/> job), then this step sequences
/// the log at once (<see cref="CellAuditLog.SequenceUntilCheckpointedAsync"/>, bounded by
/// <see cref="CheckpointTimeout"/>) and builds the certificate from events that are all in a
/// checkpoint. The signing request runs it straight away; the job, due <see cref="JobDelay"/> later,
/// finishes it if the process stopped in between (or the log could not be sequenced in time).
/// Running it twice is harmless: it acts only on a sent document whose recipients are all done, and
/// the document's revision token lets one of two racing runs win.
/// </para>
/// </summary>
internal static class DocumentCompletion
{
    public const string JobKind = "document.complete";
    public static readonly TimeSpan JobDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan CheckpointTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Adds the completion job to the last signature's transaction.</summary>
    public static Task<JobRow?> EnqueueAsync(Platform.Persistence.CellDbContext db, Cell cell, string documentId, TimeProvider time, CancellationToken ct) =>
        JobQueue.EnqueueAsync(db, cell, JobRequest.Text(JobKind, documentId, $"{JobKind}:{documentId}", time.GetUtcNow() + JobDelay), time, ct: ct);

    /// <summary>Completes the document if it is due; returns its status afterwards (null when it does not exist).</summary>
    public static async Task<string?> CompleteAsync(Cell cell, AuditLogs logs, AuditOptions options, SigningKeys keys, TimeProvider time, string documentId, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        var d = await db.Documents.SingleOrDefaultAsync(x => x.Id == documentId, ct);
        if (d is null) return null;
        var recipients = await db.Recipients.Where(x => x.DocumentId == d.Id).ToListAsync(ct);
        var payment = await db.DocumentPayments.AsNoTracking().SingleOrDefaultAsync(p => p.DocumentId == d.Id, ct);
        // Without a payment: a sent document everyone has acted on. With one: a document awaiting payment, once it is paid.
        var due = payment is null
            ? d.Status == DocumentStates.Sent
            : d.Status == DocumentStates.AwaitingPayment && Payments.PaymentStates.Settled(payment.Status);
        if (!due || !recipients.Where(x => RecipientRoles.Acts(x.Role)).All(x => RecipientStates.IsDone(x.Status)))
        {
            return d.Status;
        }
        if (!logs.TryGet(cell.Region, out var log))
        {
            throw new JobFailedException($"No audit log for region {cell.Region}.");
        }
        var events = await db.DocumentEvents.AsNoTracking().Where(e => e.DocumentId == d.Id).ToDictionaryAsync(e => e.Id, ct);
        var ids = events.Keys.ToList();
        if (!await log.SequenceUntilCheckpointedAsync(ids, options, time, CheckpointTimeout, ct))
        {
            throw new JobFailedException($"The audit events of document {d.Id} are not in a checkpoint yet.");
        }
        var audit = new List<CompletionAuditEvent>();
        var names = await NamesAsync(cell, db, d, recipients, ct);
        foreach (var inclusion in await AuditReceipts.ForEventsAsync(log, d.OrganizationId, ids, ct))
        {
            if (inclusion is not { LeafIndex: { } index, Checkpoint: { } checkpoint })
            {
                throw new JobFailedException($"Audit event {inclusion.EventId} of document {d.Id} is not in the served checkpoint.");
            }
            var row = events[inclusion.EventId];
            audit.Add(new CompletionAuditEvent(new DateTimeOffset(row.OccurredAt, TimeSpan.Zero), Words(row, names), index, CheckpointReference(checkpoint)));
        }
        if (audit.Count != events.Count)
        {
            throw new JobFailedException($"Some audit events of document {d.Id} are missing from the log.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        DocumentWorkflow.TryMove(d, DocumentStates.Completed);
        d.CompletedAt = now;
        foreach (var x in recipients) x.LinkHash = null;
        await DocumentWorkflow.RecordAsync(db, cell, d, "document.completed", AuditActor.System, now, ct);
        var paid = payment is null ? null : await PaymentAsync(cell, payment, ct);
        // The certificate speaks the organization's default language; its hashes and audit references are the same in every language.
        var language = await db.Organizations.AsNoTracking().Where(o => o.Id == d.OrganizationId).Select(o => o.DefaultLanguage).SingleOrDefaultAsync(ct);
        // The signers' attachments, listed with their SHA-256 on the certificate (delivered beside the sealed PDF, ADR 0018).
        var withAttachments = await db.DocumentFields.AsNoTracking().Where(f => f.DocumentId == d.Id && f.AttachmentObjectId != null).ToListAsync(ct);
        var (pdf, withoutTimestamp) = await SealAsync(cell, keys, d, await DocumentWorkflow.ReadPdfAsync(cell, d, ct), recipients, names, audit, paid, language, withAttachments, now, ct);
        if (withoutTimestamp is not null)
        {
            // Level B allowed (installation or organization): sealed at baseline B, and the audit log says why (pdf verify says "only B").
            await DocumentWorkflow.RecordAsync(db, cell, d, "document.sealed_without_timestamp", AuditActor.System, now, ct, null,
                new Dictionary<string, string> { ["reason"] = withoutTimestamp });
        }
        var objectId = await DocumentWorkflow.WritePdfAsync(cell, d.OrganizationId, pdf, ct);
        d.CurrentPdfObjectId = objectId;
        d.Revision++;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another run completed it (or the sender voided it) meanwhile.
            await DocumentWorkflow.DeletePdfAsync(cell, d.OrganizationId, objectId);
            await using var fresh = cell.CreateDbContext();
            return await fresh.Documents.AsNoTracking().Where(x => x.Id == documentId).Select(x => x.Status).SingleAsync(ct);
        }
        catch
        {
            await DocumentWorkflow.DeletePdfAsync(cell, d.OrganizationId, objectId);
            throw;
        }
        return d.Status;
    }

    /// <summary>
    /// Appends the certificate of completion and the organization's seal; with a TSA, the seal is B-T and the file
    /// then gets its DSS and document timestamp (B-LTA, <see cref="SigningKeys.ExtendAsync"/>). A TSA failure fails the
    /// job (the queue retries) unless the installation (<c>Timestamps:AllowLevelB</c>) or the organization
    /// (<see cref="Organization.SealWithoutTimestamp"/>) allows level B, when the reason comes back with a level-B seal.
    /// </summary>
    private static async Task<(byte[] Pdf, string? WithoutTimestamp)> SealAsync(Cell cell, SigningKeys keys, Document document, byte[] pdf, List<Recipient> recipients, IReadOnlyDictionary<string, string> names,
        List<CompletionAuditEvent> events, CompletionPayment? payment, string? language, List<DocumentField> withAttachments, DateTime now, CancellationToken ct)
    {
        var signers = new List<CompletionSigner>();
        foreach (var r in recipients.Where(r => RecipientRoles.Acts(r.Role)).OrderBy(r => r.CompletedAt))
        {
            signers.Add(new CompletionSigner(
                names[r.Id] + (r.Role == RecipientRoles.Approver ? " (approver)" : ""),
                (await cell.Keys.DecryptFieldAsync(r.OrganizationId, Recipient.EmailPurpose, r.EmailToken, r.Id, ct))!,
                new DateTimeOffset(r.CompletedAt ?? now, TimeSpan.Zero),
                await cell.Keys.DecryptFieldAsync(r.OrganizationId, Recipient.IpPurpose, r.CompletedIpToken, r.Id, ct) ?? "unknown",
                await cell.Keys.DecryptFieldAsync(r.OrganizationId, Recipient.UserAgentPurpose, r.CompletedUserAgentToken, r.Id, ct) ?? "unknown",
                Authentication(r),
                r.ViewedSha256 ?? ""));
        }
        var title = (await cell.Keys.DecryptFieldAsync(document.OrganizationId, Document.TitlePurpose, document.TitleToken, document.Id, ct))!;
        var attachments = new List<CompletionAttachment>();
        foreach (var f in withAttachments.OrderBy(f => f.Page).ThenBy(f => f.Id, StringComparer.Ordinal))
        {
            var view = (await FieldAttachments.ViewAsync(cell, f, ct))!;
            var label = await cell.Keys.DecryptFieldAsync(f.OrganizationId, DocumentField.LabelPurpose, f.LabelToken, f.Id, ct);
            attachments.Add(new CompletionAttachment(label ?? f.Id, view.FileName, view.Bytes, view.Sha256));
        }
        var certificate = new CompletionCertificate
        {
            Language = language,
            DocumentTitle = title,
            DocumentId = document.Id,
            CompletedAt = new DateTimeOffset(now, TimeSpan.Zero),
            Signers = signers,
            AuditEvents = [.. events.OrderBy(e => e.LeafIndex)],
            Payment = payment,
            Attachments = attachments,
            Hashes =
            [
                new DocumentHash(DocumentHashKind.Original, document.OriginalSha256),
                new DocumentHash(DocumentHashKind.SignedRevisions, DocumentWorkflow.Sha256Hex(pdf)),
            ],
        };
        X509Certificate2 leaf, root;
        try
        {
            (leaf, root) = await keys.ForOrganizationAsync(cell, document.OrganizationId, ct);
        }
        catch (SigningCertificateRevokedException e)
        {
            throw new JobFailedException(e.Message);
        }
        var seal = new SignatureRequest
        {
            Certificate = leaf,
            Chain = [root],
            FieldName = "Sigill seal",
            SigningTime = new DateTimeOffset(now, TimeSpan.Zero),
            SignerName = "Sigill",
            Reason = "Certificate of completion",
        };
        var tsa = await keys.TimestampAuthorityAsync(cell, ct);
        if (tsa is null) return (IncrementalSigner.Complete(pdf, certificate, seal), null);
        try
        {
            var sealedPdf = await IncrementalSigner.CompleteAsync(pdf, certificate, seal, tsa, ct);
            return ((await keys.ExtendAsync(cell, sealedPdf, tsa, ct)).Pdf, null);
        }
        catch (TimestampException e)
        {
            // Asked only when every TSA failed: the organization's choice is read then, not on every completion.
            if (keys.AllowLevelB || await AllowsLevelBAsync(cell, document.OrganizationId, ct))
                return (IncrementalSigner.Complete(pdf, certificate, seal), e.Failure.ToString());
            throw new JobFailedException("No timestamp for the seal: " + e.Message);
        }
    }

    /// <summary>The certificate's payment line: processor, reference, amount, time, and the card as the processor reported it (brand and last four), or the sender's reason for a payment outside Sigill.</summary>
    private static async Task<CompletionPayment> PaymentAsync(Cell cell, Payments.DocumentPayment payment, CancellationToken ct)
    {
        var details = await Payments.PaymentFlow.DetailsAsync(cell, payment, ct);
        var card = details.CardLast4 is { } last4 ? $"{details.CardBrand ?? "card"} ending in {last4}" : null;
        return new CompletionPayment(payment.Processor == "stripe" ? "Stripe" : payment.Processor, details.Reference,
            Payments.Money.Format(details.AmountMinor, details.Currency), new DateTimeOffset(payment.PaidAt ?? DateTime.UtcNow, TimeSpan.Zero), card, details.OutsideReason);
    }

    private static async Task<bool> AllowsLevelBAsync(Cell cell, string organizationId, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        return await db.Organizations.AsNoTracking().Where(o => o.Id == organizationId).Select(o => o.SealWithoutTimestamp).SingleOrDefaultAsync(ct);
    }

    /// <summary>How the signer showed who they are: the e-mailed link always, and the step-up the sender asked for.</summary>
    private static string Authentication(Recipient r) =>
        "the link e-mailed to them" + r.StepUp switch
        {
            StepUp.AccessCode => " and the access code the sender gave them",
            StepUp.EmailCode => " and a one-time code e-mailed to them",
            _ => "",
        } + (r.SignatureKind is { } kind ? $"; {kind} signature" : "");

    /// <summary>Who is who on the certificate: each recipient's name by id, and the sender's (the member who sent it) under "".</summary>
    /// <summary>The names an event's actor may have: each recipient's (by id) and the sender's (key "").</summary>
    internal static async Task<Dictionary<string, string>> NamesAsync(Cell cell, Platform.Persistence.CellDbContext db, Document d, List<Recipient> recipients, CancellationToken ct)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var r in recipients)
        {
            names[r.Id] = (await cell.Keys.DecryptFieldAsync(r.OrganizationId, Recipient.NamePurpose, r.NameToken, r.Id, ct))!;
        }
        var sender = d.SentByUserId is null ? null
            : await db.Memberships.AsNoTracking().SingleOrDefaultAsync(m => m.OrganizationId == d.OrganizationId && m.UserId == d.SentByUserId, ct);
        names[""] = sender is null ? "the sender"
            : (await cell.Keys.DecryptFieldAsync(d.OrganizationId, Membership.NamePurpose, sender.NameToken, sender.UserId, ct))!;
        return names;
    }

    /// <summary>An audit line in plain words with its actor, keeping the action code and the event id as the reference.</summary>
    internal static string Words(DocumentEventRow row, IReadOnlyDictionary<string, string> names) =>
        $"{DocumentActivity.Describe(row.Action)} — {Who(row.Action, row.RecipientId, names)}  [{row.Action}, {row.Id}]";

    /// <summary>Who did it, in words (the certificate and the sender's activity list say it the same way).</summary>
    internal static string Who(string action, string? recipientId, IReadOnlyDictionary<string, string> names)
    {
        var recipient = recipientId is { } id && names.TryGetValue(id, out var name) ? name : null;
        return DocumentActivity.ActorOf(action) switch
        {
            DocumentActivity.Actor.Recipient when recipient is not null => recipient,
            DocumentActivity.Actor.Sender => names[""] + (recipient is null ? "" : $" (for {recipient})"),
            _ => "Sigill" + (recipient is null ? "" : $" (for {recipient})"),
        };
    }

    // The first three lines of a C2SP checkpoint: origin, tree size, root hash.
    private static string CheckpointReference(string note) =>
        string.Join(" ", note.Split('\n').Take(3));
}

/// <summary>Runs <see cref="DocumentCompletion"/> for documents whose signing request did not finish it.</summary>
internal sealed partial class DocumentCompletionJobHandler(AuditLogs logs, AuditOptions options, SigningKeys keys, TimeProvider time, ILogger<DocumentCompletionJobHandler> logger) : IJobHandler
{
    public string Kind => DocumentCompletion.JobKind;

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var documentId = job.PayloadText;
        if (await DocumentCompletion.CompleteAsync(job.Cell, logs, options, keys, time, documentId, cancellationToken) == DocumentStates.Completed)
        {
            Completed(logger, documentId);
        }
    }

    [LoggerMessage(EventId = 9003, Level = LogLevel.Information, Message = "Completion job for document {DocumentId} done (the document is completed).")]
    private static partial void Completed(ILogger logger, string documentId);
}
