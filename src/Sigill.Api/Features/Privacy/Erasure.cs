using System.Text;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.ApiTokens;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Embedding;
using Sigill.Api.Features.Payments;
using Sigill.Api.Features.Webhooks;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Crypto;

namespace Sigill.Api.Features.Privacy;

/// <summary>
/// Erases documents (ADR 0016) in three steps, each safe to repeat, so an erasure killed anywhere finishes on the next
/// replay: (1) the journal entry (<see cref="ErasureJournal"/>) is written, (2) every PDF revision of the documents is
/// deleted from the blob store with the signers' attachments, (3) one transaction deletes their rows (recipients, fields, activity, webhook deliveries,
/// payment), replaces the sealed content of their audit events with <see cref="RedactedPrefix"/> and the erasure id,
/// records a tombstone per document (<c>privacy.record_deleted</c>: kind, id, rule, erasure id; no content) and marks
/// the entry applied. Replaying the journal when a cell opens re-applies every entry the database does not mark as
/// applied: what an older backup brought back is erased again.
/// </summary>
public static class Erasure
{
    /// <summary>What an erased audit event's <c>Sealed</c> column holds instead of its record: this prefix, then the erasure id (ASCII).</summary>
    public static ReadOnlySpan<byte> RedactedPrefix => "sigill-erased-v1 "u8;

    /// <summary>Journals and applies one erasure; returns its entry.</summary>
    public static async Task<ErasureEntry> EraseAsync(Cell cell, string organizationId, IReadOnlyList<string> documentIds, string? subject, string rule,
        AuditActor actor, DateTime now, CancellationToken ct)
    {
        var entry = new ErasureEntry(SigillId.New("era", cell.Region), now, organizationId, documentIds, subject);
        await ErasureJournal.AppendAsync(cell, entry, ct);
        await ApplyAsync(cell, entry, rule, actor, now, ct);
        return entry;
    }

    /// <summary>A new erasure id of the cell.</summary>
    public static string NewId(Cell cell) => SigillId.New("era", cell.Region);

