namespace Sigill.Pdf;

/// <summary>
/// Limits applied to uploaded PDFs. The three decode limits form one budget per document that every
/// decoded stream draws from, whichever part of Sigill decodes it (docs/pdf-policy.md).
/// </summary>
public sealed record PdfLimits
{
    public static readonly PdfLimits Default = new();

    /// <summary>Largest accepted file, in bytes (default 50 MB).</summary>
    public long MaxBytes { get; init; } = 50L * 1024 * 1024;

    /// <summary>Most pages accepted (default 2000).</summary>
    public int MaxPages { get; init; } = 2000;

    /// <summary>Most bytes all streams of one document may decode to, together (default 1 GiB).</summary>
    public long MaxDecodedBytes { get; init; } = 1024L * 1024 * 1024;

    /// <summary>
    /// Most bytes all streams may decode to per byte of the file (default 100), so a small file cannot
    /// cost as much as a large one. A file may always decode one stream's worth (<see cref="MaxStreamDecodedBytes"/>).
    /// </summary>
    public int MaxDecodeRatio { get; init; } = 100;

    /// <summary>
    /// Most bytes one stream may decode to (default 64 MiB): every filter stage's output, or for an image
    /// codec (JPEG, JPEG 2000, JBIG2, CCITT) the size of the image it declares.
    /// </summary>
    public long MaxStreamDecodedBytes { get; init; } = 64L * 1024 * 1024;
}
