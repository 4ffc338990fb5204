using System.Globalization;
using Microsoft.AspNetCore.Mvc;

namespace Sigill.Web.Pages.Documents;

/// <summary>
/// A placed field's settings on the document page (docs/fields.md): a number's name and bounds, the options of a
/// dropdown or radio group, a formula, and the condition that shows a field. The API checks them (kind, options,
/// conditions of the whole document, formulas) and answers with a problem the page shows; the form sends them as a whole.
/// Once the document is completed, the files signers attached are downloaded from here.
/// </summary>
public sealed partial class DocumentModel
{
    /// <summary>The kinds with settings of their own, and the kinds a condition may name (docs/fields.md "Conditions").</summary>
    public static bool HasOwnSettings(string kind) => kind is "number" or "dropdown" or "radio" or "formula";

    public static bool CanBeConditional(FieldView f) => f.Kind is not ("signature" or "initials" or "formula") && !f.FillSigningDate;

    /// <summary>The editors of a placed field, or the blank one sender.js clones (null), posting to this page's handlers.</summary>
    public FieldEditors Editors(FieldView? field) => new(Document, field, handler => $"{Placement.PostUrl}?handler={handler}", SealedSession: null);

    /// <summary>What a new dropdown, radio group or formula starts with, so it can be dragged in at once and edited after.</summary>
    public static object? DefaultSettings(string kind) => kind switch
    {
        "dropdown" or "radio" => new { options = new[] { SenderText.S("Settings.Option", 1), SenderText.S("Settings.Option", 2) } },
        "formula" => new { formula = "0", decimals = 2 },
        _ => null,
    };

    /// <summary>The settings form; blank inputs leave a setting out. Numbers arrive in the form's invariant notation.</summary>
    public sealed record SettingsInput(string? Name, string? Min, string? Max, int? Decimals, string? Options, string? Formula, string? ConditionField,
        string? ConditionEquals);

    public async Task<IActionResult> OnPostFieldSettingsAsync(string fieldId, SettingsInput settings, CancellationToken ct)
    {
        if (await LoadAsync(ct) is { } missing) return missing;
        var field = Document.Fields.FirstOrDefault(f => f.Id == fieldId);
        if (field is null) return await FieldFailedAsync(SenderText.S("Settings.FieldGone"), ct);
        if (SettingsPatch(field, settings) is not { } patch) return await FieldFailedAsync(SenderText.S("Settings.NotNumbers"), ct);
        var reply = await SendAsync<FieldView>(HttpMethod.Patch, Path($"/fields/{Seg(fieldId)}"), patch, ct);
        return await AfterAsync(reply.Problem, "#field-list-title", ct);
    }

    /// <summary>The API's <c>PATCH /fields/{id}</c> body for a settings form on <paramref name="field"/>; null when a bound is not a number.</summary>
    internal static object? SettingsPatch(FieldView field, SettingsInput settings)
    {
        if (!TryNumber(settings.Min, out var min) || !TryNumber(settings.Max, out var max)) return null;
        var condition = string.IsNullOrEmpty(settings.ConditionField) ? null
            : new Dictionary<string, string?> { ["field"] = settings.ConditionField, ["equals"] = Blank(settings.ConditionEquals) ?? "true" };
        var body = new Dictionary<string, object?>();
        switch (field.Kind)
        {
            case "number":
                (body["name"], body["min"], body["max"], body["decimals"]) = (Blank(settings.Name), min, max, settings.Decimals);
                break;
            case "dropdown" or "radio":
                body["options"] = (settings.Options ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                break;
            case "formula":
                (body["formula"], body["decimals"]) = (Blank(settings.Formula), settings.Decimals);
                break;
        }
        if (condition is not null) body["condition"] = condition;
        return new { settings = body.Where(p => p.Value is not null).ToDictionary() };
    }

    /// <summary>A file a signer attached, once the document is completed: a download under its own name, never shown inline.</summary>
    public async Task<IActionResult> OnGetAttachmentAsync(string fieldId, CancellationToken ct)
    {
        if (await LoadAsync(ct) is { } missing) return missing;
        if (Document.Fields.FirstOrDefault(f => f.Id == fieldId)?.Attachment is not { } file) return NotFound();
        return await DownloadAsync(Path($"/attachments/{Seg(fieldId)}"), file.ContentType, file.FileName, ct);
    }

    /// <summary>A number as the form posts it (invariant); blank is none.</summary>
    private static bool TryNumber(string? text, out decimal? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text)) return true;
        if (!decimal.TryParse(text.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var parsed)) return false;
        value = parsed;
        return true;
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>A file size for people: bytes, KB or MB.</summary>
    public static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} bytes",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KB",
        _ => $"{bytes / (1024.0 * 1024):0.#} MB",
    };
}
