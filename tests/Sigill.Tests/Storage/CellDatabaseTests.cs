using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Features.Organizations;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Storage;

/// <summary>The same model, migrations and behaviour on both providers, against real databases.</summary>
public sealed class CellDatabaseTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    private async Task<Cell> CellAsync(string provider)
    {
        var cell = new Cell("eu", await TestServices.CellOptionsAsync(provider, _directory));
        await cell.MigrateAsync(CancellationToken.None);
        return cell;
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Migrations_bring_the_schema_exactly_to_the_model(string provider)
    {
        using var cell = await CellAsync(provider);
        await using var db = cell.CreateDbContext();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.False(db.Database.HasPendingModelChanges(), $"the {provider} migrations lag behind the model: run dotnet ef migrations add");
    }

    /// <summary>
    /// SQLite itself waits for another writer's lock, for as long as the connection's command timeout, on every
    /// connection a cell opens (SqliteBusyTimeout) — not Microsoft.Data.Sqlite's fixed 150 ms sleeps per conflict.
    /// </summary>
    [Fact]
    public async Task A_sqlite_cell_connection_lets_sqlite_wait_for_the_write_lock_for_its_command_timeout()
    {
        using var cell = await CellAsync("sqlite");
        await using var db = cell.CreateDbContext();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout;";
        Assert.Equal(30_000L, (long)(await command.ExecuteScalarAsync())!); // the test cells' Default Timeout=30
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Migrating_twice_changes_nothing(string provider)
    {
        using var cell = await CellAsync(provider);
        await cell.MigrateAsync(CancellationToken.None);
        Assert.Empty(await cell.PendingMigrationsAsync(CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_organization_round_trips_with_its_utc_timestamp(string provider)
    {
        using var cell = await CellAsync(provider);
        var created = new DateTime(2026, 11, 27, 10, 11, 12, DateTimeKind.Utc);
        var id = SigillId.New("org", "eu");
        await using (var db = cell.CreateDbContext())
        {
            db.Organizations.Add(new Organization { Id = id, Region = "eu", NameToken = "f1.Åke & Söner AB €", CreatedAt = created });
            await db.SaveChangesAsync();
        }
        await using (var db = cell.CreateDbContext())
        {
            var org = await db.Organizations.SingleAsync(o => o.Id == id);
            Assert.Equal("f1.Åke & Söner AB €", org.NameToken);
            Assert.Equal(created, org.CreatedAt);
            Assert.Equal(DateTimeKind.Utc, org.CreatedAt.Kind);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_failed_save_stores_nothing_of_the_batch(string provider)
    {
        using var cell = await CellAsync(provider);
        var id = SigillId.New("org", "eu");
        await using (var db = cell.CreateDbContext())
        {
            db.Organizations.Add(new Organization { Id = id, Region = "eu", NameToken = "First", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        await using (var db = cell.CreateDbContext())
        {
            db.Organizations.Add(new Organization { Id = SigillId.New("org", "eu"), Region = "eu", NameToken = "Second", CreatedAt = DateTime.UtcNow });
            db.Organizations.Add(new Organization { Id = id, Region = "eu", NameToken = "Duplicate", CreatedAt = DateTime.UtcNow });
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }
        await using (var db = cell.CreateDbContext())
        {
            Assert.Equal(["First"], await db.Organizations.Select(o => o.NameToken).ToListAsync());
        }
    }

    [Fact]
    public async Task An_unreachable_postgres_is_named_in_the_error()
    {
        using var cell = new Cell("us", new CellOptions
        {
            Database = new DatabaseOptions { Provider = "postgres", ConnectionString = "Host=127.0.0.1;Port=1;Username=x;Password=y;Database=z;Timeout=3" },
            Blobs = new BlobStoreOptions { Provider = "filesystem", Path = _directory.Combine("blobs") },
        });
        var error = await Assert.ThrowsAsync<CellUnavailableException>(() => cell.CheckAsync(CancellationToken.None));
        Assert.Contains("cell 'us' cannot reach its postgres database at postgres://127.0.0.1:1/z", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }
}
