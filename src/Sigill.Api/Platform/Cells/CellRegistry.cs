using System.Diagnostics.CodeAnalysis;

namespace Sigill.Api.Platform.Cells;

/// <summary>The region cells this API deployment serves, by region name. A singleton per API host.</summary>
public sealed class CellRegistry : IDisposable
{
    private readonly Dictionary<string, Cell> _cells;

    public CellRegistry(ApiTierOptions options, TimeProvider? time = null, Microsoft.Extensions.Logging.ILoggerFactory? loggers = null)
    {
        _cells = options.Cells.ToDictionary(c => c.Key, c => new Cell(c.Key, c.Value, options.Environment, time, loggers), StringComparer.Ordinal);
    }

    public IEnumerable<Cell> All => _cells.Values.OrderBy(c => c.Region, StringComparer.Ordinal);

    public IReadOnlyCollection<string> Regions => _cells.Keys;

    public bool TryGet(string? region, [NotNullWhen(true)] out Cell? cell)
    {
        cell = null;
        return region is not null && _cells.TryGetValue(region, out cell);
    }

    public Cell Get(string region) =>
        _cells.TryGetValue(region, out var cell) ? cell : throw new KeyNotFoundException($"This deployment serves no region '{region}'.");

    public void Dispose()
    {
        foreach (var cell in _cells.Values)
        {
            cell.Dispose();
        }
    }
}
