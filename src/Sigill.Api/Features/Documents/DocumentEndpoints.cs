using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Http;
using Sigill.Pdf;
using Sigill.Api.Features.Templates;
using Sigill.Api.Features.Audit;

namespace Sigill.Api.Features.Documents;

/// <summary>The sender's side: create (upload or template), read, download, activity. Set-up and lifecycle are in <see cref="DocumentSetupEndpoints"/>.</summary>
public static class DocumentEndpoints
{
    /// <param name="Language">The language to make the document in (the template's body in it, when it has one); default: the organization's default language.</param>
    public sealed record FromTemplateRequest(string? TemplateId, string? Title, Dictionary<string, string>? Variables, PricingInput? Pricing, string? Language = null);

    public static RouteGroupBuilder MapDocuments(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/v1/documents").WithTags("Documents").RequireAuthorization(Policies.DocumentsRead);
        read.MapGet("/", List);
        read.MapGet("/{id}", Get);
        read.MapGet("/{id}/pdf", DownloadCurrent);
        read.MapGet("/{id}/sealed.pdf", DownloadSealed);
        read.MapGet("/{id}/activity", Activity);
        Signing.FieldAttachments.MapSender(read); // GET /{id}/attachments/{fieldId}

        var write = app.MapGroup("/api/v1/documents").WithTags("Documents").RequireAuthorization(Policies.DocumentsWrite);
        write.MapPost("/", Upload).WithMetadata(new UploadEndpointAttribute()); // body limit and form judged at the edge (Sigill.Http)
        write.MapPost("/from-template", FromTemplate).RequireAuthorization(Policies.TemplatesRead);
        write.MapDocumentSetup();
        app.MapDocumentDelivery();
        return write;
    }

    internal static async Task<Document?> FindAsync(CellDbContext db, Caller caller, string id, CancellationToken ct) =>
        await db.Documents.SingleOrDefaultAsync(d => d.Id == id && d.OrganizationId == caller.OrganizationId, ct);

    /// <summary>
    /// The newest 200 documents, or those in one <paramref name="status"/>, whose title contains <paramref name="q"/>
    /// (any case). Titles are encrypted, so the search runs over the decrypted titles here, never in the database.
    /// </summary>
    private static async Task<Results<Ok<DocumentSummary[]>, ProblemHttpResult>> List(string? status, string? q, Caller caller, CellDbContext db, CancellationToken ct)
    {
        if (status is not null && !DocumentStates.All.Contains(status))
        {
            return Problems.Validation($"status must be one of: {string.Join(", ", DocumentStates.All)}.");
        }
        if (q is { Length: > 200 }) return Problems.Validation("q is at most 200 characters.");
        var cell = caller.Cell;
        var query = db.Documents.AsNoTracking().Where(d => d.OrganizationId == caller.OrganizationId);
        if (status is not null) query = query.Where(d => d.Status == status);
        var docs = await query.OrderByDescending(d => d.CreatedAt).Take(q is null ? 200 : 5000).ToListAsync(ct);
        var result = new List<DocumentSummary>();
        foreach (var d in docs)
        {
            var title = (await cell.Keys.DecryptFieldAsync(d.OrganizationId, Document.TitlePurpose, d.TitleToken, d.Id, ct))!;
            if (q is not null && !title.Contains(q.Trim(), StringComparison.OrdinalIgnoreCase)) continue;
            result.Add(new DocumentSummary(d.Id, title, d.Status, d.CreatedAt));
            if (result.Count == 200) break;
        }
        return TypedResults.Ok(await WithWaitingOnAsync(cell, db, result, ct));
    }

    /// <summary>Who each sent document waits on: the signers and approvers not done yet at the lowest pending place in the order.</summary>
    private static async Task<DocumentSummary[]> WithWaitingOnAsync(Cell cell, CellDbContext db, List<DocumentSummary> documents, CancellationToken ct)
    {
        var sent = documents.Where(d => d.Status == DocumentStates.Sent).Select(d => d.Id).ToList();
        if (sent.Count == 0) return [.. documents];
        var recipients = (await db.Recipients.AsNoTracking().Where(r => sent.Contains(r.DocumentId)).ToListAsync(ct))
            .Where(r => RecipientRoles.Acts(r.Role) && !RecipientStates.IsDone(r.Status))
            .GroupBy(r => r.DocumentId)
            .ToDictionary(g => g.Key, g => g.Where(r => r.SigningOrder == g.Min(x => x.SigningOrder)).ToList(), StringComparer.Ordinal);
        var result = new DocumentSummary[documents.Count];
        for (var i = 0; i < documents.Count; i++)
        {
            var d = documents[i];
            if (!recipients.TryGetValue(d.Id, out var turn))
            {
                result[i] = d;
                continue;
            }
            var names = new List<string>();
            foreach (var r in turn.OrderBy(r => r.Id, StringComparer.Ordinal))
            {
                names.Add((await cell.Keys.DecryptFieldAsync(r.OrganizationId, Recipient.NamePurpose, r.NameToken, r.Id, ct))!);
            }
            result[i] = d with { WaitingOn = names };
        }
        return result;
    }

