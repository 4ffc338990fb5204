using Sigill.Contracts;

namespace Sigill.Web.Pages.Documents;

/// <summary>
/// A placed field's editors (<c>_FieldEditors.cshtml</c>): what it asks for and whether it must be filled, and its own
/// settings (docs/fields.md); with no <paramref name="Field"/>, the first one blank, as the template <c>sender.js</c>
/// clones for a field placed by dragging. On the sender's document page and on the embedded sending page alike:
/// <paramref name="Action"/> gives a handler's URL, and the forms carry <paramref name="SealedSession"/> (the embedded
/// page, whose session is never a cookie nor in a URL) or else the antiforgery token.
/// </summary>
public sealed record FieldEditors(DocumentView Document, FieldView? Field, Func<string, string> Action, string? SealedSession)
{
    /// <summary>The same signer's fields a condition can name: checkboxes, dropdowns and radio groups other than the field.</summary>
    public IReadOnlyList<FieldView> ConditionSources { get; } = Field is null ? [] :
        [.. Document.Fields.Where(o => o.Id != Field.Id && o.RecipientId == Field.RecipientId && o.Kind is "checkbox" or "dropdown" or "radio")];
}
