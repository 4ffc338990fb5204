using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Sigill.Api.Platform.Persistence;

// Used only by `dotnet ef migrations add`; the connection strings are never opened.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteCellDbContext>
{
    public SqliteCellDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteCellDbContext>().UseSqlite("Data Source=design.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresCellDbContext>
{
    public PostgresCellDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresCellDbContext>().UseNpgsql("Host=design").Options);
}
