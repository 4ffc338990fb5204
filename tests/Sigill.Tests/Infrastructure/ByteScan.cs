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
            .Where(f => { var bytes = File.ReadAllBytes(f); return needles.Any(n => bytes.AsSpan().IndexOf(n) >= 0); })];
    }
}
