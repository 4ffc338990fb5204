using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Sigill.Api.Platform.Errors;

/// <summary>
/// Recognises a write refused by a unique index or primary key, on both providers: PostgreSQL's SQLSTATE 23505, and
/// SQLite's constraint error (19) with its extended code for a unique index (2067) or a primary key (1555). Any other
/// failure (a foreign key, a busy or lost database) is not a race and must not be answered as one.
/// Where two requests may create the same unique thing at the same moment, the loser's <c>SaveChanges</c> throws this,
/// nothing of it was stored, and it answers 409 with a code (<see cref="ErrorCodes.Conflict"/> unless the feature has a
/// more precise one) instead of a 500.
/// </summary>
public static class UniqueKey
{
    private const int SqliteConstraint = 19;
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintUnique = 2067;

    public static bool IsViolation(DbUpdateException e) => e?.InnerException switch
    {
        PostgresException p => p.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException s => s.SqliteErrorCode == SqliteConstraint && s.SqliteExtendedErrorCode is SqliteConstraintUnique or SqliteConstraintPrimaryKey,
        _ => false,
    };
}
