using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Sigill.Api.Platform.Cells;

namespace Sigill.Api.Platform.Health;

/// <summary>Ready means every cell's database answers and every cell's blob store takes a write.</summary>
internal sealed class CellsHealthCheck(CellReadiness readiness, CellRegistry cells) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failures = await readiness.FailingRegionsAsync().WaitAsync(cancellationToken);
        // Name the failing regions only: no hosts, paths or driver messages leave through a probe.
        return failures.Count == 0
            ? HealthCheckResult.Healthy($"{cells.Regions.Count} cells ready")
            : HealthCheckResult.Unhealthy($"cells not ready: {string.Join(", ", failures)}");
    }
}

/// <summary>
/// The cells' readiness, checked at most once a second whatever the number of probes: <c>/health/ready</c> is reachable
/// from outside through the web tier and is not rate-limited, and each check opens a database connection and writes an
/// object, so without this one request would buy a write to the object store. Probes that arrive while a check runs
/// share it; a result is reused for <see cref="Fresh"/> (real time, not the application's clock).
/// </summary>
internal sealed class CellReadiness(CellRegistry cells)
{
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly Lock _lock = new();
    private Task<IReadOnlyList<string>>? _check;
    private long _startedAt;

    public Task<IReadOnlyList<string>> FailingRegionsAsync()
    {
        lock (_lock)
        {
            if (_check is null || (_check.IsCompleted && Stopwatch.GetElapsedTime(_startedAt) > Fresh))
            {
                _startedAt = Stopwatch.GetTimestamp();
                _check = Task.Run(CheckAllAsync);
            }
            return _check;
        }
    }

    private async Task<IReadOnlyList<string>> CheckAllAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var failures = new List<string>();
        foreach (var cell in cells.All)
        {
            try
            {
                await cell.CheckAsync(timeout.Token);
            }
            catch (Exception e) when (e is CellUnavailableException or OperationCanceledException)
            {
                failures.Add(cell.Region);
            }
        }
        return failures;
    }
}
