using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sigill.Http;

/// <summary>
/// How large a request body may be, and how slow a client may be. Both tiers read the same two keys with the same defaults, so the public web tier
/// refuses exactly what the API tier would, and refuses it first:
/// <list type="bullet">
/// <item><c>Documents:MaxPdfBytes</c> (default 50 MiB): the largest PDF upload. An upload endpoint's body may be that
/// plus <see cref="UploadFramingBytes"/> for the multipart framing and the other fields.</item>
/// <item><c>Http:MaxBodyBytes</c> (default 1 MiB): every other body (JSON, forms). A drawn signature, the largest of
/// them, is at most 512 KiB of PNG, about 700 KB as base64.</item>
/// </list>
/// Production sets them in both <c>api.json</c> and <c>web.json</c> when it changes them (README).
/// </summary>
public sealed class RequestLimits : IValidatedOptions
{
    public const long DefaultMaxPdfBytes = 50L * 1024 * 1024;
    public const long DefaultMaxBodyBytes = 1024 * 1024;
    public const long UploadFramingBytes = 64 * 1024;

    public long MaxPdfBytes { get; set; } = DefaultMaxPdfBytes;

    public long MaxBodyBytes { get; set; } = DefaultMaxBodyBytes;

    /// <summary><c>Http:HeadersTimeout</c> (default 15 s): a client must have sent its request line and headers by then, or Kestrel answers 408 and closes (a slow-headers client holds no connection longer).</summary>
    public TimeSpan HeadersTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary><c>Http:MinBodyBytesPerSecond</c> (default 240, after a 5-second grace; 0 turns it off): a body trickled slower is cut and the request refused.</summary>
    public int MinBodyBytesPerSecond { get; set; } = 240;

    /// <summary>
    /// <c>Http:MaxConnectionsPerAddress</c> (default 100; 0 turns it off): open connections to the public web tier from
    /// one client address (IPv6 by its /64); a connection over it is closed at once. Behind a reverse proxy every
    /// connection comes from the proxy: set 0 there and limit in the proxy (deploy/nginx). The API tier, whose only
    /// client is the web tier, does not apply it.
    /// </summary>
    public int MaxConnectionsPerAddress { get; set; } = 100;

    /// <summary>
    /// <c>Http:ShutdownTimeout</c> (default 30 s): how long a stopping tier (SIGTERM, Ctrl+C) lets in-flight requests,
    /// and on the API tier the job in hand, finish; new connections and new job claims stop at once. A job still running
    /// after it is cancelled and released to the queue for another node.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The body limit of an upload endpoint: the PDF and its multipart framing.</summary>
    public long MaxUploadBodyBytes => MaxPdfBytes + UploadFramingBytes;

    /// <summary>
    /// <c>Http:MaxBodyBytes</c> from its section; <c>Documents:MaxPdfBytes</c> is the Documents section's key, read here
    /// too so that the web tier, which has no Documents options, refuses the same uploads.
    /// </summary>
    public static OptionsBuilder<RequestLimits> Register(IServiceCollection services) =>
        services.AddSigillOptions<RequestLimits>("Http")
            .Configure<IConfiguration>((limits, configuration) => limits.MaxPdfBytes = configuration.GetValue("Documents:MaxPdfBytes", DefaultMaxPdfBytes));

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxPdfBytes is < 1024 or > 1024L * 1024 * 1024) problems.Add("Documents:MaxPdfBytes must be between 1 KiB and 1 GiB");
        if (MaxBodyBytes is < 64 * 1024 or > 64L * 1024 * 1024) problems.Add("Http:MaxBodyBytes must be between 64 KiB and 64 MiB");
        if (HeadersTimeout < TimeSpan.FromSeconds(1) || HeadersTimeout > TimeSpan.FromMinutes(5)) problems.Add("Http:HeadersTimeout must be between 00:00:01 and 00:05:00");
        if (MinBodyBytesPerSecond is < 0 or > 1024 * 1024) problems.Add("Http:MinBodyBytesPerSecond must be between 0 (off) and 1048576");
        if (ShutdownTimeout < TimeSpan.Zero || ShutdownTimeout > TimeSpan.FromMinutes(10)) problems.Add("Http:ShutdownTimeout must be between 00:00:00 and 00:10:00");
        if (MaxConnectionsPerAddress is < 0 or > 100_000) problems.Add("Http:MaxConnectionsPerAddress must be between 0 (off) and 100000");
        return problems;
    }
}

/// <summary>
/// Marks an endpoint that takes a PDF upload: its body may be up to <see cref="RequestLimits.MaxUploadBodyBytes"/>, a
/// larger one is refused as <c>pdf_too_large</c>, and, when <see cref="ReadsForm"/>, its form is read and judged before
/// the endpoint runs (<see cref="RequestLimitsMiddleware"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class UploadEndpointAttribute : Attribute
{
    /// <summary>False where the body is passed on unread: the web tier's pass-through to the API tier, which judges it.</summary>
    public bool ReadsForm { get; init; } = true;

    /// <summary>The problem code and title of a body over the upload limit: the endpoint's kind of file (default: a PDF).</summary>
    public string TooLargeCode { get; init; } = RequestLimitsMiddleware.PdfTooLarge;

    public string TooLargeTitle { get; init; } = "The PDF is too large.";
}
