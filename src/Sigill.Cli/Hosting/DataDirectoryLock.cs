using System.Globalization;
using System.Text;

namespace Sigill.Cli.Hosting;

/// <summary>
/// One serving process per data directory (<c>serve</c>, <c>api</c>, <c>demo</c>): <c>DATA/sigill.lock</c> held open
/// with <see cref="FileShare.None"/>, which .NET on Linux takes as an exclusive flock(2). The kernel lets go of it when
/// the process ends, however it ends, so a crash never leaves a stale lock and nothing has to be cleaned up. The file
/// itself stays: deleting it on release would let a third process lock a new file of that name while a second still
/// holds the old one. It holds the holder's PID for a person to read (<c>cat</c>); a refused process cannot open it
/// (the flock refuses .NET's own shared lock too) and asks the kernel who holds it instead.
/// </summary>
internal sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "sigill.lock";

    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    /// <summary>Takes the lock (creating the directory if needed) or fails with one line naming the holder's PID.</summary>
    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        var full = Path.GetFullPath(dataDirectory);
        var path = Path.Combine(full, FileName);
        FileStream file;
        try
        {
            Directory.CreateDirectory(full);
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (HolderOf(path) is { } pid)
        {
            throw new InstallationException(CliWords.F("Data.InUse", full, pid.ToString(CultureInfo.InvariantCulture)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Also a holder this process may not see (another user's): .NET's message then says the file is in use.
            throw new InstallationException(CliWords.F("Data.CannotLock", full, e.Message));
        }
        file.SetLength(0);
        file.Write(Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"));
        file.Flush(flushToDisk: true);
        return new DataDirectoryLock(file);
    }

    /// <summary>
    /// Who holds an exclusive flock on <paramref name="path"/>: /proc/locks lists the PIDs holding one ("1: FLOCK
    /// ADVISORY WRITE 4242 08:01:1234 0 EOF"), and /proc/PID/fd shows which of them has this file open.
    /// Null when that cannot be seen (another user's process).
    /// </summary>
    private static int? HolderOf(string path)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/locks"))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 5 || fields[1] != "FLOCK" || fields[3] != "WRITE" || !int.TryParse(fields[4], CultureInfo.InvariantCulture, out var pid)) continue;
                var descriptors = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd";
                if (Directory.Exists(descriptors) && Directory.EnumerateFileSystemEntries(descriptors).Any(fd => new FileInfo(fd).LinkTarget == path))
                {
                    return pid;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not ours to see: the message names no PID.
        }
        return null;
    }

    public void Dispose() => _file.Dispose();
}
