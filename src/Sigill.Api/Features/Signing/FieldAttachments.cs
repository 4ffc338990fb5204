using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Documents;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Crypto;
using Sigill.Http;
using Sigill.Pdf;
using Sigill.Pdf.Images;

namespace Sigill.Api.Features.Signing;

/// <summary>
/// Signer attachments (ADR 0018, docs/fields.md "Attachments"): the file a signer uploads for an <c>attachment</c> field
/// before signing (<c>POST /api/v1/signing/{token}/fields/{fieldId}/attachment</c>), judged by its bytes (PDF, PNG or JPEG,
/// at most <see cref="Attachments.MaxBytes"/>, counted while the body streams in), through the same hostile-input rules as
/// an uploaded PDF or a drawn signature, and stored as an encrypted object of the cell beside the document's PDFs. A new
/// upload replaces the old one (whose object is deleted) until the signer signs. Delivered beside the sealed PDF, never
/// embedded in it; the certificate of completion lists each with its SHA-256.
/// </summary>
internal static class FieldAttachments
{
    /// <summary>Room for the multipart framing and the <c>values</c> part around the file.</summary>
    private const long FramingBytes = RequestLimits.UploadFramingBytes;

    private const int MaxValuesBytes = 32 * 1024;

    public const int MaxFileNameLength = 200;

    /// <summary>An image attachment: the drawn signature's decoder and pixel limits, with the attachment's file size.</summary>
    public static readonly PngLimits ImageLimits = PngLimits.Default with { MaxBytes = (int)Attachments.MaxBytes };

    public static ObjectContext Context(Cell cell, string organizationId, string objectId) =>
        new(cell.Region, organizationId, objectId, 1, DocumentField.AttachmentPurpose);

    public static void MapSigning(RouteGroupBuilder signing) =>
        signing.MapPost("/fields/{fieldId}/attachment", Upload).WithMetadata(new UploadEndpointAttribute
        {
            ReadsForm = false, // streamed here, so the 10 MiB cap holds while reading
            TooLargeCode = ErrorCodes.AttachmentTooLarge,
            TooLargeTitle = "The attachment is too large.",
        });

    public static void MapSender(RouteGroupBuilder read) => read.MapGet("/{id}/attachments/{fieldId}", Download);

    public static async Task<AttachmentView?> ViewAsync(Cell cell, DocumentField f, CancellationToken ct) =>
        f.AttachmentObjectId is null ? null : new AttachmentView(
            (await cell.Keys.DecryptFieldAsync(f.OrganizationId, DocumentField.AttachmentNamePurpose, f.AttachmentNameToken, f.Id, ct))!,
            f.AttachmentContentType!, f.AttachmentBytes ?? 0, f.AttachmentSha256!);

