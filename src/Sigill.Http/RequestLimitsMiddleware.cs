using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Sigill.Http;

/// <summary>
/// The request-body rules of both tiers, in one place.
/// <list type="number">
/// <item>Kestrel's own limit is <see cref="RequestLimits.MaxBodyBytes"/> and it sends no <c>Server</c> header.</item>
/// <item>After routing, each request gets its endpoint's limit (a multipart body to an <see cref="UploadEndpointAttribute"/>
/// endpoint the upload limit, any other body the small one). A <c>Content-Length</c> over it is refused at once with 413,
/// before a byte of the body is read; a body without one (chunked) is counted by Kestrel and cut when it passes the
/// limit. Either way the answer is problem details: <c>pdf_too_large</c> for uploads, <c>payload_too_large</c> otherwise.</item>
/// <item>An upload endpoint that reads its form gets it read here, with tight form limits: a body that ends before its
/// <c>Content-Length</c> (or stalls), a broken boundary or an oversized part is 400 <c>multipart_malformed</c>, never a
/// 500 and never "too large". The endpoint then finds the form already read.</item>
/// <item>Where something else reads the body and swallows Kestrel's complaint (a JSON binder, the web tier's reverse
/// proxy, which would answer a bare 400, 408 or 413), the complaint is noticed on the way out and answered the same way.</item>
/// </list>
/// </summary>
public static class RequestLimitsMiddleware
{
    public const string PayloadTooLarge = "payload_too_large";
    public const string PdfTooLarge = "pdf_too_large";
    public const string MultipartMalformed = "multipart_malformed";
    public const string BadRequest = "bad_request";
    public const string DocsBase = "https://sigill.dev/docs/errors#";

    /// <summary>The upload form may hold the file and a few short fields (title, antiforgery token) and nothing more.</summary>
    private static FormOptions UploadForm(RequestLimits limits) => new()
    {
        MultipartBodyLengthLimit = limits.MaxUploadBodyBytes,
        ValueCountLimit = 16,
        ValueLengthLimit = 4096,
        KeyLengthLimit = 256,
        MultipartHeadersCountLimit = 8,
        MultipartHeadersLengthLimit = 4096,
    };

