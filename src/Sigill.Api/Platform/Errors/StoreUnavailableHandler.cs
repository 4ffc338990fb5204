using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Sigill.Api.Platform.Blobs;

namespace Sigill.Api.Platform.Errors;

/// <summary>
/// A request that failed because the cell's database or object store did not answer (PostgreSQL restarting, S3
/// unreachable) gets <c>503 store_unavailable</c> with <c>Retry-After</c>, not a 500: the client can tell "try again
/// shortly" from a bug, and the problem names no host. Nothing was stored half-way: a request is one database
/// transaction, and an object is written before the row that names it. The exception is still logged, as a warning.
/// </summary>
internal sealed partial class StoreUnavailableHandler(IProblemDetailsService problems, ILogger<StoreUnavailableHandler> logger) : Microsoft.AspNetCore.Diagnostics.IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsUnavailable(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }
        Log.StoreUnavailable(logger, httpContext.Request.Path, exception);
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await Problems.WriteFixedAsync(problems, httpContext, StatusCodes.Status503ServiceUnavailable, ErrorCodes.StoreUnavailable,
            "Storage is unavailable; try again shortly.",
            "The region's database or object store did not answer. Nothing of this request was stored.");
    }

    /// <summary>
    /// PostgreSQL's connection could not be made or was lost (Npgsql marks it transient, or the server is shutting down),
    /// or the blob store said it could not be reached (<see cref="BlobStoreUnavailableException"/>), anywhere in the chain.
    /// </summary>
    internal static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BlobStoreUnavailableException
                or NpgsqlException { IsTransient: true }
                or PostgresException { SqlState: "57P01" or "57P02" or "57P03" }) // admin shutdown, crash shutdown, cannot connect now
            {
                return true;
            }
        }
        return false;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5030, Level = LogLevel.Warning, Message = "Request to {Path} answered 503: a store did not answer")]
        public static partial void StoreUnavailable(ILogger logger, PathString path, Exception exception);
    }
}
