using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.Documents;

/// <summary>
/// A field's settings in and out of their encrypted column (<see cref="DocumentField.SettingsToken"/>: option labels are
/// customer content, like the label), and <see cref="FieldRules"/>' refusals as problem details.
/// </summary>
internal static class DocumentFieldSettings
{
    public static async Task<FieldSettings?> ReadAsync(Cell cell, DocumentField f, CancellationToken ct) =>
        f.SettingsToken is null ? null : FieldRules.Deserialize(await cell.Keys.DecryptFieldAsync(f.OrganizationId, DocumentField.SettingsPurpose, f.SettingsToken, f.Id, ct));

    public static async Task WriteAsync(Cell cell, DocumentField f, FieldSettings? settings, CancellationToken ct) =>
        f.SettingsToken = settings is null ? null
            : await cell.Keys.EncryptFieldAsync(f.OrganizationId, DocumentField.SettingsPurpose, FieldRules.Serialize(settings), f.Id, ct);

    /// <summary>
    /// The document's fields as the condition rules see them, with the settings of <paramref name="recipientId"/>'s fields
    /// (a condition only ever names the same recipient's fields, so only theirs are decrypted).
    /// </summary>
    public static async Task<List<FieldRules.Definition>> DefinitionsAsync(CellDbContext db, Cell cell, string documentId, string recipientId, CancellationToken ct)
    {
        var definitions = new List<FieldRules.Definition>();
        foreach (var f in await db.DocumentFields.AsNoTracking().Where(f => f.DocumentId == documentId).ToListAsync(ct))
        {
            definitions.Add(new FieldRules.Definition(f.Id, f.RecipientId, f.Kind, f.RecipientId == recipientId ? await ReadAsync(cell, f, ct) : null));
        }
        return definitions;
    }

    /// <summary>A document's pricing totals (decrypted), null when it has no pricing table.</summary>
    public static async Task<PricingTotals?> PricingAsync(Cell cell, Document d, CancellationToken ct) =>
        d.PricingToken is null ? null
            : System.Text.Json.JsonSerializer.Deserialize<PricingTotals>((await cell.Keys.DecryptFieldAsync(d.OrganizationId, Document.PricingPurpose, d.PricingToken, d.Id, ct))!);

    /// <summary>
    /// <see cref="FieldRules.CheckFields"/> for a document's fields as they will be saved, reading the pricing totals
    /// only when a formula needs them.
    /// </summary>
    public static async Task<FieldRules.Problem?> CheckAsync(Cell cell, Document d, IReadOnlyList<FieldRules.Definition> definitions, CancellationToken ct) =>
        FieldRules.CheckFields(definitions, definitions.Any(x => x.Kind == FieldKinds.Formula) ? await PricingAsync(cell, d, ct) : null);

    public static ProblemHttpResult Problem(FieldRules.Problem problem) => problem.Code == ErrorCodes.ValidationFailed ? Problems.Validation(problem.Detail) : Problems.Create(StatusCodes.Status400BadRequest, problem.Code, problem.Code switch
    {
        ErrorCodes.FieldOptionUnsupported => "An option cannot be shown faithfully in the signed PDF.",
        ErrorCodes.FieldConditionInvalid => "The field's condition cannot be evaluated.",
        ErrorCodes.FieldConditionCycle => "Field conditions depend on each other in a circle.",
        ErrorCodes.FieldValueInvalid => "A field's value is not valid.",
        ErrorCodes.FieldHidden => "A value was given for a hidden field.",
        ErrorCodes.FieldNotYours => "A value was given for a field that is not yours.",
        ErrorCodes.FieldFormulaInvalid => "The field's formula is not valid.",
        ErrorCodes.FieldFormulaFailed => "A formula field cannot be computed from the values given.",
        ErrorCodes.FieldReadOnly => "A value was given for a field that is computed.",
        _ => "The field's settings do not fit its kind.", // FieldSettingsInvalid
    }, problem.Detail);
}
