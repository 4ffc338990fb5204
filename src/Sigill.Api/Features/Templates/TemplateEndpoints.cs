using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Cells;
using Sigill.Api.Errors;
using Sigill.Api.Persistence;
using Sigill.Api.Security;

namespace Sigill.Api.Features.Templates;

/// <summary>Templates and reusable content blocks. Bodies are checked when saved: syntax, declared variables, known blocks.</summary>
public static partial class TemplateEndpoints
{
    public sealed record CreateTemplateRequest(string? Name, string? Body, IReadOnlyList<string>? Variables);

    public sealed record TemplateView(string Id, string Name, string Body, IReadOnlyList<string> Variables, DateTime CreatedAt);

    public sealed record CreateBlockRequest(string? Name, string? Body);

    public sealed record BlockView(string Id, string Name, string Body, DateTime CreatedAt);

    public const int MaxBodyLength = 200_000;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    private static partial Regex VariableName();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex BlockName();

    public static RouteGroupBuilder MapTemplates(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/v1/templates").WithTags("Templates").RequireAuthorization(Policies.TemplatesRead);
        read.MapGet("/{id}", Get);
        read.MapGet("/blocks", ListBlocks);
        var write = app.MapGroup("/api/v1/templates").WithTags("Templates").RequireAuthorization(Policies.TemplatesWrite);
        write.MapPost("/", Create);
        write.MapPost("/blocks", CreateBlock);
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

    private static async Task<Results<Created<TemplateView>, ProblemHttpResult>> Create(CreateTemplateRequest request, ClaimsPrincipal user, CellDbContext db, CellRegistry cells, TimeProvider time, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var cell = cells.Get(caller.Region);
        var name = request.Name?.Trim() ?? "";
        if (name.Length is 0 or > 200) return Problems.Validation("name is required (at most 200 characters).");
        if (request.Body is not { Length: > 0 and <= MaxBodyLength } body) return Problems.Validation($"body is required (at most {MaxBodyLength} characters of Liquid).");
        var variables = request.Variables ?? [];
        if (variables.Count > 200 || variables.Any(v => v is null || !VariableName().IsMatch(v)) || variables.Distinct(StringComparer.Ordinal).Count() != variables.Count)
        {
            return Problems.Validation("variables: at most 200 distinct names of letters, digits and '_' (not starting with a digit).");
        }
        try
        {
            // A dry run with every declared variable set: catches syntax errors, undeclared variables and unknown blocks now, not when a document is due.
            var blocks = await LoadBlocksAsync(db, cell, caller.OrganizationId, ct);
            await TemplateRenderer.RenderAsync(name, body, blocks, variables.ToDictionary(v => v, v => "x", StringComparer.Ordinal),
                new PricingInput("EUR", [new PricingItem("x", 1, 1)]));
        }
        catch (TemplateException e)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, e.Code, "The template is not valid.", e.Message);
        }
        var id = SigillId.New("tpl", cell.Region);
        var template = new Template
        {
            Id = id,
            OrganizationId = caller.OrganizationId,
            NameToken = (await cell.Keys.EncryptFieldAsync(caller.OrganizationId, Template.NamePurpose, name, id, ct))!,
            BodyToken = (await cell.Keys.EncryptFieldAsync(caller.OrganizationId, Template.BodyPurpose, body, id, ct))!,
            VariablesToken = (await cell.Keys.EncryptFieldAsync(caller.OrganizationId, Template.VariablesPurpose, JsonSerializer.Serialize(variables), id, ct))!,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Templates.Add(template);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/templates/{id}", new TemplateView(id, name, body, variables, template.CreatedAt));
    }

    private static async Task<Results<Ok<TemplateView>, NotFound>> Get(string id, ClaimsPrincipal user, CellDbContext db, CellRegistry cells, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var t = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id && t.OrganizationId == caller.OrganizationId, ct);
        if (t is null) return TypedResults.NotFound();
        var cell = cells.Get(caller.Region);
        return TypedResults.Ok(new TemplateView(t.Id,
            (await cell.Keys.DecryptFieldAsync(t.OrganizationId, Template.NamePurpose, t.NameToken, t.Id, ct))!,
            (await cell.Keys.DecryptFieldAsync(t.OrganizationId, Template.BodyPurpose, t.BodyToken, t.Id, ct))!,
            JsonSerializer.Deserialize<string[]>((await cell.Keys.DecryptFieldAsync(t.OrganizationId, Template.VariablesPurpose, t.VariablesToken, t.Id, ct))!)!,
            t.CreatedAt));
    }

    private static async Task<Results<Created<BlockView>, ProblemHttpResult>> CreateBlock(CreateBlockRequest request, ClaimsPrincipal user, CellDbContext db, CellRegistry cells, TimeProvider time, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var cell = cells.Get(caller.Region);
        if (request.Name is not { } name || !BlockName().IsMatch(name)) return Problems.Validation("name is 1-64 letters, digits, '_' or '-'.");
        if (request.Body is not { Length: > 0 and <= MaxBodyLength } body) return Problems.Validation($"body is required (at most {MaxBodyLength} characters of Liquid).");
        try
        {
            TemplateRenderer.Parse(body, $"content block '{name}'");
        }
        catch (TemplateException e)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, e.Code, "The content block is not valid.", e.Message);
        }
        var index = await cell.Keys.BlindIndexAsync(caller.OrganizationId, ContentBlock.NamePurpose, name, ct);
        if (await db.ContentBlocks.AnyAsync(b => b.OrganizationId == caller.OrganizationId && b.NameIndex == index, ct))
        {
            return Problems.Conflict("content_block_exists", $"A content block named '{name}' exists already.");
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
        catch (DbUpdateException)
        {
            return Problems.Conflict("content_block_exists", $"A content block named '{name}' exists already.");
        }
        return TypedResults.Created($"/api/v1/templates/blocks/{id}", new BlockView(id, name, body, block.CreatedAt));
    }

    private static async Task<Ok<BlockView[]>> ListBlocks(ClaimsPrincipal user, CellDbContext db, CellRegistry cells, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var cell = cells.Get(caller.Region);
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
