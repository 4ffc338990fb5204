using System.Globalization;

namespace Sigill.Web.Recipient;

/// <summary>
/// One of the recipient's fields as the signing page asks for it (Pages/Shared/_FieldInput.cshtml): the field, the words
/// that ask for it, and the value to show (what was posted when the page comes back with an error, else the field's
/// value: an e-mail or name field's is the recipient's own, offered to edit). The API checks every value again.
/// </summary>
public sealed record FieldInput(FieldView Field, string Label, string? Value)
{
    public string Id => "field-" + Field.Id;

    public string Name => $"Fields[{Field.Id}]";

    public FieldSettings? Settings => Field.Settings;

    /// <summary>A number input's step: 1, 0.1, 0.01, … for the decimals the field allows.</summary>
    public string Step => (Settings?.Decimals ?? 0) is var d and > 0 ? "0." + new string('0', d - 1) + "1" : "1";

    public static string? Invariant(decimal? number) => number?.ToString(CultureInfo.InvariantCulture);

    /// <summary>What a number field takes, in words ("From 1 to 10, up to 2 decimals."), or null for a plain whole number.</summary>
    public string? NumberHint
    {
        get
        {
            var (min, max, decimals) = (Invariant(Settings?.Min), Invariant(Settings?.Max), Settings?.Decimals ?? 0);
            var range = (min, max) switch
            {
                ({ } a, { } b) => $"From {a} to {b}",
                ({ } a, null) => $"At least {a}",
                (null, { } b) => $"At most {b}",
                _ => null,
            };
            var digits = decimals == 0 ? "a whole number" : $"up to {decimals} {(decimals == 1 ? "decimal" : "decimals")}";
            return range is null ? char.ToUpperInvariant(digits[0]) + digits[1..] + "." : $"{range}, {digits}.";
        }
    }

    /// <summary>An attachment field's file input: a name of its own, read by the page's Attach handler (never a field value).</summary>
    public string AttachmentInputName => $"Attachments[{Field.Id}]";

    /// <summary>Where an attachment field's Upload button posts the sign form (as multipart): the page's Attach handler, relative to /s or /e.</summary>
    public string AttachmentAction => $"?handler=Attach&field={Uri.EscapeDataString(Field.Id)}";

    public static string AttachmentAccept => ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg";

    // The attachment field's words (English; translated with the rest of the signing page).
    public static string AttachmentHint => "A PDF, PNG or JPEG file of at most 10 MB. Upload it before you sign; a new upload replaces the old one.";

    public static string UploadLabel => "Upload the file";

    /// <summary>What is attached now ("Attached: id-card.pdf (120 KB)"), or null.</summary>
    public string? AttachedText => Field.Attachment is { } a ? $"Attached: {a.FileName} ({Size(a.Bytes)})" : null;

    public static string Size(long bytes) => bytes < 1024 * 1024
        ? $"{Math.Max(1, (bytes + 1023) / 1024).ToString(CultureInfo.InvariantCulture)} KB"
        : $"{(bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture)} MB";

    /// <summary>The condition, for the page's script: shown while field <c>Field</c> holds <c>Value</c>.</summary>
    public FieldCondition? Condition => Settings?.Condition;
}
