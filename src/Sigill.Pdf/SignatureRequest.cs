using System.Security.Cryptography.X509Certificates;

namespace Sigill.Pdf;

/// <summary>What to sign with and what to record in the signature dictionary.</summary>
public sealed class SignatureRequest
{
    /// <summary>Signing certificate with its private key (ECDSA P-256/P-384 or RSA).</summary>
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>
    /// Intermediate and root certificates to embed in the CMS so verifiers can build the chain. A root (self-signed)
    /// that an earlier signature of the file already carries is not embedded again (see <see cref="IncrementalSigner"/>).
    /// </summary>
    public IReadOnlyList<X509Certificate2> Chain { get; init; } = [];

    /// <summary>Fully qualified name of the new signature field; must be unique in the document.</summary>
    public required string FieldName { get; init; }

    /// <summary>Written to /M (the claimed signing time; PAdES baseline B puts it here, not in the CMS).</summary>
    public required DateTimeOffset SigningTime { get; init; }

    public string? SignerName { get; init; }

    public string? Reason { get; init; }

    public string? Location { get; init; }

    public string? ContactInfo { get; init; }

    /// <summary>Zero-based page that carries the (invisible) signature widget.</summary>
    public int PageIndex { get; init; }

    /// <summary>Typed names, images or field values drawn on pages in the same revision as the signature.</summary>
    public IReadOnlyList<PdfStamp> Stamps { get; init; } = [];
}

/// <summary>
/// Something drawn on a page: a typed name or field value (<see cref="Text"/>) or an image
/// (<see cref="Image"/>), fitted into a rectangle given in points from the page's top-left corner.
/// </summary>
public sealed record PdfStamp(int PageIndex, double X, double Y, double Width, double Height)
{
    public string? Text { get; init; }

    /// <summary>Pixels decoded by <see cref="Images.PngImage.Decode"/>: an uploaded file never reaches the PDF library as it came.</summary>
    public Images.PngImage? Image { get; init; }

    /// <summary>Text in the handwriting face (a typed signature or initials), when it has every character.</summary>
    public bool Handwriting { get; init; }

    /// <summary>Font size for text; 0 picks the largest size (up to 24 pt) that fits the rectangle.</summary>
    public double FontSize { get; init; }
}
