using Microsoft.Extensions.Diagnostics.HealthChecks;
using Sigill.Api.Platform.Cells;

namespace Sigill.Api.Platform.Health;

/// <summary>Ready means every cell's database answers and every cell's blob store takes a write.</summary>
internal sealed class CellsHealthCheck(CellRegistry cells) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failures = new List<string>();
        foreach (var cell in cells.All)
        {
            try
            {
                await cell.CheckAsync(cancellationToken);
            }
            catch (CellUnavailableException e)
            {
                failures.Add(e.Region);
            }
        }
        // Name the failing regions only: no hosts, paths or driver messages leave through a probe.
        return failures.Count == 0
            ? HealthCheckResult.Healthy($"{cells.Regions.Count} cells ready")
            : HealthCheckResult.Unhealthy($"cells not ready: {string.Join(", ", failures)}");
    }
}
