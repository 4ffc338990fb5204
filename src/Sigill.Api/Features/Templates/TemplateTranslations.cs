using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;

namespace Sigill.Api.Features.Templates;

/// <summary>
/// Templates in several languages (docs/translations.md, "Templates in several languages"): a template has a main body
/// in its <see cref="Template.Language"/> and at most one translated body per other language Sigill speaks. The
/// translations are one field token (<see cref="Template.TranslationsToken"/>, JSON by language code) under the
/// organization's key, like the main body. A translation is judged exactly as the main body is when saved: the same
/// length, the same sandbox and limits, and only the template's declared variables.
/// </summary>
public static class TemplateTranslations
{
    /// <param name="Title">The template's name in this language (the default title of documents made in it); optional.</param>
    public sealed record TranslationRequest(string? Title, string? Body);

    public const int MaxTitleLength = 200;

    /// <summary>The organization's default language, <c>en</c> when it has none.</summary>
    internal static async Task<string> OrganizationLanguageAsync(CellDbContext db, string organizationId, CancellationToken ct) =>
        await db.Organizations.AsNoTracking().Where(o => o.Id == organizationId).Select(o => o.DefaultLanguage).SingleOrDefaultAsync(ct) is { } language
        && Languages.IsSupported(language) ? language : Languages.English;

    /// <summary>The main body's language; a template made before languages reads as its organization's default.</summary>
    internal static string MainLanguage(Template template, string organizationLanguage) =>
        Languages.IsSupported(template.Language) ? template.Language! : organizationLanguage;

    /// <summary>The translated bodies by language (ordinal order), empty when there are none.</summary>
    internal static async Task<SortedDictionary<string, TemplateTranslation>> ReadAsync(Cell cell, Template template, CancellationToken ct)
    {
        var json = await cell.Keys.DecryptFieldAsync(template.OrganizationId, Template.TranslationsPurpose, template.TranslationsToken, template.Id, ct);
        var map = json is null ? null : JsonSerializer.Deserialize<Dictionary<string, TemplateTranslation>>(json);
        return new SortedDictionary<string, TemplateTranslation>(map ?? [], StringComparer.Ordinal);
    }

    private static async Task SealAsync(Cell cell, Template template, IReadOnlyDictionary<string, TemplateTranslation> translations, CancellationToken ct) =>
        template.TranslationsToken = translations.Count == 0
            ? null
            : await cell.Keys.EncryptFieldAsync(template.OrganizationId, Template.TranslationsPurpose, JsonSerializer.Serialize(translations), template.Id, ct);

    /// <summary>The body a document is made from, its name (the default title) and the language it is in.</summary>
    internal sealed record Chosen(string Language, string Title, string Body);

    /// <summary>
    /// The body in <paramref name="wanted"/> when the template has one in it, else the main body in its own language:
    /// a document records the language it was actually made in.
    /// </summary>
    internal static Chosen Choose(string mainLanguage, string name, string body, IReadOnlyDictionary<string, TemplateTranslation> translations, string wanted) =>
        wanted != mainLanguage && translations.TryGetValue(wanted, out var t) ? new(wanted, t.Title ?? name, t.Body) : new(mainLanguage, name, body);

    /// <summary>
    /// The language a document from a template is made in: the one asked for, else the organization's default. The one
    /// asked for is the first signer's where a signer is known when the document is made: a bulk-send row's language is
    /// its recipients' language, a direct-link visitor's is their own; a document from the API has no recipients yet.
    /// </summary>
    internal static string Wanted(string? requested, string organizationLanguage) =>
        Languages.IsSupported(requested) ? requested! : organizationLanguage;

    /// <summary>The template decrypted and its body chosen for <paramref name="requested"/> (see <see cref="Wanted"/>).</summary>
    internal static async Task<Chosen> ChooseAsync(CellDbContext db, Cell cell, Template template, string? requested, CancellationToken ct)
    {
        var organizationLanguage = await OrganizationLanguageAsync(db, template.OrganizationId, ct);
        var name = (await cell.Keys.DecryptFieldAsync(template.OrganizationId, Template.NamePurpose, template.NameToken, template.Id, ct))!;
        var body = (await cell.Keys.DecryptFieldAsync(template.OrganizationId, Template.BodyPurpose, template.BodyToken, template.Id, ct))!;
        return Choose(MainLanguage(template, organizationLanguage), name, body, await ReadAsync(cell, template, ct),
            Wanted(requested, organizationLanguage));
    }

