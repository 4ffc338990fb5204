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

    /// <summary>The most recipient entries one answer carries (a person on more documents: <c>truncated</c>).</summary>
    public const int MaxEntries = 1_000;

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
                .OrderBy(r => r.DocumentId).ThenBy(r => r.Id).Take(MaxEntries + 1).ToListAsync(ct);
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
                    if (scanned == MaxRecipientsScanned || matches.Count > MaxEntries)
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

        if (matches.Count > MaxEntries)
        {
            truncated = true;
            matches.RemoveRange(MaxEntries, matches.Count - MaxEntries);
        }
        if (wantedEmail is not null) scanned = matches.Count; // the index found them: nothing else was looked at
        var entries = await EntriesAsync(db, cell, organizationId, matches, ct);
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
        return new SubjectSearchResult(wantedEmail is not null ? "email" : "name", scanned, truncated, entries, members);
    }

    /// <summary>
    /// The entries of the matched recipients: their documents, fields, activity and webhook deliveries read a few hundred
    /// documents per query (never a query per entry), then decrypted.
    /// </summary>
    private static async Task<List<SubjectRecipientEntry>> EntriesAsync(CellDbContext db, Cell cell, string org, List<Recipient> matches, CancellationToken ct)
    {
        var keys = cell.Keys;
        var mine = matches.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var documents = new Dictionary<string, Document>(StringComparer.Ordinal);
        var fields = new List<DocumentField>();
        var events = new List<DocumentEventRow>();
        var deliveries = new List<WebhookDelivery>();
        foreach (var chunk in matches.Select(r => r.DocumentId).Distinct(StringComparer.Ordinal).Chunk(PageSize))
        {
            foreach (var d in await db.Documents.AsNoTracking().Where(d => d.OrganizationId == org && chunk.Contains(d.Id)).ToListAsync(ct))
            {
                documents[d.Id] = d;
            }
            fields.AddRange(await db.DocumentFields.AsNoTracking().Where(f => chunk.Contains(f.DocumentId) && f.OrganizationId == org).ToListAsync(ct));
            events.AddRange(await db.DocumentEvents.AsNoTracking()
                .Where(e => chunk.Contains(e.DocumentId) && e.OrganizationId == org && (e.RecipientId != null || e.Action == "document.sent")).ToListAsync(ct));
            deliveries.AddRange(await db.WebhookDeliveries.AsNoTracking()
                .Where(w => w.OrganizationId == org && chunk.Contains(w.DocumentId) && w.RecipientId != null).ToListAsync(ct));
        }
        var fieldsOf = fields.Where(f => mine.Contains(f.RecipientId)).OrderBy(f => f.Page).ThenBy(f => f.Y).ToLookup(f => f.RecipientId, StringComparer.Ordinal);
        var eventsOf = events.Where(e => e.RecipientId is not null && mine.Contains(e.RecipientId))
            .OrderBy(e => e.OccurredAt).ThenBy(e => e.Id, StringComparer.Ordinal).ToLookup(e => e.RecipientId!, StringComparer.Ordinal);
        var sentOf = events.Where(e => e.Action == "document.sent").OrderBy(e => e.OccurredAt)
            .GroupBy(e => e.DocumentId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
        var deliveriesOf = deliveries.Where(w => mine.Contains(w.RecipientId!))
            .OrderBy(w => w.OccurredAt).ThenBy(w => w.Id, StringComparer.Ordinal).ToLookup(w => w.RecipientId!, StringComparer.Ordinal);

        var entries = new List<SubjectRecipientEntry>(matches.Count);
        foreach (var r in matches)
        {
            var document = documents[r.DocumentId];
            var values = new List<SubjectFieldValue>();
            foreach (var f in fieldsOf[r.Id])
            {
                values.Add(new SubjectFieldValue(f.Id, f.Kind,
                    await keys.DecryptFieldAsync(org, DocumentField.LabelPurpose, f.LabelToken, f.Id, ct),
                    await keys.DecryptFieldAsync(org, DocumentField.ValuePurpose, f.ValueToken, f.Id, ct)));
            }
            var audit = eventsOf[r.Id].Select(e => new SubjectEvent(e.Id, e.Action, e.OccurredAt)).ToList();
            var mail = new List<SubjectEvent>();
            if (r.NotifiedAt is { } notified)
            {
                mail.Add(new SubjectEvent(sentOf.GetValueOrDefault(r.DocumentId) ?? "", "document.sent", notified));
            }
            mail.AddRange(audit.Where(e => MailActions.Contains(e.Action)));
            entries.Add(new SubjectRecipientEntry(document.Id,
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
                r.SignatureKind, values, mail, audit, [.. deliveriesOf[r.Id].Select(w => new SubjectWebhookDelivery(w.Id, w.EventType, w.Status, w.OccurredAt))]));
        }
        return entries;
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
