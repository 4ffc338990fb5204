using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Crypto;
using Sigill.Api.Features.Audit;

namespace Sigill.Api.Features.Documents;

/// <summary>Shared steps of the document flow: encrypted PDF revisions, events, recipient links, sealing.</summary>
internal static class DocumentWorkflow
{
    public const string LinkPrefix = "sgr";

    public static ObjectContext PdfContext(Cell cell, string organizationId, string objectId) =>
        new(cell.Region, organizationId, objectId, 1, Document.PdfPurpose);

    public static async Task<byte[]> ReadPdfAsync(Cell cell, Document document, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        if (!await cell.Objects.CopyToAsync(PdfContext(cell, document.OrganizationId, document.CurrentPdfObjectId), buffer, ct))
        {
            throw new InvalidOperationException($"document {document.Id} has no stored PDF {document.CurrentPdfObjectId}");
        }
        return buffer.ToArray();
    }

    /// <summary>Stores a PDF revision as a new encrypted object and returns its id.</summary>
    public static async Task<string> WritePdfAsync(Cell cell, string organizationId, byte[] pdf, CancellationToken ct)
    {
        var id = SigillId.New("pdf", cell.Region);
        using var source = new MemoryStream(pdf, writable: false);
        await cell.Objects.PutAsync(PdfContext(cell, organizationId, id), source, ct);
        return id;
    }

    public static Task DeletePdfAsync(Cell cell, string organizationId, string objectId) =>
        cell.Objects.DeleteAsync(PdfContext(cell, organizationId, objectId), CancellationToken.None);

    public static string Sha256Hex(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>
    /// The PDF as it was before the first signature. Signatures are incremental updates appended to the original, so
    /// it is the prefix that ends at one of the file's <c>%%EOF</c> markers (with its line end) and hashes to
    /// <paramref name="originalSha256"/>; null if there is none. Only the last <see cref="MaxAppendedRevisions"/> markers
    /// are candidates (what Sigill appends: a revision per signer, the seal, the long-term data), and one pass of SHA-256
    /// over the file checks them all, so a file stuffed with markers costs one hash of itself, not one per marker.
    /// </summary>
    public static byte[]? OriginalOf(byte[] pdf, string originalSha256)
    {
        var markers = new List<int>();
        var marker = "%%EOF"u8;
        for (var at = pdf.AsSpan().IndexOf(marker); at >= 0;)
        {
            if (markers.Count == MaxAppendedRevisions + 1) markers.RemoveAt(0);
            markers.Add(at + marker.Length);
            var next = pdf.AsSpan(at + marker.Length).IndexOf(marker);
            at = next < 0 ? -1 : at + marker.Length + next;
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var hashed = 0;
        foreach (var end in markers)
        {
            for (var length = end; length <= Math.Min(end + 2, pdf.Length); length++) // "%%EOF", then CR, LF or CRLF
            {
                hash.AppendData(pdf, hashed, length - hashed);
                hashed = length;
                if (Convert.ToHexStringLower(hash.GetCurrentHash()) == originalSha256) return pdf[..length];
            }
        }
        return Sha256Hex(pdf) == originalSha256 ? pdf : null;
    }

    /// <summary>More revisions than Sigill ever appends to a document (50 signers, the seal, DSS and timestamps).</summary>
    private const int MaxAppendedRevisions = 64;

    /// <summary>
    /// Adds an audit event, the document's activity row and the webhook deliveries the event calls for to
    /// <paramref name="db"/>: all commit with the change, or none does.
    /// </summary>
    public static async Task RecordAsync(CellDbContext db, Cell cell, Document document, string action, AuditActor actor, DateTime now, CancellationToken ct,
        string? recipientId = null, IReadOnlyDictionary<string, string>? details = null)
    {
        var evt = await AuditRecorder.RecordAsync(db, cell, new AuditEventData(action, document.OrganizationId, actor, document.Id, details), now, ct);
        db.DocumentEvents.Add(new DocumentEventRow
        {
            Id = evt.Id,
            DocumentId = document.Id,
            OrganizationId = document.OrganizationId,
            Action = action,
            RecipientId = recipientId,
            OccurredAt = evt.OccurredAt,
        });
        await Webhooks.WebhookEvents.EnqueueAsync(db, cell, document, action, recipientId, evt.OccurredAt, ct);
        await DocumentNotices.EnqueueAsync(db, cell, document, action, recipientId, evt.OccurredAt, ct);
    }

    /// <summary>
    /// A download's file name after the document's title ("Service agreement - signed.pdf"): characters file systems
    /// refuse or that could mislead (controls, bidi overrides, path separators) go, at most 100 characters.
    /// ASP.NET writes it as an RFC 6266 <c>filename*</c> when it is not ASCII.
    /// </summary>
    public static string FileName(string title, string? suffix)
    {
        var clean = new string(Platform.Mail.MailText.Header(title).Where(c => !"\\/:*?\"<>|".Contains(c, StringComparison.Ordinal)).ToArray()).Trim(' ', '.');
        if (clean.Length > 100) clean = clean[..(char.IsHighSurrogate(clean[99]) ? 99 : 100)].TrimEnd(' ', '.');
        if (clean.Length == 0) clean = "document";
        return suffix is null ? $"{clean}.pdf" : $"{clean} - {suffix}.pdf";
    }

    public static bool TryMove(Document document, string to)
    {
        if (!DocumentStates.CanMove(document.Status, to))
        {
            return false;
        }
        document.Status = to;
        document.Revision++;
        return true;
    }

    /// <summary>A sent document past its expiry becomes expired (lazily, when next touched). Returns true when it changed.</summary>
    public static async Task<bool> ExpireIfDueAsync(CellDbContext db, Cell cell, Document document, DateTime now, CancellationToken ct)
    {
        if (document.Status != DocumentStates.Sent || document.ExpiresAt is not { } expires || expires > now)
        {
            return false;
        }
        TryMove(document, DocumentStates.Expired);
        await Payments.PaymentFlow.CancelAsync(db, document, ct);
        foreach (var r in await db.Recipients.Where(r => r.DocumentId == document.Id).ToListAsync(ct))
        {
            r.LinkHash = null;
        }
        await RecordAsync(db, cell, document, "document.expired", AuditActor.System, now, ct);
        await db.SaveChangesAsync(ct);
        return true;
    }

    public static byte[] HashLinkToken(string token) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));

