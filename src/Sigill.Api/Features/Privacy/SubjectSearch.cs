using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Webhooks;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Persistence;
using Sigill.Contracts;
using Sigill.Crypto;

namespace Sigill.Api.Features.Privacy;

/// <summary>
/// Finds every record about one person in one organization (ADR 0016): by e-mail through the recipients' blind index,
/// by name by decrypting the organization's recipient names in the API tier, a page at a time, and comparing in memory.
/// Nothing decrypted is written anywhere, and every query names the organization, so another organization's data is never
/// read: a search can neither find it nor hint at it.
/// </summary>
public static class SubjectSearch
{
    /// <summary>The most recipient entries one name search decrypts; past it the answer says it was truncated.</summary>
    public const int MaxRecipientsScanned = 20_000;

    private const int PageSize = 500;

    /// <summary>Document actions that are an e-mail Sigill sent to that recipient.</summary>
    private static readonly HashSet<string> MailActions = new(StringComparer.Ordinal)
    {
        "document.resent", "document.reminded", "document.delivered", "step_up.code_sent", "document.awaiting_payment",
    };

    public static async Task<SubjectSearchResult> FindAsync(CellDbContext db, Cell cell, string organizationId, string? email, string? name, CancellationToken ct)
    {
        var keys = cell.Keys;
        var matches = new List<Recipient>();
        int scanned = 0;
        bool truncated = false;
        string? wantedEmail = email is null ? null : CellKeyManager.NormalizeEmail(email);
        string[] wantedName = name is null ? [] : Words(name);
        if (wantedEmail is not null)
        {
            var index = await keys.BlindIndexAsync(organizationId, Recipient.EmailIndexPurpose, wantedEmail, ct);
            matches = await db.Recipients.AsNoTracking().Where(r => r.OrganizationId == organizationId && r.EmailIndex == index)
                .OrderBy(r => r.DocumentId).ThenBy(r => r.Id).ToListAsync(ct);
        }
        else
        {
            string? after = null;
            while (!truncated)
            {
                var query = db.Recipients.AsNoTracking().Where(r => r.OrganizationId == organizationId);
                if (after is not null) query = query.Where(r => string.Compare(r.Id, after) > 0);
                var page = await query.OrderBy(r => r.Id).Take(PageSize).ToListAsync(ct);
                foreach (var r in page)
                {
                    if (scanned == MaxRecipientsScanned)
                    {
                        truncated = true;
                        break;
                    }
                    scanned++;
                    var recipientName = await keys.DecryptFieldAsync(organizationId, Recipient.NamePurpose, r.NameToken, r.Id, ct);
                    if (recipientName is not null && ContainsWords(Words(recipientName), wantedName)) matches.Add(r);
                }
                if (page.Count < PageSize) break;
                after = page[^1].Id;
            }
        }

        var entries = new List<SubjectRecipientEntry>();
        foreach (var r in matches)
        {
            entries.Add(await EntryAsync(db, cell, r, ct));
        }
        var members = new List<SubjectMember>();
        foreach (var m in await db.Memberships.AsNoTracking().Where(m => m.OrganizationId == organizationId).OrderBy(m => m.CreatedAt).ToListAsync(ct))
        {
            var memberEmail = (await keys.DecryptFieldAsync(organizationId, Membership.EmailPurpose, m.EmailToken, m.UserId, ct))!;
            var memberName = (await keys.DecryptFieldAsync(organizationId, Membership.NamePurpose, m.NameToken, m.UserId, ct))!;
            var found = wantedEmail is not null
                ? CellKeyManager.NormalizeEmail(memberEmail) == wantedEmail
                : ContainsWords(Words(memberName), wantedName);
            if (found) members.Add(new SubjectMember(m.UserId, memberName, memberEmail, m.Role, m.CreatedAt));
        }
        return new SubjectSearchResult(wantedEmail is not null ? "email" : "name", wantedEmail is not null ? matches.Count : scanned, truncated, entries, members);
    }

