using System.Diagnostics;

namespace Sigill.Tests.Infrastructure;

/// <summary>
/// A real tmpfs of a fixed size on a fresh directory (the suite runs as root), for tests of a full disk: <see cref="FillAsync"/>
/// takes every free page with a filler file, <see cref="GrowAsync"/> is the operator making room (a remount with a
/// bigger size; the filler stays). Disposing unmounts and removes the directory (a directory given to mount on stays).
/// </summary>
internal sealed class Tmpfs : IAsyncDisposable
{
    private const int NoSpaceLeftOnDevice = 28; // ENOSPC, which .NET puts in IOException.HResult on Linux
    private readonly TempDirectory? _owned;

    private Tmpfs(string path, TempDirectory? owned) => (Path, _owned) = (path, owned);

    /// <summary>The mount point.</summary>
    public string Path { get; }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Free bytes as the file system reports them (statvfs).</summary>
    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    /// <param name="size">tmpfs's <c>size=</c> (<c>32m</c>).</param>
    /// <param name="at">An existing directory to mount on; a fresh one when null.</param>
    public static async Task<Tmpfs> MountAsync(string size, string? at = null)
    {
        var owned = at is null ? new TempDirectory() : null;
        var path = at ?? owned!.Path;
        try
        {
            await RunAsync("mount", "-t", "tmpfs", "-o", $"size={size},mode=0700", "tmpfs", path);
        }
        catch
        {
            owned?.Dispose();
            throw;
        }
        return new Tmpfs(path, owned);
    }

    /// <summary>Writes a filler file page by page until the file system answers ENOSPC: afterwards not one page is free.</summary>
    public Task FillAsync() => Task.Run(() =>
    {
        using var handle = File.OpenHandle(Combine("filler"), FileMode.CreateNew, FileAccess.Write);
        var page = new byte[4096];
        long offset = 0;
        try
        {
            for (; ; offset += page.Length)
            {
                RandomAccess.Write(handle, page, offset);
            }
        }
        catch (IOException e) when (e.HResult == NoSpaceLeftOnDevice)
        {
        }
        Assert.Equal(0, FreeBytes);
    });

    public Task GrowAsync(string size) => RunAsync("mount", "-o", $"remount,size={size}", Path);

    private static async Task RunAsync(string tool, params string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', args)} failed (the suite needs root for tmpfs mounts): {stderr}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("umount", "-l", Path);
        }
        finally
        {
            _owned?.Dispose();
        }
    }
}
