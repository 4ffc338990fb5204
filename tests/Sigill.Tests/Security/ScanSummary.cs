namespace Sigill.Tests.Security;

/// <summary>
/// One line per scanner (targets, requests or checks, findings) for test.sh to print after the suite: xunit keeps a
/// test's console output to itself, so the lines go to the file test.sh names in SIGILL_TEST_SUMMARY.
/// </summary>
internal static class ScanSummary
{
    private static readonly Lock Gate = new();

    public static void Write(string line)
    {
        var file = Environment.GetEnvironmentVariable("SIGILL_TEST_SUMMARY");
        if (string.IsNullOrEmpty(file)) return;
        lock (Gate)
        {
            File.AppendAllText(file, line + "\n");
        }
    }
}
