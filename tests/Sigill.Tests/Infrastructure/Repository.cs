namespace Sigill.Tests.Infrastructure;

/// <summary>The repository the tests run from (for tests of files it ships: deploy examples, vendored assets).</summary>
internal static class Repository
{
    /// <summary>The folder holding <c>Sigill.slnx</c>, found upward from the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sigill.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("repository root not found");
    }
}