    private static async Task<Results<Ok<AttachmentView>, NotFound, ProblemHttpResult>> Upload(string fieldId, SigningLink link, HttpContext http,
        DocumentOptions options, TimeProvider time, CancellationToken ct)
    {
        var (cell, db, r, d) = (link.Cell, link.Db, link.Recipient, link.Document);
        var now = time.GetUtcNow().UtcDateTime;
        if (!StepUp.Passed(r, http, now)) return StepUp.Required(r);
        if (!RecipientRoles.Acts(r.Role)) return Problems.Conflict(ErrorCodes.RecipientCannotAct, "A cc recipient receives the document but fills in nothing.");
        if (!await SigningEndpoints.IsTurnAsync(link, ct))
        {
            return Problems.Conflict(ErrorCodes.SigningNotYourTurn, "Recipients earlier in the signing order have not finished yet; you will get an e-mail when it is your turn.");
        }
        if (r.ConsentedAt is null) return Problems.Conflict(ErrorCodes.SigningConsentRequired, "Consent to electronic records and signatures first (POST …/consent).");
        var mine = await db.DocumentFields.Where(f => f.DocumentId == d.Id && f.RecipientId == r.Id).ToListAsync(ct);
        if (mine.FirstOrDefault(f => f.Id == fieldId) is not { } field)
        {
            return DocumentFieldSettings.Problem(new(ErrorCodes.FieldNotYours, $"'{fieldId}' is not one of your fields."));
        }
        if (field.Kind != FieldKinds.Attachment)
        {
            return DocumentFieldSettings.Problem(new(ErrorCodes.FieldValueInvalid, $"Field {field.Id} is a {field.Kind} field; only an attachment field takes a file."));
        }
        if (http.Request.ContentLength > Attachments.MaxBytes + FramingBytes) return TooLarge();
        var (upload, problem) = await ReadAsync(http.Request, ct);
        if (problem is not null) return problem;
        var (bytes, fileName, values) = upload!.Value;

        // Shown given the values the signer has entered so far (FieldRules, as at signing): a hidden field takes no file.
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, value) in values)
        {
            if (!mine.Any(f => f.Id == id)) return DocumentFieldSettings.Problem(new(ErrorCodes.FieldNotYours, $"values: '{id}' is not one of your fields."));
            given[id] = value?.Trim() ?? "";
        }
        var definitions = new List<FieldRules.Definition>(mine.Count);
        foreach (var f in mine) definitions.Add(new FieldRules.Definition(f.Id, f.RecipientId, f.Kind, await DocumentFieldSettings.ReadAsync(cell, f, ct)));
        if (!FieldRules.Visibility(definitions, given)[field.Id])
        {
            return DocumentFieldSettings.Problem(new(ErrorCodes.FieldHidden, $"Field {field.Id} is hidden by its condition given your other values: it takes no file."));
        }

        var (contentType, refused) = Judge(bytes, options);
        if (refused is not null) return refused;
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var name = FileName(fileName, contentType!);
        var objectId = SigillId.New("att", cell.Region);
        using (var source = new MemoryStream(bytes, writable: false))
        {
            await cell.Objects.PutAsync(Context(cell, d.OrganizationId, objectId), source, ct);
        }
        var old = field.AttachmentObjectId;
        field.AttachmentObjectId = objectId;
        field.AttachmentSha256 = sha256;
        field.AttachmentContentType = contentType;
        field.AttachmentBytes = bytes.Length;
        field.AttachmentNameToken = await cell.Keys.EncryptFieldAsync(field.OrganizationId, DocumentField.AttachmentNamePurpose, name, field.Id, ct);
        d.Revision++; // a signature racing this upload starts again and sees the file that is kept
        await DocumentWorkflow.RecordAsync(db, cell, d, "document.attachment_uploaded", AuditActor.From(http, r.Id), now, ct, r.Id, new Dictionary<string, string>
        {
            ["field"] = field.Id,
            ["sha256"] = sha256,
            ["bytes"] = bytes.Length.ToString(CultureInfo.InvariantCulture),
            ["type"] = contentType!,
            ["replaced"] = old is null ? "false" : "true",
        });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            await DeleteAsync(cell, d.OrganizationId, objectId);
            return Problems.Conflict(ErrorCodes.DocumentStateConflict, "The document changed meanwhile; upload the file again.");
        }
        catch
        {
            await DeleteAsync(cell, d.OrganizationId, objectId); // nothing half-way
            throw;
        }
        if (old is not null) await DeleteAsync(cell, d.OrganizationId, old);
        return TypedResults.Ok(new AttachmentView(name, contentType!, bytes.Length, sha256));
    }

    /// <summary>
    /// The multipart body: a <c>file</c> part (read up to <see cref="Attachments.MaxBytes"/> and no further) and an optional
    /// <c>values</c> part (JSON object, field id → value: what the signer has entered so far, for conditions).
    /// </summary>
    private static async Task<((byte[] Bytes, string? FileName, Dictionary<string, string?> Values)?, ProblemHttpResult?)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        const string usage = "Send multipart/form-data with a 'file' part (PDF, PNG or JPEG) and optionally a 'values' part (a JSON object of your other fields' values).";
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.Validation(usage));
        }
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 70) return (null, Malformed("The multipart boundary is missing or longer than 70 characters."));
        var reader = new MultipartReader(boundary, request.Body) { HeadersCountLimit = 8, HeadersLengthLimit = 4096 };
        byte[]? bytes = null;
        string? fileName = null;
        Dictionary<string, string?> values = [];
        try
        {
            for (var parts = 0; await reader.ReadNextSectionAsync(ct) is { } section; parts++)
            {
                if (parts == 4) return (null, Malformed("The upload has more than the 'file' and 'values' parts."));
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    return (null, Malformed("A part has no form-data Content-Disposition."));
                }
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (name == "file" && bytes is null)
                {
                    using var buffer = new MemoryStream();
                    var chunk = new byte[81920];
                    for (int read; (read = await section.Body.ReadAsync(chunk, ct)) > 0;)
                    {
                        if (buffer.Length + read > Attachments.MaxBytes) return (null, TooLarge());
                        buffer.Write(chunk, 0, read);
                    }
                    bytes = buffer.ToArray();
                    fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                }
                else if (name == "values")
                {
                    using var buffer = new MemoryStream();
                    var chunk = new byte[4096];
                    for (int read; (read = await section.Body.ReadAsync(chunk, ct)) > 0;)
                    {
                        if (buffer.Length + read > MaxValuesBytes) return (null, Problems.Validation($"values is at most {MaxValuesBytes} bytes."));
                        buffer.Write(chunk, 0, read);
                    }
                    try
                    {
                        values = JsonSerializer.Deserialize<Dictionary<string, string?>>(buffer.ToArray()) ?? [];
                    }
                    catch (JsonException)
                    {
                        return (null, Problems.Validation("values must be a JSON object of field id to value (strings)."));
                    }
                }
                else
                {
                    return (null, Problems.Validation($"Unexpected part '{name}'. {usage}"));
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            return (null, Malformed("The body is not well-formed multipart/form-data (boundary, part headers, or truncated)."));
        }
        if (bytes is null) return (null, Problems.Validation($"file is required. {usage}"));
        if (bytes.Length == 0) return (null, Problems.Validation("file is empty."));
        return ((bytes, fileName, values), null);
    }

    /// <summary>
    /// The file's type by its first bytes, whatever it was declared as, then the check its type calls for: a PDF through
    /// the hostile-PDF policy (<see cref="PdfInspector"/>, docs/pdf-policy.md, and no card number in its text), a PNG through
    /// the drawn signature's strict decoder and pixel limits, a JPEG through <see cref="JpegCheck"/> with the same limits.
    /// </summary>
    internal static (string? ContentType, ProblemHttpResult? Problem) Judge(byte[] bytes, DocumentOptions options)
    {
        var span = bytes.AsSpan();
        if (span.StartsWith("%PDF-"u8))
        {
            try
            {
                PdfInspector.Inspect(bytes, options.PdfLimits);
                CardNumbers.RefuseInPdf(bytes, options.PdfLimits);
            }
            catch (PdfRejectedException e)
            {
                return (null, Problems.Create(StatusCodes.Status400BadRequest, e.Code, "The PDF attachment was rejected.", e.Message));
            }
            return (Attachments.Pdf, null);
        }
        try
        {
            if (span.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            {
                PngImage.Decode(span, ImageLimits);
                return (Attachments.Png, null);
            }
            if (span.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
            {
                JpegCheck.Check(span, ImageLimits);
                return (Attachments.Jpeg, null);
            }
        }
        catch (PngFormatException e)
        {
            return (null, Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.AttachmentInvalid, "The image attachment is not usable.", e.Message));
        }
        return (null, Problems.Create(StatusCodes.Status415UnsupportedMediaType, ErrorCodes.AttachmentTypeRefused, "This kind of file is not accepted.",
            "An attachment is a PDF, PNG or JPEG file, recognised by its content (not its name or declared type)."));
    }

    /// <summary>
    /// The file name kept and shown: the last path segment of what the browser sent, in normal form C, without controls,
    /// bidirectional overrides or characters file systems refuse, at most <see cref="MaxFileNameLength"/> characters, and
    /// ending in the extension of what the bytes are (an "id.exe" that is a PDF is kept as "id.exe.pdf").
    /// </summary>
    internal static string FileName(string? sent, string contentType)
    {
        var extension = contentType switch { Attachments.Pdf => ".pdf", Attachments.Png => ".png", _ => ".jpg" };
        var name = (sent ?? "").Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..].Normalize(NormalizationForm.FormC);
        var clean = new StringBuilder(name.Length);
        foreach (var rune in name.EnumerateRunes())
        {
            if (Rune.IsControl(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned || (rune.IsAscii && "/:*?\"<>|".Contains((char)rune.Value, StringComparison.Ordinal)))
            {
                continue;
            }
            clean.Append(rune.ToString());
        }
        var result = clean.ToString().Trim(' ', '.');
        var valid = contentType == Attachments.Jpeg ? new[] { ".jpg", ".jpeg" } : [extension];
        if (!valid.Any(e => result.EndsWith(e, StringComparison.OrdinalIgnoreCase))) result += extension;
        if (result.Length > MaxFileNameLength)
        {
            var cut = MaxFileNameLength - extension.Length;
            if (char.IsHighSurrogate(result[cut - 1])) cut--;
            result = result[..cut] + extension;
        }
        return result == extension ? "attachment" + extension : result;
    }

    private static ProblemHttpResult TooLarge() =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, ErrorCodes.AttachmentTooLarge, "The attachment is too large.",
            $"An attachment is at most {Attachments.MaxBytes} bytes (10 MiB).");

    private static ProblemHttpResult Malformed(string detail) =>
        Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.MultipartMalformed, "The upload could not be read.", detail);

    public static Task DeleteAsync(Cell cell, string organizationId, string objectId) =>
        cell.Objects.DeleteAsync(Context(cell, organizationId, objectId), CancellationToken.None);

    /// <summary>Deletes the attachment objects of <paramref name="documentIds"/> (document deletion, erasure); each delete is safe to repeat.</summary>
    public static async Task DeleteForDocumentsAsync(CellDbContext db, Cell cell, string organizationId, IReadOnlyCollection<string> documentIds, CancellationToken ct)
    {
        foreach (var chunk in documentIds.Chunk(500))
        {
            foreach (var objectId in await db.DocumentFields.AsNoTracking()
                .Where(f => f.OrganizationId == organizationId && chunk.Contains(f.DocumentId) && f.AttachmentObjectId != null)
                .Select(f => f.AttachmentObjectId!).ToListAsync(ct))
            {
                await cell.Objects.DeleteAsync(Context(cell, organizationId, objectId), ct);
            }
        }
    }

    /// <summary>
    /// The signers' files for the completion e-mails, beside the sealed PDF (ADR 0018: not embedded in it), with the
    /// recipient who uploaded each: all of them, or none when together they pass <paramref name="budget"/> bytes (what the
    /// e-mail may still carry after the PDF). The certificate lists them with their SHA-256 either way, and the sender
    /// downloads them through the API.
    /// </summary>
    public static async Task<IReadOnlyList<(string RecipientId, Platform.Mail.MailAttachment File)>> ForDeliveryAsync(CellDbContext db, Cell cell, Document document,
        long budget, CancellationToken ct)
    {
        var fields = await db.DocumentFields.AsNoTracking()
            .Where(f => f.DocumentId == document.Id && f.OrganizationId == document.OrganizationId && f.AttachmentObjectId != null)
            .OrderBy(f => f.Page).ThenBy(f => f.Id).ToListAsync(ct);
        if (fields.Count == 0 || fields.Sum(f => f.AttachmentBytes ?? 0) > budget) return [];
        var files = new List<(string, Platform.Mail.MailAttachment)>();
        foreach (var f in fields)
        {
            if (await ReadAsync(cell, f, ct) is not { } bytes || await ViewAsync(cell, f, ct) is not { } view) continue;
            files.Add((f.RecipientId, new Platform.Mail.MailAttachment(view.FileName, view.ContentType, bytes)));
        }
        return files;
    }

    public static async Task<byte[]?> ReadAsync(Cell cell, DocumentField f, CancellationToken ct)
    {
        if (f.AttachmentObjectId is null) return null;
        using var buffer = new MemoryStream();
        return await cell.Objects.CopyToAsync(Context(cell, f.OrganizationId, f.AttachmentObjectId), buffer, ct) ? buffer.ToArray() : null;
    }

    /// <summary>
    /// <c>GET /api/v1/documents/{id}/attachments/{fieldId}</c>: the sender's copy of an attachment, beside the sealed PDF,
    /// once the document is completed; the bytes the certificate's SHA-256 names, as a download.
    /// </summary>
    private static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> Download(string id, string fieldId, Caller caller, CellDbContext db,
        HttpContext http, CancellationToken ct)
    {
        var doc = await DocumentEndpoints.FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        var field = await db.DocumentFields.AsNoTracking().SingleOrDefaultAsync(f => f.Id == fieldId && f.DocumentId == doc.Id, ct);
        if (field is null) return TypedResults.NotFound();
        if (doc.Status != DocumentStates.Completed)
        {
            return Problems.Conflict(ErrorCodes.DocumentNotCompleted, $"The document is {doc.Status}; attachments are delivered beside the sealed PDF once every signer has signed.");
        }
        if (field.AttachmentObjectId is null || await ReadAsync(caller.Cell, field, ct) is not { } bytes) return TypedResults.NotFound();
        var view = (await ViewAsync(caller.Cell, field, ct))!;
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(bytes, view.ContentType, view.FileName);
    }
}
