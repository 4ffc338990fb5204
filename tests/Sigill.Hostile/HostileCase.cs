namespace Sigill.Hostile;

/// <summary>Where a hostile input is sent.</summary>
public enum HostileTarget
{
    /// <summary>A PDF upload: <c>POST /api/v1/documents</c> (multipart, field <c>file</c>).</summary>
    PdfUpload,

    /// <summary>A template body: <c>POST /api/v1/templates</c> (JSON, <see cref="HostileCase.Payload"/> is the UTF-8 body text).</summary>
    TemplateBody,

    /// <summary>A drawn signature: the PNG in a recipient's sign request (<c>drawnPng</c>, base64).</summary>
    DrawnSignaturePng,
}

/// <summary>
/// One hostile input and what Sigill must answer: <see cref="ExpectedStatus"/> (a 4xx) with the problem
/// details <c>code</c> <see cref="ExpectedCode"/>. <see cref="Payload"/> is made on demand, because some
/// cases are megabytes large.
/// </summary>
public sealed record HostileCase(string Name, HostileTarget Target, int ExpectedStatus, string ExpectedCode, Func<byte[]> Payload)
{
    public override string ToString() => Name;
}
