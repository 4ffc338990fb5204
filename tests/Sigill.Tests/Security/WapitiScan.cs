using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Sigill.Tests.Security;

/// <summary>
/// Debian's wapiti crawling the web tier with a signed-in session (issue 20, item 2) and attacking every page and form
/// it finds. The forms that would end the session (sign out, revoke sessions, change the password) are left out, or
/// the rest of the crawl would run signed out. A finding is any vulnerability or anomaly (a 5xx) in its report.
/// </summary>
internal static class WapitiScan
{
    /// <summary>
    /// The attack modules: wapiti's defaults without <c>ssrf</c> (it needs wapiti's endpoint on the internet), with
    /// <c>crlf</c> and <c>csrf</c> added. <c>http_headers</c> and <c>cookieflags</c> are left to the edge tests: over
    /// the plain HTTP of a test server they would report the HSTS header and Secure-only cookies nginx adds at TLS.
    /// </summary>
    public static readonly string[] Modules = ["sql", "blindsql", "xss", "permanentxss", "exec", "file", "redirect", "crlf", "csrf", "csp"];

    private static readonly string[] SessionEnders = ["/account?handler=SignOut", "/account?handler=RevokeAll", "/account?handler=RevokeSession", "/account?handler=Password"];

    /// <summary>
    /// Runs Debian's wapiti 3.0.4 with one fix: its exclusions (<c>-x</c>) compile to a regular expression with its
    /// flags at the end, which Python 3.11 refuses; the launcher puts them at the start.
    /// </summary>
    private const string Launcher = """
        import re, sys
        import wapitiCore.net.crawler as crawler
        crawler.wildcard_translate = lambda p: re.compile("(?ms)" + "".join(".*" if c == "*" else re.escape(c) for c in p) + r"\Z")
        from wapitiCore.main.wapiti import wapiti_main
        sys.argv[0] = "wapiti"
        sys.exit(wapiti_main())
        """;

    public sealed record Report(int Urls, int Modules, IReadOnlyList<string> Findings);

    public static async Task<Report> RunAsync(Uri webUrl, string sessionCookie, IReadOnlyList<string> extraStarts, TimeSpan timeBox)
    {
        var folder = Directory.CreateTempSubdirectory("sigill-wapiti-").FullName;
        try
        {
            var reportFile = Path.Combine(folder, "report.json");
            var python = File.ReadLines("/usr/bin/wapiti").First()[2..].Trim(); // Debian's python, which has wapitiCore (another python3 may come first on PATH)
            var psi = new ProcessStartInfo(python)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
                Environment = { ["HOME"] = folder }, // wapiti keeps its crawl session and settings there
            };
            List<string> arguments =
            [
                "-c", Launcher, "-u", webUrl.AbsoluteUri, "--scope", "folder", "-H", $"Cookie: sigill-session={sessionCookie}",
                "-m", string.Join(",", Modules), "-f", "json", "-o", reportFile, "--flush-session", "--no-bugreport", "-v", "1",
                "--max-scan-time", ((int)timeBox.TotalSeconds).ToString(CultureInfo.InvariantCulture), "--max-attack-time", "60", "-t", "10",
            ];
            foreach (var start in extraStarts) arguments.AddRange(["-s", new Uri(webUrl, start).AbsoluteUri]);
            foreach (var ender in SessionEnders) arguments.AddRange(["-x", new Uri(webUrl, ender).AbsoluteUri]);
            foreach (var a in arguments) psi.ArgumentList.Add(a);
            using var wapiti = Process.Start(psi)!;
            wapiti.StandardInput.Close();
            var stdout = wapiti.StandardOutput.ReadToEndAsync();
            var stderr = wapiti.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(timeBox + TimeSpan.FromMinutes(2));
            try
            {
                await wapiti.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                wapiti.Kill(entireProcessTree: true);
                await wapiti.WaitForExitAsync();
            }
            var output = await stdout + await stderr;
            if (!File.Exists(reportFile)) throw new InvalidOperationException("wapiti wrote no report:\n" + output);
            using var report = JsonDocument.Parse(await File.ReadAllTextAsync(reportFile));
            var findings = new List<string>();
            foreach (var section in new[] { "vulnerabilities", "anomalies" })
            {
                foreach (var kind in report.RootElement.GetProperty(section).EnumerateObject())
                {
                    foreach (var item in kind.Value.EnumerateArray())
                    {
                        findings.Add($"{kind.Name}: {item.GetProperty("method").GetString()} {item.GetProperty("path").GetString()} " +
                            $"[{item.GetProperty("parameter").GetString()}] {item.GetProperty("info").GetString()}");
                    }
                }
            }
            var found = System.Text.RegularExpressions.Regex.Match(output, @"Wapiti found (\d+) URLs and forms");
            var urls = found.Success ? int.Parse(found.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            return new Report(urls, Modules.Length, findings);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
