using Microsoft.AspNetCore.Mvc;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Sigill.Api.Platform.Errors;

/// <summary>
/// A request that failed because the disk under the cell's blob folder or database is full gets
/// <c>507 storage_full</c>, not a 500: the client learns that nothing of the request was stored and that trying again
/// helps only once the operator has made room (so no <c>Retry-After</c>). Nothing is half-stored: the file store writes
/// a temporary file and deletes it when the write fails, a failed commit rolls back, and a request deletes the object it
/// wrote when its row cannot be committed. The exception is logged as an error: someone has to act.
/// </summary>
internal sealed partial class StorageFullHandler(IProblemDetailsService problems, ILogger<StorageFullHandler> logger) : Microsoft.AspNetCore.Diagnostics.IExceptionHandler
{
    // Linux errno values, which .NET puts in IOException.HResult for the errors it has no exception type for.
    private const int NoSpaceLeftOnDevice = 28; // ENOSPC
    private const int DiskQuotaExceeded = 122; // EDQUOT
    private const int SqliteFull = 13; // SQLITE_FULL: SQLite's answer to ENOSPC while it writes the database or its WAL

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsFull(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }
        Log.StorageFull(logger, httpContext.Request.Path, exception);
        return await Problems.WriteFixedAsync(problems, httpContext, StatusCodes.Status507InsufficientStorage, ErrorCodes.StorageFull,
            "Storage is full.",
            "The region's disk has no room for this request. Nothing of this request was stored; try again once the operator has made room.");
    }

    /// <summary>
    /// A write found no room, anywhere in the chain: the file system said ENOSPC or EDQUOT, SQLite said SQLITE_FULL, or
    /// PostgreSQL said <c>disk_full</c> (53100).
    /// </summary>
    internal static bool IsFull(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is IOException { HResult: NoSpaceLeftOnDevice or DiskQuotaExceeded }
                or SqliteException { SqliteErrorCode: SqliteFull }
                or PostgresException { SqlState: PostgresErrorCodes.DiskFull })
            {
                return true;
            }
        }
        return false;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5070, Level = LogLevel.Error, Message = "Request to {Path} answered 507: the disk under the blob store or the database is full")]
        public static partial void StorageFull(ILogger logger, PathString path, Exception exception);
    }
}
