using System.IO.Compression;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Documents;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Persistence;
using Sigill.Contracts;
using Sigill.Crypto;

namespace Sigill.Api.Features.Privacy;

/// <summary>
/// Writes one person's export package (docs/formats/privacy-export.md): <c>subject.json</c> and, under <c>documents/</c>,
/// the current revision (the sealed one once completed) of every document the person received or signed. It builds on
/// <see cref="SubjectSearch"/> by e-mail, so it reads the caller's organization only. Other people on the same documents
/// appear as a role label and a masked address (ADR 0016); the PDFs are as signed.
/// </summary>
internal static class ExportPackage
{
    public const string Format = "sigill.privacy-export/1";

    public const string OtherPeople = "masked: other recipients appear as their role (\"Signer 2\") and a masked e-mail address; PDFs are included as signed";

    public const string ConsentText = "Consent to receive the document electronically and to sign it electronically (electronic records and signatures).";

    // Readable names and the mask's bullet in the file, not \u escapes: the file is data in a ZIP, never HTML.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public sealed record Written(int RecipientEntries, int Pdfs);

    /// <summary>Writes the ZIP to <paramref name="destination"/>; null (nothing written) when the person is on more than <paramref name="maxDocuments"/> documents.</summary>
    public static async Task<Written?> WriteAsync(CellDbContext db, Cell cell, string org, string exportId, string email, DateTime now, int maxDocuments,
        Stream destination, CancellationToken ct)
    {
        var found = await SubjectSearch.FindAsync(db, cell, org, email, null, ct);
        var documentIds = found.Recipients.Select(r => r.DocumentId).Distinct(StringComparer.Ordinal).ToList();
        if (found.Truncated || documentIds.Count > maxDocuments) return null;

        var mine = found.Recipients.Select(r => r.RecipientId).ToHashSet(StringComparer.Ordinal);
        var onDocuments = (await db.Recipients.AsNoTracking().Where(r => r.OrganizationId == org && documentIds.Contains(r.DocumentId)).ToListAsync(ct))
            .OrderBy(r => r.SigningOrder).ThenBy(r => r.Id, StringComparer.Ordinal).ToLookup(r => r.DocumentId, StringComparer.Ordinal);
        var documents = await db.Documents.AsNoTracking().Where(d => d.OrganizationId == org && documentIds.Contains(d.Id)).ToDictionaryAsync(d => d.Id, StringComparer.Ordinal, ct);

        // A document the person was sent or signed goes in once, whatever number of entries they have on it.
        var pdfs = found.Recipients.Where(r => r.NotifiedAt is not null || r.CompletedAt is not null)
            .Select(r => r.DocumentId).Distinct(StringComparer.Ordinal).ToDictionary(d => d, d => $"documents/{d}.pdf", StringComparer.Ordinal);
        var entries = new List<PrivacyExportEntry>();
        foreach (var entry in found.Recipients)
        {
            entries.Add(new PrivacyExportEntry(entry, pdfs.GetValueOrDefault(entry.DocumentId),
                await OthersAsync(cell, org, onDocuments[entry.DocumentId], mine, ct)));
        }
        var consents = found.Recipients.Where(r => r.ConsentedAt is not null)
            .Select(r => new PrivacyExportConsent(r.DocumentId, r.RecipientId, r.ConsentedAt!.Value,
                r.AuditEvents.FirstOrDefault(e => e.Action == "document.consented")?.EventId, ConsentText)).ToList();
        var package = new PrivacyExportPackage(Format, exportId, org, cell.Region, now, CellKeyManager.NormalizeEmail(email), OtherPeople, entries, consents, found.Members);

        using (var zip = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true))
        {
            await using (var json = await zip.CreateEntry("subject.json", CompressionLevel.Optimal).OpenAsync(ct))
            {
                await JsonSerializer.SerializeAsync(json, package, Json, ct);
            }
            foreach (var (documentId, path) in pdfs)
            {
                var pdf = await DocumentWorkflow.ReadPdfAsync(cell, documents[documentId], ct);
                await using var stream = await zip.CreateEntry(path, CompressionLevel.Fastest).OpenAsync(ct);
                await stream.WriteAsync(pdf, ct);
            }
        }
        return new Written(entries.Count, pdfs.Count);
    }

    /// <summary>The other recipients of one document, numbered per role in signing order ("Signer 1", "Signer 2", "Cc 1").</summary>
    private static async Task<List<PrivacyExportOtherRecipient>> OthersAsync(Cell cell, string org, IEnumerable<Documents.Recipient> recipients,
        HashSet<string> mine, CancellationToken ct)
    {
        var others = new List<PrivacyExportOtherRecipient>();
        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in recipients)
        {
            var number = numbers[r.Role] = numbers.GetValueOrDefault(r.Role) + 1;
            if (mine.Contains(r.Id)) continue;
            var address = await cell.Keys.DecryptFieldAsync(org, Documents.Recipient.EmailPurpose, r.EmailToken, r.Id, ct);
            others.Add(new PrivacyExportOtherRecipient($"{char.ToUpperInvariant(r.Role[0])}{r.Role[1..]} {number}", r.Role, Mask(address ?? ""), r.Status));
        }
        return others;
    }

    /// <summary><c>jane.doe@example.com</c> → <c>j•••@example.com</c>: the first character of the local part and the domain.</summary>
    internal static string Mask(string email)
    {
        var at = email.LastIndexOf('@');
        return at <= 0 ? "•••" : $"{email[0]}•••{email[at..]}";
    }
}
