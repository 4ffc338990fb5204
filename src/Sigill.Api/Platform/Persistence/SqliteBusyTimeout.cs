using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Sigill.Api.Platform.Persistence;

/// <summary>
/// Lets SQLite itself wait for the write lock, on every connection a cell opens. SQLite allows one writer at a time, so
/// concurrent requests meet a locked database all the time. Left to Microsoft.Data.Sqlite, a statement that finds the
/// database busy is retried after a fixed <c>Thread.Sleep(150)</c>: every conflict cost a request 150 ms and held a
/// thread-pool thread asleep meanwhile (under the load benchmark, most of the server's threads were in that sleep).
/// SQLite's own busy handler (<c>PRAGMA busy_timeout</c>) retries within milliseconds of the lock coming free, for as
/// long as the connection's command timeout, which keeps the overall limit what it was.
/// </summary>
internal sealed class SqliteBusyTimeout : DbConnectionInterceptor
{
    public static readonly SqliteBusyTimeout Instance = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken)
    {
        Apply(connection); // Microsoft.Data.Sqlite runs commands synchronously; an async call would only add a task
        return Task.CompletedTask;
    }

    private static void Apply(DbConnection connection)
    {
        var sqlite = (SqliteConnection)connection;
        SqliteException.ThrowExceptionForRC(SQLitePCL.raw.sqlite3_busy_timeout(sqlite.Handle, checked(sqlite.DefaultTimeout * 1000)), sqlite.Handle);
    }
}