    /// <param name="perAddress">Whether to cap open connections per client address (<see cref="RequestLimits.MaxConnectionsPerAddress"/>): the public tier only.</param>
    public static IWebHostBuilder UseRequestLimits(this IWebHostBuilder builder, RequestLimits limits, bool perAddress = false) => builder
        .ConfigureServices(services => services.Configure<Microsoft.Extensions.Hosting.HostOptions>(host => host.ShutdownTimeout = limits.ShutdownTimeout))
        .ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false; // no product banner on any response
            kestrel.Limits.MaxRequestBodySize = limits.MaxBodyBytes;
            kestrel.Limits.RequestHeadersTimeout = limits.HeadersTimeout;
            kestrel.Limits.MinRequestBodyDataRate = limits.MinBodyBytesPerSecond == 0 ? null : new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(limits.MinBodyBytesPerSecond, TimeSpan.FromSeconds(5));
            if (perAddress && limits.MaxConnectionsPerAddress > 0)
            {
                var connections = new ConnectionsPerAddress(limits.MaxConnectionsPerAddress);
                kestrel.ConfigureEndpointDefaults(listen => listen.Use(connections.Guard));
            }
        });

    /// <summary>Place after routing (and, where there is one, after authorization, so a stranger's upload is never parsed).</summary>
    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app, RequestLimits limits)
    {
        var writer = app.ApplicationServices.GetService<IProblemDetailsService>(); // the host's problem writer, when it has one
        return app.Use((http, next) => InvokeAsync(http, next, limits, writer));
    }

    private static async Task InvokeAsync(HttpContext http, RequestDelegate next, RequestLimits limits, IProblemDetailsService? writer)
    {
        // The upload limit holds for a multipart body on an upload endpoint; anything else there (a page's other forms) is small.
        var upload = IsMultipart(http.Request) ? http.GetEndpoint()?.Metadata.GetMetadata<UploadEndpointAttribute>() : null;
        var limit = upload is null ? limits.MaxBodyBytes : limits.MaxUploadBodyBytes;
        var size = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (http.Request.ContentLength > limit)
        {
            // Refused before reading. Kestrel then discards what the client still sends, for at most its 5-second drain
            // (on a kept-alive connection), so that a client which sends before it listens still reads this answer.
            if (size is { IsReadOnly: false }) size.MaxRequestBodySize = null;
            await TooLargeAsync(http, upload, limits, writer);
            return;
        }
        if (size is { IsReadOnly: false }) size.MaxRequestBodySize = limit;
        var body = new WatchedBody(http.Request.Body) { Upload = upload is not null };
        http.Request.Body = body;
        http.Features.Set(body);
        if (upload is { ReadsForm: true })
        {
            try
            {
                await http.Request.ReadFormAsync(UploadForm(limits), http.RequestAborted);
            }
            catch (Exception e) when (http.RequestAborted.IsCancellationRequested && e is IOException or OperationCanceledException)
            {
                return; // the client went away: there is nobody to answer
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                // Kestrel's complaints (BadHttpRequestException), the multipart reader's "unexpected end of stream"
                // (IOException) and its broken boundaries and part limits (InvalidDataException).
                // The multipart reader may complain of the cut body (an unexpected end) before Kestrel's limit is seen.
                if (body.Failure is null && body.BytesRead >= limit) await TooLargeAsync(http, upload, limits, writer);
                else await BodyFailedAsync(http, body.Failure, upload, limits, writer);
                return;
            }
        }
        try
        {
            await next(http);
        }
        catch (BadHttpRequestException) when (body.Failure is not null && !http.Response.HasStarted)
        {
            await BodyFailedAsync(http, body.Failure, upload, limits, writer);
            return;
        }
        if (body.AnsweredHere && !http.Response.HasStarted)
        {
            await BodyFailedAsync(http, body.Failure, upload, limits, writer);
        }
    }

    /// <summary>
    /// Answers a body that could not be read: over the limit (413), or cut short, stalled or malformed (400).
    /// <paramref name="failure"/> is Kestrel's complaint, if it had one; its words quote no input, so they are shown.
    /// </summary>
    private static Task BodyFailedAsync(HttpContext http, BadHttpRequestException? failure, UploadEndpointAttribute? upload, RequestLimits limits, IProblemDetailsService? writer)
    {
        if (failure?.StatusCode == StatusCodes.Status413PayloadTooLarge) return TooLargeAsync(http, upload, limits, writer);
        var form = UploadForm(limits);
        var detail = failure?.Message
            ?? $"The body is not well-formed multipart/form-data (boundary, part headers, or truncated), or has more than {form.ValueCountLimit} " +
               $"fields or a field over {form.ValueLengthLimit} bytes besides the file.";
        return upload is not null
            ? WriteAsync(writer, http, StatusCodes.Status400BadRequest, MultipartMalformed, "The upload could not be read.", detail)
            : WriteAsync(writer, http, StatusCodes.Status400BadRequest, BadRequest, "The body could not be read.", detail);
    }

    /// <summary>
    /// Whether this request's body failed in a way this middleware will answer itself once the endpoint returns (too
    /// large, or a broken upload). A reverse proxy uses it to drop what the upstream said about the cut body it got: the
    /// client must hear why its body was refused here, whichever answer arrives first.
    /// </summary>
    public static bool WillAnswerBodyFailure(HttpContext http) => http.Features.Get<WatchedBody>() is { AnsweredHere: true };

    private static bool IsMultipart(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    private static Task TooLargeAsync(HttpContext http, UploadEndpointAttribute? upload, RequestLimits limits, IProblemDetailsService? writer) => upload is not null
        ? WriteAsync(writer, http, StatusCodes.Status413PayloadTooLarge, upload.TooLargeCode, upload.TooLargeTitle,
            $"At most {limits.MaxPdfBytes} bytes are accepted (Documents:MaxPdfBytes).")
        : WriteAsync(writer, http, StatusCodes.Status413PayloadTooLarge, PayloadTooLarge, "The request body is too large.",
            $"At most {limits.MaxBodyBytes} bytes are accepted (Http:MaxBodyBytes).");

    private static async Task WriteAsync(IProblemDetailsService? writer, HttpContext http, int status, string code, string title, string detail)
    {
        http.Response.Clear();
        http.Response.StatusCode = status;
        if (!http.Request.Path.StartsWithSegments("/api") && http.Request.Headers.Accept.Any(a => a?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true))
        {
            return; // a browser's form post: the tier's own error page says it (the web tier re-executes /error/{status})
        }
        var problem = new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = detail,
            Type = DocsBase + code,
            Extensions = { ["code"] = code, ["traceId"] = http.TraceIdentifier },
        };
        if (writer is null || !await writer.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem }))
        {
            await http.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
        }
    }
}

/// <summary>
/// The request body as the endpoint reads it, remembering the first complaint Kestrel raised while reading (too large,
/// cut short, too slow), because some readers (the JSON binder, the reverse proxy) swallow it and answer without a code.
/// </summary>
internal sealed class WatchedBody(Stream inner) : Stream
{
    public BadHttpRequestException? Failure { get; private set; }

    /// <summary>Whether the body is an upload's (multipart on an upload endpoint).</summary>
    public bool Upload { get; init; }

    /// <summary>A failure the middleware answers itself after the endpoint: too large, or any failure of an upload.</summary>
    public bool AnsweredHere => Failure is { } failure && (Upload || failure.StatusCode == StatusCodes.Status413PayloadTooLarge);

    /// <summary>Bytes the readers took. A body that reached its limit is too large, whichever reader noticed first.</summary>
    public long BytesRead { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Watch(() => inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            BytesRead += read;
            return read;
        }
        catch (BadHttpRequestException e)
        {
            Failure ??= e;
            throw;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Watch(Func<int> read)
    {
        try
        {
            var count = read();
            BytesRead += count;
            return count;
        }
        catch (BadHttpRequestException e)
        {
            Failure ??= e;
            throw;
        }
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