    private static async Task<Results<Ok<DocumentView>, NotFound>> Get(string id, Caller caller, CellDbContext db, TimeProvider time, CancellationToken ct)
    {
        var doc = await FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        var cell = caller.Cell;
        await DocumentWorkflow.ExpireIfDueAsync(db, cell, doc, time.GetUtcNow().UtcDateTime, ct);
        return TypedResults.Ok(await ViewAsync(db, cell, doc, ct));
    }

    internal static async Task<DocumentView> ViewAsync(CellDbContext db, Cell cell, Document doc, CancellationToken ct) =>
        await DocumentView.FromAsync(doc,
            await db.Recipients.AsNoTracking().Where(r => r.DocumentId == doc.Id).ToListAsync(ct),
            await db.DocumentFields.AsNoTracking().Where(f => f.DocumentId == doc.Id).ToListAsync(ct), cell, ct)
        with { Payment = await Payments.PaymentViews.ForDocumentAsync(db, cell, doc.Id, ct) };

    private static async Task<Results<FileContentHttpResult, NotFound>> DownloadCurrent(string id, Caller caller, CellDbContext db, CancellationToken ct)
    {
        var doc = await FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        return TypedResults.File(await DocumentWorkflow.ReadPdfAsync(caller.Cell, doc, ct), "application/pdf", DocumentWorkflow.FileName(await TitleAsync(caller, doc, ct), null));
    }

    private static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> DownloadSealed(string id, Caller caller, CellDbContext db, CancellationToken ct)
    {
        var doc = await FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        if (doc.Status != DocumentStates.Completed)
        {
            return Problems.Conflict(ErrorCodes.DocumentNotCompleted, $"The document is {doc.Status}; a sealed PDF exists once every signer has signed.");
        }
        return TypedResults.File(await DocumentWorkflow.ReadPdfAsync(caller.Cell, doc, ct), "application/pdf", DocumentWorkflow.FileName(await TitleAsync(caller, doc, ct), "signed"));
    }

    private static async Task<string> TitleAsync(Caller caller, Document doc, CancellationToken ct) =>
        (await caller.Cell.Keys.DecryptFieldAsync(doc.OrganizationId, Document.TitlePurpose, doc.TitleToken, doc.Id, ct))!;

    private static async Task<Results<Ok<ActivityEntry[]>, NotFound>> Activity(string id, Caller caller, CellDbContext db, CancellationToken ct)
    {
        var doc = await FindAsync(db, caller, id, ct);
        if (doc is null) return TypedResults.NotFound();
        var rows = await db.DocumentEvents.AsNoTracking().Where(e => e.DocumentId == doc.Id).OrderBy(e => e.OccurredAt).ToListAsync(ct);
        var recipients = await db.Recipients.AsNoTracking().Where(r => r.DocumentId == doc.Id).ToListAsync(ct);
        var names = await Signing.DocumentCompletion.NamesAsync(caller.Cell, db, doc, recipients, ct);
        return TypedResults.Ok(rows.Select(e => new ActivityEntry(e.Id, e.Action, e.RecipientId, e.OccurredAt,
            Signing.DocumentCompletion.Who(e.Action, e.RecipientId, names), DocumentActivity.Describe(e.Action))).ToArray());
    }

