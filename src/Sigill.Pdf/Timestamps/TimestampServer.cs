namespace Sigill.Pdf.Timestamps;

/// <summary>One TSA endpoint, tried in the order configured; the credential, when given, is sent as HTTP basic auth.</summary>
public sealed record TimestampServer(Uri Url, string? Username = null, string? Password = null)
{
    // The password never reaches a log line or an exception message through ToString.
    public override string ToString() => Url.GetLeftPart(UriPartial.Path);
}
