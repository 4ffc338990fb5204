using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Features.Signing;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Persistence;
using Sigill.Crypto;

namespace Sigill.Api.Features.Doctor;

/// <summary>One thing <see cref="CellDoctor"/> found: a code from docs/operations.md, the record it concerns, and what it saw.</summary>
/// <param name="Severity"><c>problem</c> (the command exits 1) or <c>warning</c> (reported, not failing).</param>
/// <param name="Repaired">What <c>--repair</c> did about it; null when it did nothing.</param>
public sealed record DoctorFinding(string Severity, string Code, string Subject, string Detail, string? Repaired = null);

/// <summary>What one cell's examination counted and found.</summary>
public sealed record DoctorReport(string Region, int Organizations, int Documents, int Objects, int Shredded, int Unreferenced, int Jobs, string Audit, IReadOnlyList<DoctorFinding> Findings)
{
    public int Problems => Findings.Count(f => f.Severity == CellDoctor.Problem && f.Repaired is null);
}

/// <summary>
/// <c>sigill doctor</c> (issue 21, item 5): checks the cross-references of one cell and fixes nothing unless asked.
/// <list type="bullet">
/// <item>every organization's content key resolves (its name decrypts; a crypto-shredded one is counted, not a problem);</item>
/// <item>every document's current PDF exists, and every encrypted object in the blob store decrypts under the key
/// its context names (an object that does not is tampered with, truncated, or refers to a key that is gone);</item>
/// <item>the audit log verifies, and no committed event has waited longer than <see cref="SequencingGrace"/> for its leaf;</item>
/// <item>no job is orphaned: its organization, and the document or organization a plain payload names, exist;
/// dead-lettered jobs are reported as warnings;</item>
/// <item>no document is stuck: one whose every signer and approver is done has a completion job queued or running;</item>
/// <item>the erasure journal (ADR 0016) is set, lies outside the blob store that backups copy, reads with an unbroken
/// chain, and every entry in it is applied (a cell without one refuses erasure: a warning).</item>
/// </list>
/// <c>--repair</c> does one thing, because it is provably safe: it queues a fresh completion job for a stuck
/// document. The job runs the same idempotent step the signing request runs (<see cref="DocumentCompletion"/>), which
/// re-reads the document and does nothing when it is already complete. Nothing is deleted or rewritten.
/// </summary>
public static class CellDoctor
{
    public const string Problem = "problem";
    public const string Warning = "warning";

    /// <summary>How long a committed audit event may wait for the sequencer before it counts as missing its leaf.</summary>
    public static readonly TimeSpan SequencingGrace = TimeSpan.FromMinutes(10);

    public static async Task<DoctorReport> ExamineAsync(Cell cell, bool repair, TimeProvider time, IProgress<(string Step, long Done, long Total)>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(time);
        var findings = new List<DoctorFinding>();
        await using var db = cell.CreateDbContext();

        // Keys: every organization's content key resolves.
        var organizations = await db.Set<Organization>().AsNoTracking().Select(o => new { o.Id, o.NameToken }).ToListAsync(ct);
        var shredded = new HashSet<string>(StringComparer.Ordinal);
        var done = 0;
        foreach (var org in organizations)
        {
            switch (await DecryptionProbe.TryAsync(() => cell.Keys.DecryptFieldAsync(org.Id, Organization.NamePurpose, org.NameToken, org.Id, ct)))
            {
                case DecryptionOutcome.Shredded: shredded.Add(org.Id); break;
                case DecryptionOutcome.Failed: findings.Add(new(Problem, "organization.key_unresolvable", org.Id, "its content key does not open its own name")); break;
            }
            progress?.Report(("organization keys", ++done, organizations.Count));
        }
        var organizationIds = organizations.Select(o => o.Id).ToHashSet(StringComparer.Ordinal);

        // Objects: every document's current PDF exists; every encrypted object decrypts.
        var documents = await db.Set<Document>().AsNoTracking()
            .Select(d => new { d.Id, d.OrganizationId, d.CurrentPdfObjectId, d.Status }).ToListAsync(ct);
        var keys = new List<string>();
        await foreach (var key in cell.Blobs.ListAsync("", ct))
        {
            keys.Add(key);
        }
        var stored = keys.ToHashSet(StringComparer.Ordinal);
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in documents)
        {
            var key = EncryptedObjects.BlobKeyOf(DocumentWorkflow.PdfContext(cell, d.OrganizationId, d.CurrentPdfObjectId));
            referenced.Add(key);
            if (!stored.Contains(key) && !shredded.Contains(d.OrganizationId))
            {
                findings.Add(new(Problem, "document.pdf_missing", d.Id, $"its current PDF {d.CurrentPdfObjectId} is not in the blob store"));
            }
        }
        int objects = 0, shreddedObjects = 0, unreferenced = 0;
        done = 0;
        foreach (var key in keys)
        {
            progress?.Report(("stored objects", ++done, keys.Count));
            if (!EncryptedObjects.TryParseBlobKey(cell.Region, key, out var context))
            {
                continue; // not an encrypted object (the region's CRL, which is public)
            }
            objects++;
            if (context.Purpose == Document.PdfPurpose && !referenced.Contains(key))
            {
                unreferenced++; // an earlier revision of a document, or a write whose request never committed
            }
            switch (await DecryptionProbe.TryAsync(() => cell.Objects.CopyToAsync(context, Stream.Null, ct)))
            {
                case DecryptionOutcome.Shredded: shreddedObjects++; break;
                case DecryptionOutcome.Failed: findings.Add(new(Problem, "object.undecryptable", key, "does not decrypt under the key its organization and context name (tampered, truncated or its key is gone)")); break;
            }
        }

