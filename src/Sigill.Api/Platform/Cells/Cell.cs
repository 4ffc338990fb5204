using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Sigill.Api.Platform.Blobs;
using Sigill.Api.Platform.Encryption;
using Sigill.Api.Platform.Persistence;
using Sigill.Crypto;

namespace Sigill.Api.Platform.Cells;

/// <summary>
/// One region's share-nothing slice of the data tier: its database, its blob store (and, as the
/// key management lands, its key provider). Everything an organization causes is stored in its cell.
/// </summary>
public sealed class Cell : IDisposable
{
    private readonly Func<CellDbContext> _createContext;
    private readonly Lazy<(IKeyProvider Provider, CellKeyManager Keys)> _keys;

    internal Cell(string region, CellOptions options, string environment = "development", TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        Region = region;
        Options = options;
        DatabaseProvider = options.Database.Provider;
        switch (options.Database.Provider)
        {
            case "sqlite":
                {
                    var builder = new SqliteConnectionStringBuilder(options.Database.ConnectionString);
                    if (builder.DataSource is { Length: > 0 } file && file != ":memory:")
                    {
                        DatabaseLocation = Path.GetFullPath(file);
                    }
                    else
                    {
                        DatabaseLocation = builder.DataSource;
                    }
                    var dbOptions = new DbContextOptionsBuilder<SqliteCellDbContext>()
                        .UseSqlite(options.Database.ConnectionString)
                        .AddInterceptors(SqliteBusyTimeout.Instance)
                        .Options;
                    var factory = new PooledDbContextFactory<SqliteCellDbContext>(dbOptions);
                    _createContext = factory.CreateDbContext;
                    break;
                }
            case "postgres":
                {
                    var builder = new Npgsql.NpgsqlConnectionStringBuilder(options.Database.ConnectionString);
                    DatabaseLocation = $"postgres://{builder.Host}:{builder.Port}/{builder.Database}";
                    // The cell owns its connection pool (closed when the cell is disposed), with two settings measured on the
                    // bulk-send benchmark (about a fifth less PostgreSQL CPU per document):
                    // - no DISCARD ALL when a pooled connection is handed back (it was a statement for every short unit of work,
                    //   7 per bulk-sent document). Sigill keeps no state in a session: no SET, no session locks (its advisory
                    //   locks are transaction-scoped), no temporary tables or LISTEN; an open transaction is still rolled back.
                    // - statements used often are prepared once per connection (parsed and planned once, not per execution).
                    //   Sigill's queries name their columns, so a migration that adds one does not change a prepared statement's
                    //   result (only the cell scanner selects `*`, once per table and scan).
                    builder.NoResetOnClose = true;
                    builder.MaxAutoPrepare = 100;
                    _dataSource = new Npgsql.NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
                    var dbOptions = new DbContextOptionsBuilder<PostgresCellDbContext>()
                        .UseNpgsql(_dataSource)
                        .Options;
                    var factory = new PooledDbContextFactory<PostgresCellDbContext>(dbOptions);
                    _createContext = factory.CreateDbContext;
                    break;
                }
            default:
                throw new ArgumentException($"Unknown database provider '{options.Database.Provider}'.", nameof(options));
        }
        Blobs = options.Blobs.Provider switch
        {
            "filesystem" => new FileBlobStore(options.Blobs.Path),
            "s3" => new S3BlobStore(options.Blobs),
            _ => throw new ArgumentException($"Unknown blob provider '{options.Blobs.Provider}'.", nameof(options)),
        };
        // Opened on first use, so that merely describing a cell (start-up checks) writes no keyring.
        _keys = new(() =>
        {
            options.Keys.Environment = environment;
            IKeyProvider provider;
            try
            {
                provider = KeyProviderFactory.Create(options.Keys, time);
            }
            catch (Exception e) when (e is InvalidOperationException or CryptoIntegrityException or IOException or UnauthorizedAccessException)
            {
                throw new CellUnavailableException(region, $"cannot open its key provider: {FirstLine(e)}", e);
            }
            var manager = new CellKeyManager(region, environment, provider, new EfOrgKeyStore(CreateDbContext), time ?? TimeProvider.System,
                (loggers ?? NullLoggerFactory.Instance).CreateLogger<CellKeyManager>());
            return (provider, manager);
        }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Region { get; }
    internal CellOptions Options { get; }
    public string DatabaseProvider { get; }

    /// <summary>A description of where the database lives, without credentials.</summary>
    public string DatabaseLocation { get; }

    public IBlobStore Blobs { get; }

    /// <summary>The cell's key management: every stored byte of customer content goes through it.</summary>
    public CellKeyManager Keys => _keys.Value.Keys;

    /// <summary>The cell's key provider itself (backups wrap their data key under the region's backup key in it).</summary>
    internal IKeyProvider KeyProvider => _keys.Value.Provider;

    /// <summary>Customer content: encrypted under the organization's key before it reaches <see cref="Blobs"/>.</summary>
    public EncryptedObjects Objects => new(Blobs, Keys);

    public CellDbContext CreateDbContext() => _createContext();

    private readonly Npgsql.NpgsqlDataSource? _dataSource;

    /// <summary>Brings the cell's schema up to date (idempotent) and makes sure its blob store is writable.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        if (DatabaseProvider == "sqlite" && Path.GetDirectoryName(DatabaseLocation) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }
        await using var db = CreateDbContext();
        await db.Database.MigrateAsync(cancellationToken);
        if (DatabaseProvider == "sqlite")
        {
            // WAL lets readers proceed while the single writer commits.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
        await Blobs.CheckAsync(cancellationToken);
        try
        {
            await Keys.InitializeAsync(cancellationToken);
            // The backup key exists from the first start, created by the process that owns the keyring.
            await BackupKeys.EnsureAsync(KeyProvider, Keys.Environment, Region, cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or CryptoIntegrityException or IOException or UnauthorizedAccessException)
        {
            throw new CellUnavailableException(Region, $"cannot open its key provider: {FirstLine(e)}", e);
        }
    }

    public async Task<IReadOnlyList<string>> PendingMigrationsAsync(CancellationToken cancellationToken)
    {
        await using var db = CreateDbContext();
        return [.. await db.Database.GetPendingMigrationsAsync(cancellationToken)];
    }

    /// <summary>Opens the database and probes the blob store; throws <see cref="CellUnavailableException"/> naming the part that failed.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var db = CreateDbContext();
            await db.Database.OpenConnectionAsync(cancellationToken);
            await db.Database.CloseConnectionAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new CellUnavailableException(Region, $"cannot reach its {DatabaseProvider} database at {DatabaseLocation}: {FirstLine(e)}", e);
        }
        try
        {
            await Blobs.CheckAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new CellUnavailableException(Region, $"cannot write to its blob store at {Blobs.Location}: {FirstLine(e)}", e);
        }
    }

    private static string FirstLine(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null && inner.Message.Contains("see the inner exception", StringComparison.OrdinalIgnoreCase))
        {
            inner = inner.InnerException;
        }
        var message = inner.Message;
        if (inner.InnerException is { } cause && cause.Message != message)
        {
            message += " (" + cause.Message + ")";
        }
        return message.ReplaceLineEndings(" ").Trim();
    }

    public void Dispose()
    {
        _dataSource?.Dispose();
        (Blobs as IDisposable)?.Dispose();
        if (_keys.IsValueCreated)
        {
            (_keys.Value.Provider as IDisposable)?.Dispose();
        }
    }
}

public sealed class CellUnavailableException(string region, string problem, Exception inner)
    : Exception($"cell '{region}' {problem}", inner)
{
    public string Region { get; } = region;
}
