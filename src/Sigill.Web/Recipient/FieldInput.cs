using System.Globalization;

namespace Sigill.Web.Recipient;

/// <summary>
/// One of the recipient's fields as the signing page asks for it (Pages/Shared/_FieldInput.cshtml): the field, the words
/// that ask for it, and the value to show (what was posted when the page comes back with an error, else the field's
/// value: an e-mail or name field's is the recipient's own, offered to edit). The API checks every value again.
/// </summary>
public sealed record FieldInput(FieldView Field, string Label, string? Value, RecipientWords T)
{
    public string Id => "field-" + Field.Id;

    public string Name => $"Fields[{Field.Id}]";

    public FieldSettings? Settings => Field.Settings;

    /// <summary>A number input's step: 1, 0.1, 0.01, … for the decimals the field allows.</summary>
    public string Step => (Settings?.Decimals ?? 0) is var d and > 0 ? "0." + new string('0', d - 1) + "1" : "1";

    public static string? Invariant(decimal? number) => number?.ToString(CultureInfo.InvariantCulture);

    /// <summary>What a number field takes, in words ("From 1 to 10, up to 2 decimals."), in the page's language.</summary>
    public string NumberHint
    {
        get
        {
            var (min, max, decimals) = (Settings?.Min, Settings?.Max, Settings?.Decimals ?? 0);
            var range = (min, max) switch
            {
                ({ } a, { } b) => T.Format("Number.Range", a, b),
                ({ } a, null) => T.Format("Number.AtLeast", a),
                (null, { } b) => T.Format("Number.AtMost", b),
                _ => null,
            };
            var digits = decimals switch { 0 => T["Number.Whole"], 1 => T["Number.Decimal"], _ => T.Format("Number.Decimals", decimals) };
            return range is null ? char.ToUpper(digits[0], T.Culture) + digits[1..] + "." : T.Format("Number.Both", range, digits);
        }
    }

    /// <summary>What a formula field shows until it is computed (recipient.js computes it as the signer types).</summary>
    public const string FormulaPending = "—";

    /// <summary>The hint under a formula field.</summary>
    public string FormulaHint => T["Formula.Hint"];

    /// <summary>What a formula field shows when the signer's values give it no value (division by zero, too large).</summary>
    public string FormulaFailed => T["Formula.Failed"];

    /// <summary>An attachment field's file input: a name of its own, read by the page's Attach handler (never a field value).</summary>
    public string AttachmentInputName => $"Attachments[{Field.Id}]";

    /// <summary>Where an attachment field's Upload button posts the sign form (as multipart): the page's Attach handler, relative to /s or /e.</summary>
    public string AttachmentAction => $"?handler=Attach&field={Uri.EscapeDataString(Field.Id)}";

    public static string AttachmentAccept => ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg";

    public string AttachmentHint => T["Attachment.Hint"];

    public string UploadLabel => T["Attachment.Upload"];

    /// <summary>What is attached now ("Attached: id-card.pdf (120 KB)"), or null.</summary>
    public string? AttachedText => Field.Attachment is { } a ? T.Format("Attachment.Attached", a.FileName, Size(a.Bytes, T.Culture)) : null;

    public static string Size(long bytes, CultureInfo culture) => bytes < 1024 * 1024
        ? $"{Math.Max(1, (bytes + 1023) / 1024).ToString(culture)} KB"
        : $"{(bytes / (1024.0 * 1024)).ToString("0.0", culture)} MB";

    /// <summary>The condition, for the page's script: shown while field <c>Field</c> holds <c>Value</c>.</summary>
    public FieldCondition? Condition => Settings?.Condition;
}
