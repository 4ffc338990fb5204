using Sigill.Http;
using Sigill.Pdf;

namespace Sigill.Api.Features.Documents;

/// <summary>
/// Section <c>Documents</c>: upload limit (default 50 MB), default link expiry, and the decode budget of
/// one uploaded PDF (docs/pdf-policy.md): all streams together (default 1 GiB), per byte of the file
/// (default 100), and per stream (default 64 MiB). <c>MaxAttachmentBytes</c> (default 10 MB): the largest sealed
/// PDF a completion e-mail carries as an attachment; larger ones go by download link only.
/// </summary>
public sealed class DocumentOptions : IValidatedOptions
{
    public long MaxPdfBytes { get; set; } = 50L * 1024 * 1024;
    public int DefaultExpiryDays { get; set; } = 30;
    public long MaxAttachmentBytes { get; set; } = 10L * 1000 * 1000;
    public long MaxPdfDecodedBytes { get; set; } = PdfLimits.Default.MaxDecodedBytes;
    public int MaxPdfDecodeRatio { get; set; } = PdfLimits.Default.MaxDecodeRatio;
    public long MaxPdfStreamBytes { get; set; } = PdfLimits.Default.MaxStreamDecodedBytes;

    /// <summary>The limits every upload is inspected with.</summary>
    public PdfLimits PdfLimits => new()
    {
        MaxBytes = MaxPdfBytes,
        MaxDecodedBytes = MaxPdfDecodedBytes,
        MaxDecodeRatio = MaxPdfDecodeRatio,
        MaxStreamDecodedBytes = MaxPdfStreamBytes,
    };

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxPdfBytes is < 1024 or > 1024L * 1024 * 1024)
        {
            problems.Add("Documents:MaxPdfBytes must be between 1 KiB and 1 GiB");
        }
        if (DefaultExpiryDays is < 1 or > 3650)
        {
            problems.Add("Documents:DefaultExpiryDays must be 1-3650");
        }
        if (MaxAttachmentBytes is < 0 or > 100L * 1000 * 1000)
        {
            problems.Add("Documents:MaxAttachmentBytes must be 0-100000000 (0: never attach)");
        }
        if (MaxPdfStreamBytes is < 64 * 1024 or > 4L * 1024 * 1024 * 1024)
        {
            problems.Add("Documents:MaxPdfStreamBytes must be between 64 KiB and 4 GiB");
        }
        if (MaxPdfDecodedBytes < MaxPdfStreamBytes || MaxPdfDecodedBytes > 64L * 1024 * 1024 * 1024)
        {
            problems.Add("Documents:MaxPdfDecodedBytes must be at least Documents:MaxPdfStreamBytes and at most 64 GiB");
        }
        if (MaxPdfDecodeRatio is < 1 or > 100_000)
        {
            problems.Add("Documents:MaxPdfDecodeRatio must be 1-100000");
        }
        return problems;
    }
}
