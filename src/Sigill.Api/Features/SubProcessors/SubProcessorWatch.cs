using Microsoft.Extensions.Hosting;
using Sigill.Api.Platform.Cells;

namespace Sigill.Api.Features.SubProcessors;

/// <summary>
/// Compares the configured register with each cell's latest version at start and every <c>SubProcessors:CheckInterval</c>.
/// Every API node runs it; the version's primary key makes one of them publish a change (and queue its notices).
/// A failed check is logged and tried again at the next interval: an exception out of a background service would stop the
/// host, and since the check runs at every start, one bad cell would keep every API node down.
/// </summary>
internal sealed class SubProcessorWatch(SubProcessorRegister register, SubProcessorOptions options, CellRegistry cells, TimeProvider time, ILogger<SubProcessorWatch> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await CheckAllAsync(stoppingToken);
            try
            {
                await Task.Delay(options.CheckInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    internal async Task CheckAllAsync(CancellationToken ct)
    {
        foreach (var cell in cells.All)
        {
            try
            {
                await register.CheckAsync(cell, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                SubProcessorLog.CheckFailed(logger, cell.Region, e.GetType().Name);
            }
        }
    }
}
