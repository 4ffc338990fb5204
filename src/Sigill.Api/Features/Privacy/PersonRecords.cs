using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Audit;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Crypto;

namespace Sigill.Api.Features.Privacy;

/// <summary>
/// What names one person in one organization outside their documents (ADR 0016): invitations to their address (found by the
/// directory hash they carry), queued e-mails to them and audit events whose actor, target or a detail is the person (their
/// user id, an invitation to them, or their address). Audit events and queued e-mails have no index on the person, so they
/// are opened in the API tier a page at a time (<see cref="PageSize"/> rows per query) and compared in memory; nothing
/// decrypted is kept or written. The answer is ids only: what an erasure journal entry carries.
/// </summary>
public static class PersonRecords
{
    private const int PageSize = 500;

    /// <summary>The ids found, to erase.</summary>
    public sealed record Found(List<string> Events, List<string> Invitations, List<string> Mails)
    {
        public bool Any => Events.Count > 0 || Invitations.Count > 0 || Mails.Count > 0;
    }

    /// <param name="userId">The person's account, when they have one (their id names them in events).</param>
    /// <param name="email">The person's address as given (compared normalized).</param>
    /// <param name="emailHash">The directory hash of the address (<see cref="Accounts.Directory.EmailHash"/>): what invitations carry.</param>
    public static async Task<Found> FindAsync(CellDbContext db, Cell cell, string organizationId, string? userId, string email, string emailHash, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(cell);
        // The person's records are the organization's own: whoever asks (the person deleting their account from another
        // organization's session, an admin) may open this organization's events for it.
        using var access = KeyAccess.Include(organizationId);
        var wanted = CellKeyManager.NormalizeEmail(email);
        var invitations = await db.Invitations.AsNoTracking().Where(i => i.OrganizationId == organizationId && i.EmailHash == emailHash)
            .Select(i => i.Id).OrderBy(i => i).ToListAsync(ct);
        var names = new HashSet<string>(invitations, StringComparer.Ordinal);
        if (userId is not null) names.Add(userId);
        return new Found(await EventsAsync(db, cell, organizationId, names, wanted, ct), invitations,
            await MailsAsync(db, cell, organizationId, to => Task.FromResult(CellKeyManager.NormalizeEmail(to) == wanted), ct));
    }

    private static async Task<List<string>> EventsAsync(CellDbContext db, Cell cell, string org, HashSet<string> names, string email, CancellationToken ct)
    {
        var found = new List<string>();
        string? after = null;
        while (true)
        {
            var query = db.Set<AuditEvent>().AsNoTracking().Where(e => e.OrganizationId == org);
            if (after is not null) query = query.Where(e => string.Compare(e.Id, after) > 0);
            var page = await query.OrderBy(e => e.Id).Take(PageSize).ToListAsync(ct);
            foreach (var row in page)
            {
                if (row.Sealed.AsSpan().StartsWith(Erasure.RedactedPrefix)) continue; // erased already
                byte[] plain;
                try
                {
                    plain = await cell.Keys.OpenRecordAsync(AuditRecorder.SealContext(cell.Region, org, row.Id), row.Sealed, ct);
                }
                catch (CryptoIntegrityException)
                {
                    continue; // unreadable already (shredded key): nothing to erase in it
                }
                if (Names(plain.AsSpan(32), names, email)) found.Add(row.Id); // 32-byte salt, then the canonical JSON
            }
            if (page.Count < PageSize) break;
            after = page[^1].Id;
        }
        return found;
    }

    /// <summary>Whether the event's actor, target or a detail value is one of <paramref name="names"/> or the address.</summary>
    private static bool Names(ReadOnlySpan<byte> canonical, HashSet<string> names, string email)
    {
        using var json = JsonDocument.Parse(canonical.ToArray());
        var root = json.RootElement;
        bool Match(string? value) => value is not null && (names.Contains(value) || string.Equals(value.Trim(), email, StringComparison.OrdinalIgnoreCase));
        if (Match(root.GetProperty("actor").GetString()) || (root.TryGetProperty("target", out var target) && Match(target.GetString()))) return true;
        if (root.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Object)
        {
            foreach (var detail in details.EnumerateObject())
            {
                if (detail.Value.ValueKind != JsonValueKind.String) continue;
                var value = detail.Value.GetString()!;
                if (Match(value) || value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(names.Contains)) return true;
            }
        }
        return false;
    }

    /// <summary>Queued or dead-lettered <c>mail.send</c> jobs of the organization still holding a copy of a message to an address <paramref name="to"/> accepts.</summary>
    internal static async Task<List<string>> MailsAsync(CellDbContext db, Cell cell, string org, Func<string, Task<bool>> to, CancellationToken ct)
    {
        using var access = KeyAccess.Include(org);
        var found = new List<string>();
        string? after = null;
        while (true)
        {
            var query = db.Set<JobRow>().AsNoTracking().Where(j => j.Kind == MailQueue.JobKind && j.OrganizationId == org && j.Payload != null);
            if (after is not null) query = query.Where(j => string.Compare(j.Id, after) > 0);
            var page = await query.OrderBy(j => j.Id).Take(PageSize).ToListAsync(ct);
            foreach (var job in page)
            {
                MailQueue.QueuedMail? mail;
                try
                {
                    mail = JsonSerializer.Deserialize<MailQueue.QueuedMail>(await JobQueue.OpenPayloadAsync(cell, job, ct));
                }
                catch (Exception e) when (e is CryptoIntegrityException or JsonException)
                {
                    continue;
                }
                if (mail is not null && await to(mail.ToAddress)) found.Add(job.Id);
            }
            if (page.Count < PageSize) break;
            after = page[^1].Id;
        }
        return found;
    }
}
