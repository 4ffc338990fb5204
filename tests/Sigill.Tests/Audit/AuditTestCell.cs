using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Features.Organizations;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Audit;

/// <summary>A real region cell (SQLite file or a PostgreSQL database of its own) with keys, and its audit log, for one test.</summary>
internal sealed class AuditTestCell : IAsyncDisposable
{
    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    private readonly TempDirectory _directory;

    private AuditTestCell(TempDirectory directory, Cell cell)
    {
        _directory = directory;
        Cell = cell;
        Log = new CellAuditLog(cell);
    }

    public Cell Cell { get; }
    public CellAuditLog Log { get; private set; }
    public AuditOptions Options { get; } = new() { InstallationId = "test" };

    /// <param name="provider">sqlite or postgres.</param>
    /// <param name="keyTime">The clock of the cell's key management (a fake one lets a test pass the shred delay).</param>
    public static async Task<AuditTestCell> CreateAsync(string provider, TimeProvider? keyTime = null)
    {
        var directory = new TempDirectory();
        var options = await TestServices.CellOptionsAsync(provider, directory);
        var cell = new Cell("eu", options, time: keyTime);
        await cell.MigrateAsync(CancellationToken.None);
        var result = new AuditTestCell(directory, cell);
        await result.Log.InitializeAsync(result.Options, TimeProvider.System, CancellationToken.None);
        return result;
    }

    /// <summary>Creates an organization (keys, row, and its audit events) the way setup does.</summary>
    public async Task<string> CreateOrganizationAsync(string name = "Acme AB")
    {
        var (organization, _, _) = await OrganizationFactory.CreateAsync(Cell, name, "Owner token", TimeProvider.System, CancellationToken.None);
        return organization.Id;
    }

    /// <summary>Records <paramref name="count"/> events of <paramref name="organizationId"/>, committed in one transaction; returns their ids in recording order.</summary>
    public async Task<IReadOnlyList<string>> RecordAsync(string organizationId, int count, string action = "document.viewed", DateTime? at = null)
    {
        await using var db = Cell.CreateDbContext();
        var ids = new List<string>();
        for (int i = 0; i < count; i++)
        {
            var row = await AuditRecorder.RecordAsync(db, Cell,
                new AuditEventData(action, organizationId, new AuditActor("tok_eu_test", "203.0.113.7"), "doc_eu_" + i, new Dictionary<string, string> { ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
                at ?? DateTime.UtcNow, CancellationToken.None);
            ids.Add(row.Id);
        }
        await db.SaveChangesAsync();
        return ids;
    }

    public Task<int> SequenceAsync() => Log.SequenceOnceAsync(Options.BatchSize, TimeProvider.System, CancellationToken.None);

    /// <summary>Forgets the in-memory log, as a process crash would; the next one rebuilds from the database.</summary>
    public async Task RestartLogAsync()
    {
        Log.Dispose();
        Log = new CellAuditLog(Cell);
        await Log.InitializeAsync(Options, TimeProvider.System, CancellationToken.None);
    }

    public Task<AuditVerificationReport> VerifyAsync() => AuditVerification.VerifyAsync(Cell, null, CancellationToken.None);

    /// <summary>Runs SQL straight on the cell's database, as an operator with database access could.</summary>
    public async Task ExecuteSqlAsync(string sql, params object[] parameters)
    {
        await using var db = Cell.CreateDbContext();
        await db.Database.ExecuteSqlRawAsync(sql, parameters);
    }

    public async Task<long> CountAsync(Func<IQueryable<AuditEvent>, IQueryable<AuditEvent>>? filter = null)
    {
        await using var db = Cell.CreateDbContext();
        var query = db.Set<AuditEvent>().AsQueryable();
        return await (filter?.Invoke(query) ?? query).LongCountAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Log.Dispose();
        Cell.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await Task.Yield();
        _directory.Dispose();
    }
}
