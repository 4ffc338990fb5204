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
internal sealed partial class StorageFullHandler(IProblemDetailsService problems, Cells.CellRegistry cells, ILogger<StorageFullHandler> logger) : Microsoft.AspNetCore.Diagnostics.IExceptionHandler
{
    // Linux errno values, which .NET puts in IOException.HResult for the errors it has no exception type for.
    private const int NoSpaceLeftOnDevice = 28; // ENOSPC
    private const int DiskQuotaExceeded = 122; // EDQUOT
    private const int SqliteFull = 13; // SQLITE_FULL: SQLite's answer to ENOSPC while it writes the database or its WAL
    private const int SqliteIoError = 10; // SQLITE_IOERR: what SQLite says when it grows its shared-memory index or a file by a size hint on a full disk
    private const long NoRoomBytes = 64 * 1024; // less than a few pages free: the write that failed had no room

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!(IsFull(exception) || IsIoErrorWithoutRoom(exception, SqliteFolders(cells))) || httpContext.Response.HasStarted)
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

    /// <summary>
    /// SQLite reports some writes that found no room as an I/O error, not SQLITE_FULL (it extends its shared-memory index
    /// and grows files by size hints with writes whose errno it does not pass on). An I/O error while the folder of an
    /// SQLite database has no room left is that case; an I/O error with room is a real fault and stays a 500.
    /// </summary>
    internal static bool IsIoErrorWithoutRoom(Exception exception, IEnumerable<string> folders)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SqliteException { SqliteErrorCode: SqliteIoError })
            {
                return folders.Any(folder => Directory.Exists(folder) && new DriveInfo(folder).AvailableFreeSpace < NoRoomBytes);
            }
        }
        return false;
    }

    private static IEnumerable<string> SqliteFolders(Cells.CellRegistry cells) =>
        cells.All.Where(c => c.DatabaseProvider == "sqlite" && Path.IsPathRooted(c.DatabaseLocation))
            .Select(c => Path.GetDirectoryName(c.DatabaseLocation)!);

    private static partial class Log
    {
        [LoggerMessage(EventId = 5070, Level = LogLevel.Error, Message = "Request to {Path} answered 507: the disk under the blob store or the database is full")]
        public static partial void StorageFull(ILogger logger, PathString path, Exception exception);
    }
}