        // Audit: the log verifies, and nothing waits for its leaf longer than the sequencer ever should.
        var audit = await AuditVerification.VerifyAsync(cell, null, ct);
        if (!audit.Ok)
        {
            findings.Add(new(Problem, "audit.failed", cell.Region, audit.Problem ?? audit.Summary));
        }
        var cutoff = time.GetUtcNow().UtcDateTime - SequencingGrace;
        foreach (var e in await db.Set<AuditEvent>().AsNoTracking().Where(e => e.LeafIndex == null && e.OccurredAt < cutoff).Select(e => new { e.Id, e.OccurredAt }).ToListAsync(ct))
        {
            findings.Add(new(Problem, "audit.unsequenced", e.Id, string.Create(CultureInfo.InvariantCulture, $"committed at {e.OccurredAt:u} and still has no leaf (is an API node running its sequencer?)")));
        }

        await ExamineErasureJournalAsync(cell, db, findings, ct);

        // Jobs: none orphaned; dead letters reported.
        var documentIds = documents.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        var jobs = await db.Jobs.AsNoTracking().Where(j => j.State == JobState.Queued || j.State == JobState.Running || j.State == JobState.DeadLettered).ToListAsync(ct);
        foreach (var job in jobs)
        {
            if (job.State == JobState.DeadLettered)
            {
                findings.Add(new(Warning, "job.dead_lettered", job.Id, $"{job.Kind} gave up after {job.Attempts} attempts: {job.LastError ?? "no error recorded"}"));
                continue;
            }
            var names = job.OrganizationId is null && job.Payload is { Length: > 0 and <= 64 } plain ? System.Text.Encoding.UTF8.GetString(plain) : null;
            if (job.OrganizationId is { } org && !organizationIds.Contains(org))
            {
                findings.Add(new(Problem, "job.orphaned", job.Id, $"{job.Kind} belongs to organization {org}, which this cell does not hold"));
            }
            else if (SigillId.TryParse(names, "doc", out _) && !documentIds.Contains(names!))
            {
                findings.Add(new(Problem, "job.orphaned", job.Id, $"{job.Kind} is for document {names}, which this cell does not hold"));
            }
            else if (SigillId.TryParse(names, "org", out _) && !organizationIds.Contains(names!))
            {
                findings.Add(new(Problem, "job.orphaned", job.Id, $"{job.Kind} is for organization {names}, which this cell does not hold"));
            }
        }

        // Documents: none stuck between the last signature and completion.
        var waiting = documents.Where(d => d.Status == DocumentStates.Sent && !shredded.Contains(d.OrganizationId)).Select(d => d.Id).ToList();
        var acting = await db.Set<Recipient>().AsNoTracking().Where(r => waiting.Contains(r.DocumentId))
            .Select(r => new { r.DocumentId, r.Role, r.Status }).ToListAsync(ct);
        var completing = jobs.Where(j => j.Kind == DocumentCompletion.JobKind && j.State is JobState.Queued or JobState.Running && j.Payload is not null)
            .Select(j => System.Text.Encoding.UTF8.GetString(j.Payload!)).ToHashSet(StringComparer.Ordinal);
        foreach (var group in acting.Where(r => RecipientRoles.Acts(r.Role)).GroupBy(r => r.DocumentId))
        {
            if (!group.All(r => RecipientStates.IsDone(r.Status)) || completing.Contains(group.Key))
            {
                continue;
            }
            string? repaired = null;
            if (repair)
            {
                var request = JobRequest.Text(DocumentCompletion.JobKind, group.Key,
                    string.Create(CultureInfo.InvariantCulture, $"{DocumentCompletion.JobKind}:{group.Key}:doctor:{time.GetUtcNow().ToUnixTimeMilliseconds()}"));
                await JobQueue.EnqueueNowAsync(cell, request, time, ct: ct);
                repaired = "queued a completion job";
            }
            findings.Add(new(Problem, "document.stuck", group.Key, "every signer and approver is done, but it is not completed and no completion job is queued", repaired));
        }

        return new DoctorReport(cell.Region, organizations.Count, documents.Count, objects, shreddedObjects, unreferenced, jobs.Count, audit.Summary, findings);
    }

    private static async Task ExamineErasureJournalAsync(Cell cell, CellDbContext db, List<DoctorFinding> findings, CancellationToken ct)
    {
        if (!Privacy.ErasureJournal.IsConfigured(cell))
        {
            findings.Add(new(Warning, "erasure.journal_unset", cell.Region,
                $"no erasure journal directory: erasure requests are refused (409 erasure_not_configured); set Cells:{cell.Region}:ErasureJournalDirectory to a folder outside the backups"));
            return;
        }
        var journal = Path.GetFullPath(Privacy.ErasureJournal.PathOf(cell));
        if (cell.Options.Blobs.Provider == "filesystem" && cell.Options.Blobs.Path is { Length: > 0 } blobs
            && journal.StartsWith(Path.GetFullPath(blobs).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            findings.Add(new(Problem, "erasure.journal_in_backup", cell.Region,
                $"the erasure journal {journal} lies inside the blob store {blobs}, which backups copy: a restore would bring an older journal back"));
        }
        IReadOnlyList<Privacy.ErasureEntry> entries;
        try
        {
            entries = await Privacy.ErasureJournal.ReadAsync(cell, ct);
        }
        catch (InvalidDataException e)
        {
            findings.Add(new(Problem, "erasure.journal_broken", cell.Region, e.Message));
            return;
        }
        var applied = (await db.Set<Privacy.ErasureApplied>().AsNoTracking().Select(a => a.Id).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        foreach (var entry in entries.Where(e => !applied.Contains(e.Id)))
        {
            findings.Add(new(Problem, "erasure.unapplied", entry.Id, "journaled but not applied to this database: restart the cell (every start replays the journal)"));
        }
    }
}