    /// <summary>A new bearer link token <c>{prefix}_{region}_{52 base32 chars}</c>: 256 random bits; only its SHA-256 is stored.</summary>
    public static string NewLinkToken(string prefix, Cell cell) => $"{prefix}_{cell.Region}_{SigillId.Base32(RandomNumberGenerator.GetBytes(32))}";

    /// <summary>Parses a token of <see cref="NewLinkToken"/>'s shape with <paramref name="prefix"/> (signing links by default); the region only routes.</summary>
    public static bool TryParseLinkToken(string? token, out string region, string prefix = LinkPrefix)
    {
        region = "";
        if (token is null || token.Length > 80) return false;
        var parts = token.Split('_');
        if (parts.Length != 3 || parts[0] != prefix || !RegionName.IsWellFormed(parts[1]) || parts[2].Length != 52)
        {
            return false;
        }
        region = parts[1];
        return true;
    }

    /// <summary>
    /// Gives a link to every recipient whose turn it is and who has none yet: the lowest signing group with signers or
    /// approvers still to act, and the cc recipients placed up to that group (a cc placed after the last signer hears
    /// nothing until the completion e-mail). Returns the messages to send once the transaction has committed (a
    /// rolled-back change must send nothing).
    /// </summary>
    public static async Task<List<MailMessage>> IssueLinksAsync(CellDbContext db, Cell cell, Document document, List<Recipient> recipients, MailOptions mail, DateTime now, CancellationToken ct)
    {
        var waiting = recipients.Where(r => RecipientRoles.Acts(r.Role) && !RecipientStates.IsDone(r.Status)).ToList();
        if (waiting.Count == 0) return [];
        var group = waiting.Min(r => r.SigningOrder);
        var due = recipients.Where(r => r.Status == RecipientStates.Pending && (r.Role == RecipientRoles.Cc ? r.SigningOrder <= group : r.SigningOrder == group)).ToList();
        if (due.Count == 0) return [];
        var letter = await DocumentMail.LoadAsync(db, cell, document, mail, ct);
        var messages = new List<MailMessage>();
        foreach (var r in due)
        {
            r.Status = RecipientStates.Notified;
            r.NotifiedAt = now;
            messages.Add(await IssueLinkAsync(letter, r, reminder: false, ct));
        }
        return messages;
    }

    /// <summary>
    /// Gives <paramref name="r"/> a fresh link (any earlier link of theirs stops working: only hashes are
    /// stored, so a link can never be sent twice) and writes the e-mail that carries it.
    /// </summary>
    public static async Task<MailMessage> IssueLinkAsync(DocumentMail letter, Recipient r, bool reminder, CancellationToken ct)
    {
        var cell = letter.Cell;
        var token = NewLinkToken(LinkPrefix, cell);
        r.LinkHash = HashLinkToken(token);
        var (name, email) = await NameAndEmailAsync(cell, r, ct);
        return letter.Message(letter.Invitation(r, name, letter.Link($"/s/{token}"), reminder), name, email);
    }

    public static async Task<(string Name, string Email)> NameAndEmailAsync(Cell cell, Recipient r, CancellationToken ct) =>
        ((await cell.Keys.DecryptFieldAsync(r.OrganizationId, Recipient.NamePurpose, r.NameToken, r.Id, ct))!,
         (await cell.Keys.DecryptFieldAsync(r.OrganizationId, Recipient.EmailPurpose, r.EmailToken, r.Id, ct))!);

    /// <summary>
    /// Sends the messages of a change that has committed; one the mail server does not take waits in the mail queue
    /// (<see cref="MailQueue"/>) and is retried until it goes, so an SMTP outage delays mail but loses none.
    /// </summary>
    public static Task SendAllAsync(IMailer mailer, Cell cell, Document document, IEnumerable<MailMessage> messages, TimeProvider time, Microsoft.Extensions.Logging.ILogger logger) =>
        MailQueue.SendOrQueueAsync(mailer, cell, document.OrganizationId, messages, time, logger);
}

internal static partial class DocumentLog
{
    [Microsoft.Extensions.Logging.LoggerMessage(EventId = 9001, Level = Microsoft.Extensions.Logging.LogLevel.Error, Message = "Sending a message for document {DocumentId} failed ({Error}).")]
    public static partial void MailFailed(Microsoft.Extensions.Logging.ILogger logger, string documentId, string error);

    [Microsoft.Extensions.Logging.LoggerMessage(EventId = 9002, Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "Document {DocumentId} completed and sealed.")]
    public static partial void Completed(Microsoft.Extensions.Logging.ILogger logger, string documentId);
}

internal static class HttpContextExtensions
{
    public static string UserAgent(this HttpContext http) =>
        http.Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? (ua.Length > 512 ? ua[..512] : ua) : "unknown";
}
