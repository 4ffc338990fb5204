using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using Npgsql;
using Sigill.Pdf;

namespace Sigill.Bench;

/// <summary>
/// Issue 21's load benchmark: a real mixed workload from outside, over HTTP, through the public web tier of a
/// <c>sigill serve</c> child process (web and API tier, job worker, outbox mail), at rising concurrency. Each document of
/// the flow is created (from a template, or by upload, alternately), gets two signers and ten fields, is sent; each signer
/// opens the link from the invitation in the outbox, views the PDF, consents and signs; the job queue completes and seals
/// it; the sender downloads the sealed PDF. Every operation gets its throughput and p50/p99. The baseline is the same
/// server's <c>/health/ready</c> at the same concurrency in the same run, and reads (<c>GET /api/v1/documents/{id}</c>)
/// are given as a ratio to it. It runs embedded (SQLite + files) and, when given PostgreSQL (and S3), against those.
/// <c>soak</c> runs the flow for minutes and samples the server's resident memory and open handles.
/// </summary>
public static class LoadBenchmark
{
    /// <summary>Options of one run.</summary>
    /// <param name="Postgres">A connection string that may create databases; null runs embedded only.</param>
    /// <param name="S3">An S3 endpoint with its credentials as user info (<c>http://KEY:SECRET@host:port</c>); used with PostgreSQL.</param>
    /// <param name="Clients">Concurrency levels for reads; the flow runs at each level up to 32.</param>
    /// <param name="Seconds">Measured seconds per level and operation.</param>
    /// <param name="SoakMinutes">When set, only the soak: the flow for this long, memory and handles sampled.</param>
    /// <param name="Smoke">The same path in seconds: tiny levels, figures printed, goals not judged.</param>
    public sealed record Options(string? Postgres, string? S3, IReadOnlyList<int> Clients, double Seconds, double? SoakMinutes, bool Smoke);

    /// <summary>Runs the benchmark; 0 when it ran (and, outside smoke runs, the PostgreSQL goals held), 1 when a goal failed.</summary>
    public static async Task<int> RunAsync(TextWriter output, Options options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        var ci = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(ci, $"load: through the web tier of `sigill serve` child processes, {Environment.ProcessorCount} cores shared with this load generator, {options.Seconds:0.#} s per level and operation"));
        var failed = false;
        var backends = new List<Backend> { Backend.Embedded };
        if (options.Postgres is { Length: > 0 })
        {
            backends.Add(Backend.Postgres);
        }
        else
        {
            output.WriteLine("  PostgreSQL: skipped (pass --postgres or set SIGILL_BENCH_POSTGRES; bench/with-postgres.sh starts PostgreSQL and S3)");
        }

