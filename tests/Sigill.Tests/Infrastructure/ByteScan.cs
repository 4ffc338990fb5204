using System.Text;

namespace Sigill.Tests.Infrastructure;

/// <summary>Finds files under a folder whose raw bytes contain a marker (UTF-8 or UTF-16LE).</summary>
internal static class ByteScan
{
    public static IReadOnlyList<string> FilesContaining(string folder, string marker)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }
        var needles = new[] { Encoding.UTF8.GetBytes(marker), Encoding.Unicode.GetBytes(marker) };
        return [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Read(f) is { } bytes && needles.Any(n => bytes.AsSpan().IndexOf(n) >= 0))];
    }

    // A file deleted between listing and reading stores nothing any more: SQLite removes its "-shm" and "-wal" files
    // when the last connection closes. A file being written atomically (".name.tmp", renamed when complete) may be
    // open or gone: its final name is what counts. The data directory's lock holds only the serving process's PID,
    // and while it is held its flock refuses .NET's own (shared) lock on every reader. Any other file that cannot be
    // read fails the scan.
    private static byte[]? Read(string file)
    {
        try
        {
            return File.ReadAllBytes(file);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (IOException) when (Path.GetFileName(file) is ['.', ..] name && name.EndsWith(".tmp", StringComparison.Ordinal))
        {
            return null;
        }
        catch (IOException) when (Path.GetFileName(file) == Sigill.Cli.Hosting.DataDirectoryLock.FileName)
        {
            return null;
        }
    }
}