    /// <summary>
    /// Journals every entry first, then applies each: an erasure of several parts (an account and its organizations) killed
    /// midway is finished by the next replay, whole.
    /// </summary>
    public static async Task EraseAllAsync(Cell cell, IReadOnlyList<ErasureEntry> entries, string rule, AuditActor actor, DateTime now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var entry in entries) await ErasureJournal.AppendAsync(cell, entry, ct);
        foreach (var entry in entries) await ApplyAsync(cell, entry, rule, actor, now, ct);
    }

    /// <summary>Re-applies every journal entry this cell has not applied (at start, after a restore); returns how many.</summary>
    public static async Task<int> ReplayAsync(Cell cell, DateTime now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var entries = await ErasureJournal.ReadAsync(cell, ct);
        if (entries.Count == 0) return 0;
        HashSet<string> applied;
        await using (var db = cell.CreateDbContext())
        {
            applied = [.. await db.Set<ErasureApplied>().AsNoTracking().Select(a => a.Id).ToListAsync(ct)];
        }
        var replayed = 0;
        foreach (var entry in entries.Where(e => !applied.Contains(e.Id)))
        {
            await ApplyAsync(cell, entry, "replay", AuditActor.System, now, ct);
            replayed++;
        }
        return replayed;
    }

    private static async Task ApplyAsync(Cell cell, ErasureEntry entry, string rule, AuditActor actor, DateTime now, CancellationToken ct)
    {
        var org = entry.Organization;
        var ids = entry.Documents.ToList();
        await using var db = cell.CreateDbContext();
        if (await db.Set<ErasureApplied>().AnyAsync(a => a.Id == entry.Id, ct)) return;
        var documents = await db.Documents.AsNoTracking().Where(d => d.OrganizationId == org && ids.Contains(d.Id)).ToListAsync(ct);
        await DeleteRevisionsAsync(db, cell, org, documents, ct);
        // The signers' attachments (ADR 0018), found through the fields that still name them; each delete is safe to repeat.
        await Signing.FieldAttachments.DeleteForDocumentsAsync(db, cell, org, ids, ct);

        // Tombstones are sealed before the transaction opens: sealing may write key usage through another connection,
        // which would wait forever on SQLite's single writer held by this transaction.
        foreach (var document in documents)
        {
            await AuditRecorder.RecordAsync(db, cell, new AuditEventData("privacy.record_deleted", org, actor, document.Id,
                new Dictionary<string, string> { ["kind"] = "document", ["rule"] = rule, ["erasure"] = entry.Id }), now, ct);
        }
        var cellLevel = org == AuditRecorder.CellOrganization(cell.Region);
        if (entry.Member is not null || entry.Account is not null || entry.Events is { Count: > 0 } || entry.Invitations is { Count: > 0 } || entry.Mails is { Count: > 0 })
        {
            // What was erased besides documents, as kinds and counts: the tombstone names the person by id only.
            await AuditRecorder.RecordAsync(db, cell, new AuditEventData("privacy.record_deleted", cellLevel ? null : org, actor,
                entry.Account ?? entry.Member ?? "person", new Dictionary<string, string>
                {
                    ["kind"] = entry.Account is not null ? "account" : "person",
                    ["rule"] = rule,
                    ["erasure"] = entry.Id,
                    ["membership"] = entry.Member is null ? "0" : "1",
                    ["events"] = (entry.Events?.Count ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["invitations"] = (entry.Invitations?.Count ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["mails"] = (entry.Mails?.Count ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
                }), now, ct);
        }
        // E-mails queued to the person after the journal entry was written, or that a restored backup brought back (a copy
        // that was sent, and so not listed, before the erasure): matched by the person's blind index, so a replay finds them.
        var mails = new HashSet<string>(entry.Mails ?? [], StringComparer.Ordinal);
        if (entry.Subject is { } subject && !cellLevel)
        {
            mails.UnionWith(await PersonRecords.MailsAsync(db, cell, org, async to =>
                await cell.Keys.BlindIndexAsync(org, Recipient.EmailIndexPurpose, CellKeyManager.NormalizeEmail(to), ct) == subject, ct));
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var events = await db.DocumentEvents.Where(e => e.OrganizationId == org && ids.Contains(e.DocumentId)).Select(e => e.Id).ToListAsync(ct);
        events.AddRange(entry.Events ?? []);
        byte[] marker = [.. RedactedPrefix, .. Encoding.ASCII.GetBytes(entry.Id)];
        foreach (var chunk in events.Chunk(500))
        {
            await db.Set<AuditEvent>().Where(e => e.OrganizationId == org && chunk.Contains(e.Id)).ExecuteUpdateAsync(s => s.SetProperty(e => e.Sealed, marker), ct);
        }
        await db.DocumentFields.Where(f => f.OrganizationId == org && ids.Contains(f.DocumentId)).ExecuteDeleteAsync(ct);
        await db.EmbedGrants.Where(g => g.OrganizationId == org && ids.Contains(g.DocumentId)).ExecuteDeleteAsync(ct);
        await db.DocumentEvents.Where(e => e.OrganizationId == org && ids.Contains(e.DocumentId)).ExecuteDeleteAsync(ct);
        await db.WebhookDeliveries.Where(w => w.OrganizationId == org && ids.Contains(w.DocumentId)).ExecuteDeleteAsync(ct);
        await db.PaymentEvents.Where(p => p.OrganizationId == org && p.DocumentId != null && ids.Contains(p.DocumentId)).ExecuteDeleteAsync(ct);
        await db.DocumentPayments.Where(p => p.OrganizationId == org && ids.Contains(p.DocumentId)).ExecuteDeleteAsync(ct);
        await db.Recipients.Where(r => r.OrganizationId == org && ids.Contains(r.DocumentId)).ExecuteDeleteAsync(ct);
        await db.Documents.Where(d => d.OrganizationId == org && ids.Contains(d.Id)).ExecuteDeleteAsync(ct);
        await DeletePersonAsync(db, org, entry, mails, ct);
        db.Add(new ErasureApplied { Id = entry.Id, AppliedAt = now });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        if (entry.Account is { } account)
        {
            // The account's own key (its e-mail, name, second factor and session details are under it) goes last, outside the
            // transaction: the key provider is not the database. Destroying it again on a replay is a no-op.
            await cell.Keys.AbandonOrganizationKeysAsync(account, ct);
        }
    }

    /// <summary>The person's rows outside their documents: membership, invitations to their address, queued e-mails to them, their account.</summary>
    private static async Task DeletePersonAsync(CellDbContext db, string org, ErasureEntry entry, IEnumerable<string> mails, CancellationToken ct)
    {
        if (entry.Member is { } member)
        {
            await db.Sessions.Where(s => s.UserId == member && s.OrganizationId == org).ExecuteDeleteAsync(ct);
            await db.ApiTokens.Where(t => t.UserId == member && t.OrganizationId == org).ExecuteDeleteAsync(ct);
            await db.Memberships.Where(m => m.UserId == member && m.OrganizationId == org).ExecuteDeleteAsync(ct);
        }
        foreach (var chunk in (entry.Invitations ?? []).Chunk(500))
        {
            await db.Invitations.Where(i => chunk.Contains(i.Id)).ExecuteDeleteAsync(ct);
        }
        foreach (var chunk in mails.Chunk(500))
        {
            await db.Set<JobRow>().Where(j => j.Kind == MailQueue.JobKind && chunk.Contains(j.Id)).ExecuteDeleteAsync(ct);
        }
        if (entry.Account is { } account)
        {
            await db.ApiTokens.Where(t => t.UserId == account).ExecuteDeleteAsync(ct);
            await db.Sessions.Where(s => s.UserId == account).ExecuteDeleteAsync(ct);
            await db.Set<SignInChallenge>().Where(c => c.UserId == account).ExecuteDeleteAsync(ct);
            await db.Set<PasswordReset>().Where(r => r.UserId == account).ExecuteDeleteAsync(ct);
            await db.Set<PendingSignUp>().Where(p => p.UserId == account).ExecuteDeleteAsync(ct);
            await db.Memberships.Where(m => m.UserId == account).ExecuteDeleteAsync(ct);
            await db.Users.Where(u => u.Id == account).ExecuteDeleteAsync(ct);
        }
    }

    /// <summary>
    /// Deletes every PDF revision of <paramref name="documents"/>: the current one, and each earlier revision still stored
    /// (a revision is the original with updates appended, so its original prefix hashes to the document's
    /// <see cref="Document.OriginalSha256"/>). Only the organization's PDFs no remaining document points at are opened.
    /// </summary>
    private static async Task DeleteRevisionsAsync(CellDbContext db, Cell cell, string org, List<Document> documents, CancellationToken ct)
    {
        if (documents.Count == 0) return;
        var erased = documents.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        var current = documents.Select(d => d.CurrentPdfObjectId).ToHashSet(StringComparer.Ordinal);
        var kept = (await db.Documents.AsNoTracking().Where(d => d.OrganizationId == org).Select(d => new { d.Id, d.CurrentPdfObjectId }).ToListAsync(ct))
            .Where(d => !erased.Contains(d.Id)).Select(d => d.CurrentPdfObjectId).ToHashSet(StringComparer.Ordinal);
        var originals = documents.Select(d => d.OriginalSha256).ToList();
        var candidates = new List<Sigill.Crypto.ObjectContext>();
        await foreach (var key in cell.Blobs.ListAsync($"{org}/{Document.PdfPurpose}/", ct))
        {
            if (EncryptedObjects.TryParseBlobKey(cell.Region, key, out var context) && !kept.Contains(context.ObjectId)) candidates.Add(context);
        }
        foreach (var context in candidates)
        {
            var ours = current.Contains(context.ObjectId);
            if (!ours)
            {
                using var pdf = new MemoryStream();
                ours = await cell.Objects.CopyToAsync(context, pdf, ct) && originals.Any(o => DocumentWorkflow.OriginalOf(pdf.ToArray(), o) is not null);
            }
            if (ours) await cell.Objects.DeleteAsync(context, ct);
        }
    }
}