    internal static ProblemHttpResult IsMainLanguage(string language) =>
        Problems.Conflict(ErrorCodes.TranslationIsMainLanguage,
            $"'{language}' is the language of the template's main body: edit the main body, or give the template another main language first.");

    /// <summary>A translation's refusal, naming its language (<c>language</c> in the problem).</summary>
    internal static ProblemHttpResult InTranslation(ProblemHttpResult problem, string language)
    {
        problem.ProblemDetails.Detail = $"The '{language}' translation: {problem.ProblemDetails.Detail}";
        problem.ProblemDetails.Extensions["language"] = language;
        return problem;
    }

    /// <summary>
    /// PUT /api/v1/templates/{id}/translations/{language}: adds or replaces the body in one language. Checked like the
    /// main body (length, sandbox, limits, declared variables, known blocks) before anything is stored.
    /// </summary>
    internal static async Task<Results<Ok<TemplateView>, NotFound, ProblemHttpResult>> Put(string id, string language, TranslationRequest request, Caller caller,
        CellDbContext db, TemplateRenderer renderer, TimeProvider time, CancellationToken ct)
    {
        if (!Languages.IsSupported(language)) return Problems.LanguageUnsupported("language");
        var template = await db.Templates.SingleOrDefaultAsync(t => t.Id == id && t.OrganizationId == caller.OrganizationId, ct);
        if (template is null) return TypedResults.NotFound();
        var cell = caller.Cell;
        var organizationLanguage = await OrganizationLanguageAsync(db, caller.OrganizationId, ct);
        var mainLanguage = MainLanguage(template, organizationLanguage);
        if (language == mainLanguage) return IsMainLanguage(language);
        var title = string.IsNullOrWhiteSpace(request.Title) ? null : request.Title.Trim();
        if (title is { Length: > MaxTitleLength }) return Problems.Validation($"title is at most {MaxTitleLength} characters.");
        if (string.IsNullOrEmpty(request.Body)) return Problems.Validation("body is required (the template's Liquid in this language).");
        if (request.Body.Length > TemplateEndpoints.MaxBodyLength)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.TranslationTooLarge, "The translation is too large.",
                $"A translated body is at most {TemplateEndpoints.MaxBodyLength} characters of Liquid, as the main body is.");
        }
        var name = (await cell.Keys.DecryptFieldAsync(template.OrganizationId, Template.NamePurpose, template.NameToken, template.Id, ct))!;
        var variables = JsonSerializer.Deserialize<string[]>((await cell.Keys.DecryptFieldAsync(template.OrganizationId, Template.VariablesPurpose, template.VariablesToken, template.Id, ct))!)!;
        var blocks = await TemplateEndpoints.LoadBlocksAsync(db, cell, caller.OrganizationId, ct);
        if (await TemplateEndpoints.DryRunAsync(title ?? name, request.Body, variables, blocks, renderer, ct) is { } invalid) return InTranslation(invalid, language);

        var translations = await ReadAsync(cell, template, ct);
        translations[language] = new TemplateTranslation(title, request.Body);
        await SealAsync(cell, template, translations, ct);
        template.Language ??= mainLanguage; // a template from before languages: its main language stays put when the organization's default changes
        template.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await TemplateEndpoints.ViewAsync(template, cell, organizationLanguage, ct));
    }

    /// <summary>DELETE /api/v1/templates/{id}/translations/{language}: removes the body in one language (404 when there is none).</summary>
    internal static async Task<Results<NoContent, NotFound, ProblemHttpResult>> Delete(string id, string language, Caller caller, CellDbContext db,
        TimeProvider time, CancellationToken ct)
    {
        if (!Languages.IsSupported(language)) return Problems.LanguageUnsupported("language");
        var template = await db.Templates.SingleOrDefaultAsync(t => t.Id == id && t.OrganizationId == caller.OrganizationId, ct);
        if (template is null) return TypedResults.NotFound();
        var translations = await ReadAsync(caller.Cell, template, ct);
        if (!translations.Remove(language)) return TypedResults.NotFound();
        await SealAsync(caller.Cell, template, translations, ct);
        template.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
