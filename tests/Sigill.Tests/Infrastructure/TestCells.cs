using Sigill.Api.Platform.Cells;

namespace Sigill.Tests.Infrastructure;

/// <summary>The cells of a stopped embedded installation, opened as an API node would (for jobs driven on a fake clock).</summary>
internal static class TestCells
{
    public static CellRegistry Open(string dataDirectory, TimeProvider? time = null)
    {
        var installation = Sigill.Cli.Hosting.Installation.Open(dataDirectory);
        var options = ConfiguredOptions.Api<ApiTierOptions>(Sigill.Cli.Hosting.SigillConfiguration.ForApi(Sigill.Cli.Hosting.SigillConfiguration.Load(installation, null)), "");
        return new CellRegistry(options, time);
    }
}
