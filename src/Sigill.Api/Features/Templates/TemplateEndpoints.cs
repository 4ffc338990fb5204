using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;

namespace Sigill.Api.Features.Templates;

/// <summary>Templates and reusable content blocks. Bodies are checked when saved: syntax, declared variables, known blocks.</summary>
public static partial class TemplateEndpoints
{
    /// <param name="Language">The language of <paramref name="Body"/> (default: the organization's default language on create, unchanged on update).</param>
    public sealed record CreateTemplateRequest(string? Name, string? Body, IReadOnlyList<string>? Variables, string? Language = null);



    /// <param name="Variables">Values for the preview; a declared variable without one shows as <c>[name]</c>.</param>
    /// <param name="Pricing">The preview's pricing table; a one-line sample when absent.</param>
    /// <param name="Language">Preview the body in this language (the main body when the template has no translation in it).</param>
    public sealed record PreviewRequest(Dictionary<string, string>? Variables, PricingInput? Pricing, string? Language = null);

    public sealed record CreateBlockRequest(string? Name, string? Body);


    public const int MaxBodyLength = 200_000;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    private static partial Regex VariableName();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex BlockName();

    public static RouteGroupBuilder MapTemplates(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/v1/templates").WithTags("Templates").RequireAuthorization(Policies.TemplatesRead);
        read.MapGet("/", List);
        read.MapGet("/{id}", Get);
        read.MapPost("/{id}/preview", Preview);
        read.MapGet("/blocks", ListBlocks);
        var write = app.MapGroup("/api/v1/templates").WithTags("Templates").RequireAuthorization(Policies.TemplatesWrite);
        write.MapPost("/", Create);
        write.MapPut("/{id}", Update);
        write.MapPost("/blocks", CreateBlock);
        write.MapPut("/{id}/translations/{language}", TemplateTranslations.Put);
        write.MapDelete("/{id}/translations/{language}", TemplateTranslations.Delete);
        return write;
    }

