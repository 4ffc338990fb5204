using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Languages;

/// <summary>Without ICU's culture data Sigill would write English dates into Swedish e-mails: it refuses to start instead.</summary>
public sealed class IcuStartTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task Serve_with_ICU_switched_off_stops_with_one_line_naming_libicu_instead_of_running_invariant()
    {
        var serve = await SigillProcess.RunAsync(TimeSpan.FromSeconds(90), new Dictionary<string, string> { ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1" },
            "serve", "--data", _directory.Combine("data"), "--port", "0");
        Assert.NotEqual(0, serve.ExitCode);
        Assert.Contains("ICU culture data is missing (install libicu", serve.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Dispose();
}