    private static async Task<SubjectRecipientEntry> EntryAsync(CellDbContext db, Cell cell, Recipient r, CancellationToken ct)
    {
        var keys = cell.Keys;
        var org = r.OrganizationId;
        var document = await db.Documents.AsNoTracking().SingleAsync(d => d.Id == r.DocumentId && d.OrganizationId == org, ct);
        var fields = new List<SubjectFieldValue>();
        foreach (var f in await db.DocumentFields.AsNoTracking().Where(f => f.DocumentId == r.DocumentId && f.RecipientId == r.Id).OrderBy(f => f.Page).ThenBy(f => f.Y).ToListAsync(ct))
        {
            fields.Add(new SubjectFieldValue(f.Id, f.Kind,
                await keys.DecryptFieldAsync(org, DocumentField.LabelPurpose, f.LabelToken, f.Id, ct),
                await keys.DecryptFieldAsync(org, DocumentField.ValuePurpose, f.ValueToken, f.Id, ct)));
        }
        var events = await db.DocumentEvents.AsNoTracking().Where(e => e.DocumentId == r.DocumentId && e.RecipientId == r.Id)
            .OrderBy(e => e.OccurredAt).ThenBy(e => e.Id).ToListAsync(ct);
        var audit = events.Select(e => new SubjectEvent(e.Id, e.Action, e.OccurredAt)).ToList();
        var mail = new List<SubjectEvent>();
        if (r.NotifiedAt is { } notified)
        {
            var sent = await db.DocumentEvents.AsNoTracking().Where(e => e.DocumentId == r.DocumentId && e.Action == "document.sent")
                .OrderBy(e => e.OccurredAt).Select(e => e.Id).FirstOrDefaultAsync(ct);
            mail.Add(new SubjectEvent(sent ?? "", "document.sent", notified));
        }
        mail.AddRange(audit.Where(e => MailActions.Contains(e.Action)));
        var deliveries = await db.WebhookDeliveries.AsNoTracking().Where(w => w.OrganizationId == org && w.DocumentId == r.DocumentId && w.RecipientId == r.Id)
            .OrderBy(w => w.OccurredAt).ThenBy(w => w.Id)
            .Select(w => new SubjectWebhookDelivery(w.Id, w.EventType, w.Status, w.OccurredAt)).ToListAsync(ct);
        return new SubjectRecipientEntry(document.Id,
            (await keys.DecryptFieldAsync(org, Document.TitlePurpose, document.TitleToken, document.Id, ct))!,
            document.Status, r.Id,
            (await keys.DecryptFieldAsync(org, Recipient.NamePurpose, r.NameToken, r.Id, ct))!,
            (await keys.DecryptFieldAsync(org, Recipient.EmailPurpose, r.EmailToken, r.Id, ct))!,
            r.Role, r.Status, r.NotifiedAt, r.ConsentedAt, r.FirstViewedAt, r.LastViewedAt, r.ViewCount,
            await keys.DecryptFieldAsync(org, Recipient.IpPurpose, r.LastViewIpToken, r.Id, ct),
            await keys.DecryptFieldAsync(org, Recipient.UserAgentPurpose, r.LastViewUserAgentToken, r.Id, ct),
            r.CompletedAt,
            await keys.DecryptFieldAsync(org, Recipient.IpPurpose, r.CompletedIpToken, r.Id, ct),
            await keys.DecryptFieldAsync(org, Recipient.UserAgentPurpose, r.CompletedUserAgentToken, r.Id, ct),
            r.SignatureKind, fields, mail, audit, deliveries);
    }

    /// <summary>
    /// A name as comparable words: case, accents and punctuation ignored ("Åsa-Lena Öberg" → asa, lena, oberg). Sigill runs
    /// with invariant globalization (no ICU), where Unicode decomposition is not available, so accented Latin letters fold
    /// through <see cref="Folded"/>; other scripts compare as they are (lower-cased).
    /// </summary>
    internal static string[] Words(string text)
    {
        var plain = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            var lower = char.ToLowerInvariant(c);
            var at = Accented.IndexOf(lower, StringComparison.Ordinal);
            if (at >= 0) plain.Append(Folded[at]);
            else if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            else plain.Append(char.IsLetterOrDigit(lower) ? lower : ' ');
        }
        return plain.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    // Lower-case Latin-1 and Latin Extended-A letters and what they fold to (one letter each; æ, œ, ß fold to their first).
    private const string Accented = "àáâãäåāăąçćĉċčďđèéêëēĕėęěĝğġģĥħìíîïĩīĭįıĵķĺļľŀłñńņňòóôõöøōŏőŕŗřśŝşšţťŧùúûüũūŭůűųŵýÿŷźżžæœßþð";
    private const string Folded =   "aaaaaaaaacccccddeeeeeeeeegggghhiiiiiiiiijklllllnnnnooooooooorrrsssstttuuuuuuuuuuwyyyzzzaostd";

    /// <summary>Every wanted word is a whole word of the name (in any order).</summary>
    private static bool ContainsWords(string[] name, string[] wanted) =>
        wanted.Length > 0 && wanted.All(w => name.Contains(w, StringComparer.Ordinal));
}
