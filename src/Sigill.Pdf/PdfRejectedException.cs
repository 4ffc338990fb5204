namespace Sigill.Pdf;

/// <summary>Stable error codes for rejected PDFs (the API maps them to problem details; docs/errors.md).</summary>
public static class PdfErrorCodes
{
    public const string Malformed = "pdf_malformed";
    public const string Encrypted = "pdf_encrypted";
    public const string TooLarge = "pdf_too_large";
    public const string TooComplex = "pdf_too_complex";
    public const string ActiveContent = "pdf_active_content";
}

/// <summary>An uploaded PDF was refused; <see cref="Code"/> is one of <see cref="PdfErrorCodes"/>.</summary>
public sealed class PdfRejectedException : Exception
{
    public PdfRejectedException() : this(PdfErrorCodes.Malformed, "The PDF was rejected.") { }

    public PdfRejectedException(string message) : this(PdfErrorCodes.Malformed, message) { }

    public PdfRejectedException(string message, Exception inner) : base(message, inner) => Code = PdfErrorCodes.Malformed;

    public PdfRejectedException(string code, string message, Exception? inner = null) : base(message, inner) => Code = code;

    public string Code { get; }

    internal static PdfRejectedException TooComplex(string message) => new(PdfErrorCodes.TooComplex, message);
}