    internal static async Task<Dictionary<string, string>> LoadBlocksAsync(CellDbContext db, Cell cell, string organizationId, CancellationToken ct)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var b in await db.ContentBlocks.AsNoTracking().Where(b => b.OrganizationId == organizationId).ToListAsync(ct))
        {
            result[(await cell.Keys.DecryptFieldAsync(organizationId, ContentBlock.NamePurpose, b.NameToken, b.Id, ct))!] =
                (await cell.Keys.DecryptFieldAsync(organizationId, ContentBlock.BodyPurpose, b.BodyToken, b.Id, ct))!;
        }
        return result;
    }

    /// <summary>
    /// Checks a template as the sender wrote it: name, body, declared variables, and a dry run with every declared
    /// variable set, which catches syntax errors, undeclared variables and unknown blocks now, not when a document is due.
    /// </summary>
    private static async Task<(string Name, string Body, IReadOnlyList<string> Variables, ProblemHttpResult? Problem)> CheckAsync(
        CreateTemplateRequest request, TemplateRenderer renderer, CellDbContext db, Cell cell, string organizationId, CancellationToken ct)
    {
        var name = request.Name?.Trim() ?? "";
        if (name.Length is 0 or > 200) return ("", "", [], Problems.Validation("name is required (at most 200 characters)."));
        if (request.Body is not { Length: > 0 and <= MaxBodyLength } body) return ("", "", [], Problems.Validation($"body is required (at most {MaxBodyLength} characters of Liquid)."));
        var variables = request.Variables ?? [];
        if (variables.Count > 200 || variables.Any(v => v is null || !VariableName().IsMatch(v)) || variables.Distinct(StringComparer.Ordinal).Count() != variables.Count)
        {
            return ("", "", [], Problems.Validation("variables: at most 200 distinct names of letters, digits and '_' (not starting with a digit)."));
        }
        if (variables.FirstOrDefault(TemplateRenderer.IsReserved) is { } reserved)
        {
            return ("", "", [], Problems.Validation($"variables: '{reserved}' is a name Sigill fills in itself (a signature block line, page_break, pricing, pricing_table or blocks); choose another name."));
        }
        if (await DryRunAsync(name, body, variables, await LoadBlocksAsync(db, cell, organizationId, ct), renderer, ct) is { } invalid) return ("", "", [], invalid);
        return (name, body, variables, null);
    }

    /// <summary>
    /// A body (the main one or a translation) rendered once with every declared variable set and a sample pricing table,
    /// within the sandbox's limits: a syntax error, an undeclared variable, an unknown block or a limit answers its problem.
    /// </summary>
    internal static async Task<ProblemHttpResult?> DryRunAsync(string name, string body, IReadOnlyList<string> variables, IReadOnlyDictionary<string, string> blocks,
        TemplateRenderer renderer, CancellationToken ct)
    {
        try
        {
            await renderer.RenderAsync(name, body, blocks, variables.ToDictionary(v => v, v => "x", StringComparer.Ordinal), SamplePricing, ct);
            return null;
        }
        catch (TemplateException e)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, e.Code, "The template is not valid.", e.Message);
        }
    }

    private static readonly PricingInput SamplePricing = new("EUR", [new PricingItem("Sample line", 1, 100)]);

    private static async Task<Results<Created<TemplateView>, ProblemHttpResult>> Create(CreateTemplateRequest request, Caller caller, CellDbContext db,
        TemplateRenderer renderer, TimeProvider time, CancellationToken ct)
    {
        var cell = caller.Cell;
        if (request.Language is not null && !Languages.IsSupported(request.Language)) return Problems.LanguageUnsupported("language");
        var (name, body, variables, problem) = await CheckAsync(request, renderer, db, cell, caller.OrganizationId, ct);
        if (problem is not null) return problem;
        var language = request.Language ?? await TemplateTranslations.OrganizationLanguageAsync(db, caller.OrganizationId, ct);
        var id = SigillId.New("tpl", cell.Region);
        var template = new Template
        {
            Id = id,
            OrganizationId = caller.OrganizationId,
            NameToken = "",
            BodyToken = "",
            VariablesToken = "",
            Language = language,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        await SealAsync(template, cell, name, body, variables, ct);
        db.Templates.Add(template);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/templates/{id}", new TemplateView(id, name, body, variables, template.CreatedAt, null, language, EmptyTranslations));
    }

    private static readonly IReadOnlyDictionary<string, TemplateTranslation> EmptyTranslations = new Dictionary<string, TemplateTranslation>();

    /// <summary>
    /// Replaces a template's name, body, variables and (when given) the main body's language. Its translations stay, and
    /// must still render with the new variables: one that no longer does is named in the refusal, and nothing is stored.
    /// Documents made from it earlier keep the PDF they were rendered to.
    /// </summary>
    private static async Task<Results<Ok<TemplateView>, NotFound, ProblemHttpResult>> Update(string id, CreateTemplateRequest request, Caller caller,
        CellDbContext db, TemplateRenderer renderer, TimeProvider time, CancellationToken ct)
    {
        var template = await db.Templates.SingleOrDefaultAsync(t => t.Id == id && t.OrganizationId == caller.OrganizationId, ct);
        if (template is null) return TypedResults.NotFound();
        var cell = caller.Cell;
        if (request.Language is not null && !Languages.IsSupported(request.Language)) return Problems.LanguageUnsupported("language");
        var (name, body, variables, problem) = await CheckAsync(request, renderer, db, cell, caller.OrganizationId, ct);
        if (problem is not null) return problem;
        var language = request.Language ?? TemplateTranslations.MainLanguage(template, await TemplateTranslations.OrganizationLanguageAsync(db, caller.OrganizationId, ct));
        var translations = await TemplateTranslations.ReadAsync(cell, template, ct);
        if (translations.ContainsKey(language)) return TemplateTranslations.IsMainLanguage(language);
        var blocks = translations.Count == 0 ? null : await LoadBlocksAsync(db, cell, caller.OrganizationId, ct);
        foreach (var (lang, translation) in translations)
        {
            if (await DryRunAsync(translation.Title ?? name, translation.Body, variables, blocks!, renderer, ct) is { } invalid)
            {
                return TemplateTranslations.InTranslation(invalid, lang);
            }
        }
        await SealAsync(template, cell, name, body, variables, ct);
        template.Language = language;
        template.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new TemplateView(id, name, body, variables, template.CreatedAt, template.UpdatedAt, language, translations));
    }

    private static async Task SealAsync(Template template, Cell cell, string name, string body, IReadOnlyList<string> variables, CancellationToken ct)
    {
        template.NameToken = (await cell.Keys.EncryptFieldAsync(template.OrganizationId, Template.NamePurpose, name, template.Id, ct))!;
        template.BodyToken = (await cell.Keys.EncryptFieldAsync(template.OrganizationId, Template.BodyPurpose, body, template.Id, ct))!;
        template.VariablesToken = (await cell.Keys.EncryptFieldAsync(template.OrganizationId, Template.VariablesPurpose, JsonSerializer.Serialize(variables), template.Id, ct))!;
    }

    internal static async Task<TemplateView> ViewAsync(Template t, Cell cell, string organizationLanguage, CancellationToken ct) => new(t.Id,
        (await cell.Keys.DecryptFieldAsync(t.OrganizationId, Template.NamePurpose, t.NameToken, t.Id, ct))!,
        (await cell.Keys.DecryptFieldAsync(t.OrganizationId, Template.BodyPurpose, t.BodyToken, t.Id, ct))!,
        JsonSerializer.Deserialize<string[]>((await cell.Keys.DecryptFieldAsync(t.OrganizationId, Template.VariablesPurpose, t.VariablesToken, t.Id, ct))!)!,
        t.CreatedAt, t.UpdatedAt, TemplateTranslations.MainLanguage(t, organizationLanguage), await TemplateTranslations.ReadAsync(cell, t, ct));

    private static async Task<Ok<TemplateSummary[]>> List(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var cell = caller.Cell;
        var result = new List<TemplateSummary>();
        var organizationLanguage = await TemplateTranslations.OrganizationLanguageAsync(db, caller.OrganizationId, ct);
        foreach (var t in await db.Templates.AsNoTracking().Where(t => t.OrganizationId == caller.OrganizationId).OrderByDescending(t => t.CreatedAt).Take(500).ToListAsync(ct))
        {
            result.Add(new TemplateSummary(t.Id,
                (await cell.Keys.DecryptFieldAsync(t.OrganizationId, Template.NamePurpose, t.NameToken, t.Id, ct))!,
                JsonSerializer.Deserialize<string[]>((await cell.Keys.DecryptFieldAsync(t.OrganizationId, Template.VariablesPurpose, t.VariablesToken, t.Id, ct))!)!,
                t.CreatedAt, t.UpdatedAt, TemplateTranslations.MainLanguage(t, organizationLanguage), [.. (await TemplateTranslations.ReadAsync(cell, t, ct)).Keys]));
        }
        return TypedResults.Ok(result.ToArray());
    }

    /// <summary>Renders the template to the PDF a document would get, without storing anything.</summary>
    private static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> Preview(string id, PreviewRequest? request, Caller caller,
        CellDbContext db, TemplateRenderer renderer, CancellationToken ct)
    {
        var t = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id && t.OrganizationId == caller.OrganizationId, ct);
        if (t is null) return TypedResults.NotFound();
        var cell = caller.Cell;
        if (request?.Language is { } wanted && !Languages.IsSupported(wanted)) return Problems.LanguageUnsupported("language");
        var view = await ViewAsync(t, cell, await TemplateTranslations.OrganizationLanguageAsync(db, caller.OrganizationId, ct), ct);
        var chosen = TemplateTranslations.Choose(view.Language, view.Name, view.Body, view.Translations!, request?.Language ?? view.Language);
        if (TemplateRenderer.ValidateVariables(request?.Variables) is { } variablesError) return Problems.Validation(variablesError);
        var values = view.Variables.ToDictionary(v => v, v => $"[{v}]", StringComparer.Ordinal);
        foreach (var (k, v) in request?.Variables ?? []) values[k] = v;
        var pricing = request?.Pricing ?? SamplePricing;
        if (TemplateRenderer.Validate(pricing) is { } pricingError)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.PricingInvalid, "The pricing table is not valid.", pricingError);
        }
        try
        {
            var (model, _) = await renderer.RenderAsync(chosen.Title, chosen.Body, await LoadBlocksAsync(db, cell, caller.OrganizationId, ct), values, pricing, ct);
            return TypedResults.File(Pdf.DocumentRenderer.Render(model).Bytes, "application/pdf", $"{t.Id}-preview.pdf");
        }
        catch (TemplateException e)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, e.Code, "The template could not be rendered.", e.Message);
        }
    }

    private static async Task<Results<Ok<TemplateView>, NotFound>> Get(string id, Caller caller, CellDbContext db, CancellationToken ct)
    {
        var t = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id && t.OrganizationId == caller.OrganizationId, ct);
        if (t is null) return TypedResults.NotFound();
        return TypedResults.Ok(await ViewAsync(t, caller.Cell, await TemplateTranslations.OrganizationLanguageAsync(db, caller.OrganizationId, ct), ct));
    }

    private static async Task<Results<Created<BlockView>, ProblemHttpResult>> CreateBlock(CreateBlockRequest request, Caller caller, CellDbContext db,
        TemplateRenderer renderer, TimeProvider time, CancellationToken ct)
    {
        var cell = caller.Cell;
        if (request.Name is not { } name || !BlockName().IsMatch(name)) return Problems.Validation("name is 1-64 letters, digits, '_' or '-'.");
        if (request.Body is not { Length: > 0 and <= MaxBodyLength } body) return Problems.Validation($"body is required (at most {MaxBodyLength} characters of Liquid).");
        try
        {
            renderer.Check(body, $"content block '{name}'");
        }
        catch (TemplateException e)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, e.Code, "The content block is not valid.", e.Message);
        }
        var index = await cell.Keys.BlindIndexAsync(caller.OrganizationId, ContentBlock.NamePurpose, name, ct);
        if (await db.ContentBlocks.AnyAsync(b => b.OrganizationId == caller.OrganizationId && b.NameIndex == index, ct))
        {
            return Problems.Conflict(ErrorCodes.ContentBlockExists, $"A content block named '{name}' exists already.");
        }
        var id = SigillId.New("blk", cell.Region);
        var block = new ContentBlock
        {
            Id = id,
            OrganizationId = caller.OrganizationId,
            NameIndex = index,
            NameToken = (await cell.Keys.EncryptFieldAsync(caller.OrganizationId, ContentBlock.NamePurpose, name, id, ct))!,
            BodyToken = (await cell.Keys.EncryptFieldAsync(caller.OrganizationId, ContentBlock.BodyPurpose, body, id, ct))!,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.ContentBlocks.Add(block);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (UniqueKey.IsViolation(e))
        {
            // Another request saved a block of this name a moment ago (the name index is unique per organization).
            return Problems.Conflict(ErrorCodes.ContentBlockExists, $"A content block named '{name}' exists already.");
        }
        return TypedResults.Created($"/api/v1/templates/blocks/{id}", new BlockView(id, name, body, block.CreatedAt));
    }

    private static async Task<Ok<BlockView[]>> ListBlocks(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var cell = caller.Cell;
        var result = new List<BlockView>();
        foreach (var b in await db.ContentBlocks.AsNoTracking().Where(b => b.OrganizationId == caller.OrganizationId).ToListAsync(ct))
        {
            result.Add(new BlockView(b.Id,
                (await cell.Keys.DecryptFieldAsync(b.OrganizationId, ContentBlock.NamePurpose, b.NameToken, b.Id, ct))!,
                (await cell.Keys.DecryptFieldAsync(b.OrganizationId, ContentBlock.BodyPurpose, b.BodyToken, b.Id, ct))!, b.CreatedAt));
        }
        return TypedResults.Ok(result.ToArray());
    }
}