    /// <summary>
    /// <c>multipart/form-data</c> with <c>title</c> and <c>file</c> (the PDF). The file is inspected
    /// completely before anything is stored: a rejected upload leaves no row and no blob.
    /// </summary>
    private static async Task<Results<Created<DocumentView>, ProblemHttpResult>> Upload(HttpContext http, Caller caller, CellDbContext db,
        DocumentOptions options, TimeProvider time, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
        {
            return Problems.Validation("Send multipart/form-data with a 'title' and a 'file' (the PDF).");
        }
        // RequestLimitsMiddleware has read and judged the form already (size: pdf_too_large; structure: multipart_malformed).
        var form = await http.Request.ReadFormAsync(ct);
        var title = form["title"].ToString().Trim();
        if (title.Length is 0 or > 300) return Problems.Validation("title is required (at most 300 characters).");
        if (RequestText.Problem(title, TextKind.SingleLine) is { } refused) return Problems.Validation($"title: {refused}"); // JSON bodies are checked as they are read
        CardNumbers.Refuse("title", title); // 422 card_number_detected, as for JSON text
        if (form.Files["file"] is not { } file) return Problems.Validation("file is required: the PDF to sign.");
        if (file.Length > options.MaxPdfBytes) return TooLarge(options);
        byte[] bytes;
        await using (var stream = file.OpenReadStream())
        using (var buffer = new MemoryStream())
        {
            await stream.CopyToAsync(buffer, ct);
            bytes = buffer.ToArray();
        }
        PdfInspection inspection;
        try
        {
            inspection = PdfInspector.Inspect(bytes, options.PdfLimits);
            if (!inspection.HasSignatures) CardNumbers.RefuseInPdf(bytes, options.PdfLimits); // no card data in the PDF's text either
        }
        catch (PdfRejectedException e)
        {
            return e.Code == PdfErrorCodes.TooLarge
                ? Problems.Create(StatusCodes.Status413PayloadTooLarge, e.Code, "The PDF is too large.", e.Message)
                : Problems.Create(StatusCodes.Status400BadRequest, e.Code, "The PDF was rejected.", e.Message);
        }
        if (inspection.HasSignatures)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.PdfAlreadySigned, "The PDF was rejected.", "The PDF already carries signatures; upload the unsigned original.");
        }
        var cell = caller.Cell;
        var doc = await CreateAsync(new NewDocument(title, "upload", bytes, inspection.Pages), http, db, caller, time, ct);
        return TypedResults.Created($"/api/v1/documents/{doc.Id}", await ViewAsync(db, cell, doc, ct));
    }

    private static async Task<Results<Created<DocumentView>, NotFound, ProblemHttpResult>> FromTemplate(FromTemplateRequest request, HttpContext http, Caller caller,
        CellDbContext db, TemplateRenderer renderer, TimeProvider time, CancellationToken ct)
    {
        var cell = caller.Cell;
        if (string.IsNullOrWhiteSpace(request.TemplateId)) return Problems.Validation("templateId is required.");
        var title = request.Title?.Trim() ?? "";
        var variables = request.Variables ?? [];
        if (TemplateInputProblem(title, variables, request.Pricing) is { } inputProblem) return inputProblem;
        if (request.Language is not null && !Languages.IsSupported(request.Language)) return Problems.LanguageUnsupported("language");
        var template = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == request.TemplateId && t.OrganizationId == caller.OrganizationId, ct);
        if (template is null) return TypedResults.NotFound();
        NewDocument draft;
        try
        {
            draft = await RenderAsync(db, cell, template, title, variables, request.Pricing, renderer, ct, request.Language);
        }
        catch (TemplateException e)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, e.Code, "The template could not be rendered.", e.Message);
        }
        var doc = await CreateAsync(draft, http, db, caller, time, ct);
        return TypedResults.Created($"/api/v1/documents/{doc.Id}", await ViewAsync(db, cell, doc, ct));
    }

    /// <summary>What is wrong with a document's title, variables or pricing for a template (the same rules wherever a template makes a document), or null.</summary>
    internal static ProblemHttpResult? TemplateInputProblem(string title, Dictionary<string, string> variables, PricingInput? pricing)
    {
        if (title.Length is 0 or > 300) return Problems.Validation("title is required (at most 300 characters).");
        if (TemplateRenderer.ValidateVariables(variables) is { } variablesError) return Problems.Validation(variablesError);
        return pricing is not null && TemplateRenderer.Validate(pricing) is { } pricingError
            ? Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.PricingInvalid, "The pricing table is not valid.", pricingError)
            : null;
    }

    /// <summary>
    /// The organization's template rendered to a new document's PDF, from its body in <paramref name="language"/> (else
    /// the organization's default; the main body when it has none in that language; see <see cref="TemplateTranslations.Wanted"/>).
    /// Throws <see cref="TemplateException"/> for a template or input it cannot render.
    /// </summary>
    internal static async Task<NewDocument> RenderAsync(CellDbContext db, Cell cell, Template template, string title, Dictionary<string, string> variables,
        PricingInput? pricing, TemplateRenderer renderer, CancellationToken ct, string? language = null)
    {
        var chosen = await TemplateTranslations.ChooseAsync(db, cell, template, language, ct);
        var blocks = await TemplateEndpoints.LoadBlocksAsync(db, cell, template.OrganizationId, ct);
        return await RenderAsync(template.Id, chosen.Body, blocks, title, variables, pricing, renderer, ct) with { Language = chosen.Language };
    }

    /// <summary>A template's decrypted <paramref name="body"/> and its organization's <paramref name="blocks"/> rendered to a new document's PDF (for callers that render one template many times).</summary>
    internal static async Task<NewDocument> RenderAsync(string templateId, string body, IReadOnlyDictionary<string, string> blocks, string title, Dictionary<string, string> variables,
        PricingInput? pricing, TemplateRenderer renderer, CancellationToken ct)
    {
        var (model, totals) = await renderer.RenderAsync(title, body, blocks, variables, pricing, ct);
        var rendered = DocumentRenderer.Render(model);
        return new NewDocument(title, "template", rendered.Bytes, rendered.Pages, totals, templateId) { Fields = rendered.Fields };
    }

    /// <summary>A document about to be created: its title, where it came from (<c>upload</c> or <c>template</c>) and its PDF.</summary>
    internal sealed record NewDocument(string Title, string Source, byte[] Pdf, IReadOnlyList<PageSize> Pages, PricingTotals? Totals = null, string? TemplateId = null,
        string? Language = null)
    {
        /// <summary>The field lines a template drew, where a signer's fields go when nobody places fields (bulk send, direct links).</summary>
        public IReadOnlyList<FieldSpot> Fields { get; init; } = [];
    }

    private static Task<Document> CreateAsync(NewDocument draft, HttpContext http, CellDbContext db, Caller caller, TimeProvider time, CancellationToken ct) =>
        CreateAsync(draft, caller.Cell, caller.OrganizationId, AuditActor.From(http, caller.Actor), db, time.GetUtcNow().UtcDateTime, ct);

    /// <summary>Stores a new draft (its PDF encrypted, then its row and its <c>document.created</c> event in one commit; the PDF is deleted again when the commit fails).</summary>
    internal static async Task<Document> CreateAsync(NewDocument draft, Cell cell, string organizationId, AuditActor actor, CellDbContext db, DateTime now, CancellationToken ct)
    {
        var doc = await AddAsync(draft, cell, organizationId, actor, db, now, ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch
        {
            await DocumentWorkflow.DeletePdfAsync(cell, organizationId, doc.CurrentPdfObjectId); // nothing half-way
            throw;
        }
        return doc;
    }

    /// <summary>
    /// A new draft: its PDF stored, the document and its <c>document.created</c> event added to <paramref name="db"/> but not
    /// saved. The caller saves, and deletes the stored PDF (<see cref="Document.CurrentPdfObjectId"/>) if that fails.
    /// </summary>
    internal static async Task<Document> AddAsync(NewDocument draft, Cell cell, string organizationId, AuditActor actor, CellDbContext db, DateTime now, CancellationToken ct)
    {
        var (title, source, pdf, pages, totals, templateId, language) = draft;
        var id = SigillId.New("doc", cell.Region);
        var objectId = await DocumentWorkflow.WritePdfAsync(cell, organizationId, pdf, ct);
        var doc = new Document
        {
            Id = id,
            OrganizationId = organizationId,
            TitleToken = (await cell.Keys.EncryptFieldAsync(organizationId, Document.TitlePurpose, title, id, ct))!,
            Status = DocumentStates.Draft,
            Source = source,
            PricingToken = totals is null ? null : await cell.Keys.EncryptFieldAsync(organizationId, Document.PricingPurpose, JsonSerializer.Serialize(totals), id, ct),
            PagesJson = JsonSerializer.Serialize(pages.Select(p => new[] { Math.Round(p.Width, 3), Math.Round(p.Height, 3) })),
            OriginalSha256 = DocumentWorkflow.Sha256Hex(pdf),
            CurrentPdfObjectId = objectId,
            Language = language,
            CreatedAt = now,
        };
        db.Documents.Add(doc);
        var details = new Dictionary<string, string> { ["source"] = source, ["sha256"] = doc.OriginalSha256 };
        if (templateId is not null) details["template"] = templateId;
        if (language is not null) details["language"] = language; // a code: evidence stays language-neutral
        await DocumentWorkflow.RecordAsync(db, cell, doc, "document.created", actor, now, ct, details: details);
        return doc;
    }


    private static ProblemHttpResult TooLarge(DocumentOptions options) =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, PdfErrorCodes.TooLarge, "The PDF is too large.", $"At most {options.MaxPdfBytes} bytes are accepted.");
}
