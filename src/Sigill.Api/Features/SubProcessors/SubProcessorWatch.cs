using Microsoft.Extensions.Hosting;
using Sigill.Api.Platform.Cells;

namespace Sigill.Api.Features.SubProcessors;

/// <summary>
/// Compares the configured register with each cell's latest version at start and every <c>SubProcessors:CheckInterval</c>.
/// Every API node runs it; the version's primary key makes one of them publish a change (and queue its notices).
/// </summary>
internal sealed class SubProcessorWatch(SubProcessorRegister register, CellRegistry cells, TimeProvider time, ILogger<SubProcessorWatch> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await CheckAllAsync(stoppingToken);
            try
            {
                await Task.Delay(register.Options.CheckInterval, time, stoppingToken);
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
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or Microsoft.EntityFrameworkCore.DbUpdateException or TimeoutException or CellUnavailableException)
            {
                SubProcessorLog.CheckFailed(logger, cell.Region, e.GetType().Name);
            }
        }
    }
}