        foreach (var backend in options.SoakMinutes is null ? backends : [backends[^1]])
        {
            var data = Path.Combine(Path.GetTempPath(), "sigill-bench-load-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(data);
            try
            {
                var (config, label) = await ConfigureAsync(backend, options, data, ct);
                await using var server = await ChildServer.StartAsync(Path.Combine(data, "install"), ct, config);
                using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
                using var client = new HttpClient(handler) { BaseAddress = server.WebUrl, Timeout = TimeSpan.FromMinutes(2) };
                var workload = new LoadWorkload(client, Path.Combine(data, "install", "eu", "outbox"));
                await workload.SetUpAsync(server.SetupToken, ct);
                output.WriteLine(string.Create(ci, $"{label} (pid {server.Pid})"));
                failed |= options.SoakMinutes is { } minutes
                    ? !await SoakAsync(output, workload, server.Pid, minutes, options.Smoke, ct)
                    : !await LevelsAsync(output, workload, backend, options, ct);
            }
            finally
            {
                try { Directory.Delete(data, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                NpgsqlConnection.ClearAllPools();
            }
        }
        return failed ? 1 : 0;
    }

    private enum Backend
    {
        Embedded,
        Postgres,
    }

    /// <summary>The child's configuration file: request-rate limits off (one address and one token make all the load), and the eu cell's stores.</summary>
    private static async Task<(string Path, string Label)> ConfigureAsync(Backend backend, Options options, string data, CancellationToken ct)
    {
        var settings = new Dictionary<string, object>
        {
            ["RateLimits"] = new { PerAddressPerSecond = 0, PerCredentialPerSecond = 0 },
            ["Http"] = new { MaxConnectionsPerAddress = 0 },
        };
        var label = "embedded: SQLite + files";
        if (backend == Backend.Postgres)
        {
            var name = "load_" + Guid.NewGuid().ToString("N");
            await using (var connection = new NpgsqlConnection(options.Postgres))
            {
                await connection.OpenAsync(ct);
#pragma warning disable CA2100 // the database name is a fresh GUID, never input (CREATE DATABASE takes no parameters)
                await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
#pragma warning restore CA2100
                await command.ExecuteNonQueryAsync(ct);
            }
            var database = new { Provider = "postgres", ConnectionString = new NpgsqlConnectionStringBuilder(options.Postgres) { Database = name, MaxPoolSize = 60 }.ConnectionString };
            if (options.S3 is { Length: > 0 } s3)
            {
                var url = new Uri(s3);
                var credentials = Uri.UnescapeDataString(url.UserInfo).Split(':', 2);
                var endpoint = url.GetLeftPart(UriPartial.Authority).Replace(url.UserInfo + "@", "", StringComparison.Ordinal);
                var bucket = "load-" + Guid.NewGuid().ToString("N")[..20];
                using (var s3Client = new AmazonS3Client(new BasicAWSCredentials(credentials[0], credentials.ElementAtOrDefault(1) ?? ""),
                    new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" }))
                {
                    await s3Client.PutBucketAsync(bucket, ct);
                }
                settings["Cells"] = new { eu = new { Database = database, Blobs = new { Provider = "s3", ServiceUrl = endpoint, Bucket = bucket, AccessKey = credentials[0], SecretKey = credentials.ElementAtOrDefault(1) ?? "" } } };
                label = "PostgreSQL + S3";
            }
            else
            {
                settings["Cells"] = new { eu = new { Database = database } };
                label = "PostgreSQL + files (no --s3)";
            }
        }
        var path = Path.Combine(data, "load.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(settings), ct);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return (path, label);
    }

    /// <summary>Each concurrency level: the health ceiling, reads against it, the flow. Returns false when a judged goal failed.</summary>
    private static async Task<bool> LevelsAsync(TextWriter output, LoadWorkload workload, Backend backend, Options options, CancellationToken ct)
    {
        var ci = CultureInfo.InvariantCulture;
        var duration = TimeSpan.FromSeconds(options.Seconds);
        // Warm-up: JIT, pools and first-use caches do not count. A few documents also give the reads their targets.
        await RunAsync(workload.FlowAsync, 2, TimeSpan.FromSeconds(options.Smoke ? 1 : 5), ct);
        var readable = workload.Completed.Take(50).ToList();
        if (readable.Count == 0) throw new InvalidOperationException("the warm-up completed no document");
        output.WriteLine("  clients  operation                    ops/s     p50 ms   p99 ms   vs health");
        var ok = true;
        foreach (var clients in options.Clients)
        {
            var health = await RunAsync((stats, c) => workload.GetAsync(stats, "health/ready", "/health/ready", c), clients, duration, ct);
            var turn = 0;
            var reads = await RunAsync((stats, c) => workload.GetAsync(stats, "GET document", $"/api/v1/documents/{readable[(Interlocked.Increment(ref turn) & int.MaxValue) % readable.Count]}", c), clients, duration, ct);
            var h = health.Row("health/ready");
            var r = reads.Row("GET document");
            if (new[] { health, reads }.FirstOrDefault(f => f.Failures > 0) is { } failed)
            {
                throw new InvalidOperationException($"{failed.Failures} requests failed, the first: {failed.FirstFailure}");
            }
            Print(output, clients, h, null);
            Print(output, clients, r, r.PerSecond / h.PerSecond);
            if (backend == Backend.Postgres && clients == 64 && !options.Smoke)
            {
                var pass = r.PerSecond >= 0.6 * h.PerSecond && r.P99 <= 50;
                ok &= pass;
                output.WriteLine(string.Create(ci, $"           goal: reads >= 0.6 x health and p99 <= 50 ms at 64 clients: {r.PerSecond / h.PerSecond:0.00} x, p99 {r.P99:0.0} ms  {(pass ? "PASS" : "FAIL")}"));
            }
            if (clients > 32)
            {
                continue; // each flow client holds a document through every step: 32 already keep both cores busy
            }
            var before = workload.Completed.Count;
            var flow = await RunAsync(workload.FlowAsync, clients, duration, ct);
            foreach (var name in LoadWorkload.FlowOperations)
            {
                if (flow.Has(name)) Print(output, clients, flow.Row(name), null);
            }
            var completed = (workload.Completed.Count - before) / flow.Elapsed.TotalSeconds;
            output.WriteLine(string.Create(ci, $"  {clients,7}  completed and sealed docs/s {completed,8:0.0}   (2 signers, 10 fields; {flow.Failures} failed requests{(flow.FirstFailure is { } first ? ", the first: " + first : "")})"));
            if (backend == Backend.Postgres && clients == options.Clients.Where(c => c <= 32).Max() && !options.Smoke)
            {
                var pass = completed >= 100;
                ok &= pass;
                output.WriteLine(string.Create(ci, $"           goal: >= 100 completed and sealed documents/s on PostgreSQL: {completed:0.0}  {(pass ? "PASS" : "FAIL")}"));
            }
            ok &= flow.Failures == 0;
        }
        if (options.Smoke) output.WriteLine("  smoke run: goals not judged");
        return ok;
    }

    /// <summary>The flow for <paramref name="minutes"/> at 16 clients, the server's memory and handles sampled; growth is judged from a tenth of the way in (the first minute of ten: warm-up excluded).</summary>
    private static async Task<bool> SoakAsync(TextWriter output, LoadWorkload workload, int pid, double minutes, bool smoke, CancellationToken ct)
    {
        var ci = CultureInfo.InvariantCulture;
        var total = TimeSpan.FromMinutes(minutes);
        var settle = TimeSpan.FromTicks(total.Ticks / 10);
        var samples = new List<(TimeSpan At, long Rss, int Handles, int Completed)>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watch = Stopwatch.StartNew();
        var sampler = Task.Run(async () =>
        {
            var every = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, total.Ticks / 20));
            while (!stop.IsCancellationRequested)
            {
                samples.Add((watch.Elapsed, ProcStatus.Read(pid, "VmRSS"), Directory.GetFiles($"/proc/{pid}/fd").Length, workload.Completed.Count));
                try { await Task.Delay(every, stop.Token); } catch (OperationCanceledException) { }
            }
        }, CancellationToken.None);
        var flow = await RunAsync(workload.FlowAsync, 16, total, ct);
        await stop.CancelAsync();
        await sampler;
        samples.Add((watch.Elapsed, ProcStatus.Read(pid, "VmRSS"), Directory.GetFiles($"/proc/{pid}/fd").Length, workload.Completed.Count));
        output.WriteLine(string.Create(ci, $"  soak: {minutes:0.##} min of the flow at 16 clients, {workload.Completed.Count} documents completed and sealed, {flow.Failures} failed requests{(flow.FirstFailure is { } first ? ", the first: " + first : "")}"));
        output.WriteLine("      at   RSS MB   handles   completed");
        foreach (var s in samples)
        {
            output.WriteLine(string.Create(ci, $"  {s.At.TotalSeconds,6:0}s  {s.Rss / 1048576.0,7:0.0}  {s.Handles,8}  {s.Completed,10}"));
        }
        var baseline = samples.First(s => s.At >= settle);
        var end = samples[^1];
        var growth = (double)(end.Rss - baseline.Rss) / baseline.Rss;
        var pass = growth <= 0.10;
        output.WriteLine(string.Create(ci, $"  memory growth from {baseline.At.TotalSeconds:0} s to the end: {growth:+0.0%;-0.0%}; handles {baseline.Handles} -> {end.Handles}  {(smoke ? "(smoke run: goal not judged)" : pass ? "PASS (goal <= 10%)" : "FAIL (goal <= 10%)")}"));
        return smoke || (pass && flow.Failures == 0);
    }

    private static void Print(TextWriter output, int clients, LoadRow row, double? ratio) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {clients,7}  {row.Name,-26} {row.PerSecond,8:0.0}  {row.P50,8:0.0} {row.P99,8:0.0}   {(ratio is { } x ? x.ToString("0.00 x", CultureInfo.InvariantCulture) : "")}"));

    /// <summary><paramref name="clients"/> loops of <paramref name="operation"/> for <paramref name="duration"/>; every timed request lands in the stats.</summary>
    private static async Task<LoadStats> RunAsync(Func<LoadStats, CancellationToken, Task> operation, int clients, TimeSpan duration, CancellationToken ct)
    {
        var stats = new LoadStats();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stop.CancelAfter(duration);
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await operation(stats, ct);
                }
                catch (Exception e) when (e is HttpRequestException or LoadException or IOException or System.Net.Sockets.SocketException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    if (Interlocked.Increment(ref stats.Failures) == 1) stats.FirstFailure = e.Message;
                }
            }
        }, CancellationToken.None)));
        stats.Elapsed = watch.Elapsed;
        return stats;
    }


}
