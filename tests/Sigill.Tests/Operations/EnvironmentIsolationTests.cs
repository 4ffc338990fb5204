using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Operations;

/// <summary>
/// Isolated environments (claim 11). Already proven elsewhere: key identifiers carry the environment and a staging
/// root key cannot open production keys (Sigill.Crypto.Tests KeyProviderTests), production refuses the file keyring
/// and a public tier without TLS (Cli/CommandLineTests). Here: a development keyring and diagnostics in production.
/// </summary>
public sealed class EnvironmentIsolationTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Production_refuses_a_keyring_that_holds_development_keys()
    {
        using var directory = new TempDirectory();
        var data = directory.Combine("data");
        var development = await SigillProcess.RunAsync(Generous, "migrate", "--data", data);
        Assert.True(development.ExitCode == 0, development.Stderr);

        // The same data directory and keyring, now declared production (file keyring explicitly allowed).
        var config = directory.Combine("production.json");
        await File.WriteAllTextAsync(config, """
            { "Environment": "production", "Regions": "eu", "Cells": { "eu": { "Keys": { "AllowFileKeyringInProduction": true } } } }
            """);
        var production = await SigillProcess.RunAsync(Generous, "migrate", "--data", data, "--config", config);
        Assert.Equal(3, production.ExitCode);
        Assert.Matches(@"cell 'eu' cannot open its key provider: the key provider holds keys of another environment \(development/eu/[a-z]+/[^)]+\): production refuses a keyring that is not its own", production.Stderr);
    }

    [Fact]
    public async Task Production_refuses_diagnostics()
    {
        using var directory = new TempDirectory();
        var config = directory.Combine("sigill.json");
        await File.WriteAllTextAsync(config, """{ "Environment": "production", "Diagnostics": { "Enabled": true } }""");
        var serve = await SigillProcess.RunAsync(Generous, "serve", "--data", directory.Combine("data"), "--config", config, "--port", "0");
        Assert.Equal(2, serve.ExitCode);
        Assert.Contains("Diagnostics:Enabled must be false in production", serve.Stderr, StringComparison.Ordinal);

    }
}
