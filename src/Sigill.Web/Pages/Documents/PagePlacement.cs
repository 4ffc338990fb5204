using Sigill.Contracts;

namespace Sigill.Web.Pages.Documents;

/// <summary>
/// A document's pages with its placed fields, drawn by <c>sender.js</c> (<c>_Pages.cshtml</c>): on the sender's document
/// page and on the embedded sending page. On an editable draft the palette places fields by dragging, and placed fields
/// move. <paramref name="PostUrl"/> is where the module posts its handlers (<c>?handler=AddField</c>, <c>MoveField</c>,
/// <c>RemoveField</c>, and <c>Pdf</c> when <paramref name="PdfByPost"/>), each with the hidden inputs of the page's
/// <c>#field-form</c> (the antiforgery token, or the embedded page's sealed session, which never goes into a URL).
/// Both pages have a settings form per field (<c>_FieldEditors.cshtml</c>), so placing a kind with settings shows the page
/// again (a reload, or on the embedded page, which cannot reload its one-time URL, a post of <c>?handler=Show</c>).
/// </summary>
public sealed record PagePlacement(DocumentView Document, bool Editable, string PostUrl, string PdfUrl, bool PdfByPost)
{
    /// <summary>The recipients who fill fields in, in the document's order: the palette's "For" select.</summary>
    public IReadOnlyList<RecipientView> Signers { get; } = [.. Document.Recipients.Where(r => r.Role == "signer")];

    /// <summary>A colour slot per signer (five, then again), so the boxes of one person look alike.</summary>
    public int ColourOf(string recipientId)
    {
        for (var i = 0; i < Signers.Count; i++)
        {
            if (Signers[i].Id == recipientId) return i % 5;
        }
        return 0;
    }

    public string RecipientName(string? id) => Document.Recipients.FirstOrDefault(r => r.Id == id)?.Name ?? "";
}
