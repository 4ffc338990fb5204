using System.Text.Json;
using System.Text.Json.Nodes;
using Sigill.Api.Platform.Cells;

namespace Sigill.Tests.Infrastructure;

/// <summary>
/// Where a test app's cells keep their data. The flow suites run one test body on each: SQLite files and blob folders
/// (the embedded default) and PostgreSQL with S3 (what production runs), so a difference between the providers fails
/// a flow test, not a customer.
/// </summary>
public enum Backend
{
    /// <summary>Each cell in its own SQLite file and blob folder under the data directory (no configuration).</summary>
    Sqlite,

    /// <summary>Each cell in a fresh database of the PostgreSQL server and a fresh bucket of the S3 server ./test.sh starts.</summary>
    PostgresS3,
}

public static class Backends
{
    /// <summary>Theory data: a flow test takes a <see cref="Backend"/> and runs once on each.</summary>
    public static TheoryData<Backend> Both => new() { Backend.Sqlite, Backend.PostgresS3 };

    /// <summary>
    /// The configuration an app on <paramref name="backend"/> starts with: <paramref name="configJson"/> (a test's own
    /// settings) with, for PostgreSQL + S3, every region's <c>Database</c> and <c>Blobs</c> pointing at a database and a
    /// bucket of its own (cells never share either). Keys, logs and the outbox stay under the data directory.
    /// </summary>
    internal static async Task<string?> ConfigAsync(Backend backend, string? configJson)
    {
        if (backend == Backend.Sqlite)
        {
            return configJson;
        }
        var root = configJson is null ? new JsonObject() : JsonNode.Parse(configJson)!.AsObject();
        var regions = root["Regions"]?.GetValue<string>().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            ?? Sigill.Cli.Hosting.SigillConfiguration.DefaultRegions;
        if (root["Cells"] is not JsonObject cells)
        {
            root["Cells"] = cells = new JsonObject();
        }
        foreach (var region in regions)
        {
            if (cells[region] is not JsonObject cell)
            {
                cells[region] = cell = new JsonObject();
            }
            cell["Database"] = JsonSerializer.SerializeToNode(new DatabaseOptions { Provider = "postgres", ConnectionString = await TestServices.CreatePostgresDatabaseAsync() });
            cell["Blobs"] = JsonSerializer.SerializeToNode(await TestServices.CreateS3BucketAsync());
        }
        return root.ToJsonString();
    }
}

/// <summary>
/// One started app per backend, shared by the tests of one class (an xunit class fixture). For classes whose tests each
/// create their own organizations and neither restart, reconfigure nor count across the whole cell: the app start (and,
/// on PostgreSQL, creating and migrating two databases) is paid once per class instead of once per test.
/// </summary>
public sealed class SharedApps : IAsyncLifetime
{
    private readonly Dictionary<Backend, Task<SigillApp>> _apps = [];
    private readonly Lock _lock = new();

    internal Task<SigillApp> For(Backend backend)
    {
        lock (_lock)
        {
            if (!_apps.TryGetValue(backend, out var app))
            {
                _apps[backend] = app = SigillApp.StartAsync(backend);
            }
            return app;
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // A start that failed was reported by the test that asked for it.
        foreach (var app in _apps.Values.Where(a => a.IsCompletedSuccessfully))
        {
            await (await app).DisposeAsync();
        }
    }
}
