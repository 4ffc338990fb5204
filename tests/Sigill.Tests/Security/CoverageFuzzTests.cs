using System.Diagnostics;
using Sigill.Fuzz;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Security;

/// <summary>
/// Coverage-guided fuzzing (issue 20, item 4): every harness of fuzz/Sigill.Fuzz under afl++ for a short fixed time
/// (bench/fuzz.sh runs longer), the planted harness as the self-test; and every committed seed and every input that
/// once crashed a harness, replayed on each run so a fixed bug stays fixed.
/// </summary>
public sealed class CoverageFuzzTests
{
    /// <summary>Seconds per harness in the suite; <c>SIGILL_FUZZ_SECONDS</c> gives more.</summary>
    private static readonly int Seconds = int.TryParse(Environment.GetEnvironmentVariable("SIGILL_FUZZ_SECONDS"), out var s) && s > 0 ? s : 15;

    [Fact]
    public async Task Afl_finds_no_crash_or_hang_in_any_harness_within_its_time_each_harness_gains_coverage_and_the_planted_bug_is_found()
    {
        var targets = Harnesses.Targets.Keys.Order(StringComparer.Ordinal).ToList();
        var (exitCode, lines, output) = await FuzzAsync(targets);
        foreach (var line in lines) ScanSummary.Write(line);
        // bench/fuzz.sh exits 1 on any crash or hang in a real harness, and when the planted crash is not found.
        Assert.True(exitCode == 0, output);
        Assert.Equal(targets, lines.Select(l => l.Split(':')[0]["fuzz ".Length..]).Order(StringComparer.Ordinal));
        foreach (var line in lines)
        {
            var target = line.Split(':')[0]["fuzz ".Length..];
            var count = (string what) => int.Parse(System.Text.RegularExpressions.Regex.Match(line, $@"(\d+) {what}").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (target == Harnesses.PlantedTarget)
            {
                // The self-test: afl ran the harness and reported what crashed it.
                Assert.True(count("crashes") > 0, line);
                continue;
            }
            // Coverage guidance works: every harness kept inputs that reached code its seeds did not.
            var seeds = Directory.GetFiles(Path.Combine(Repository.Root, "fuzz", "corpus", target)).Length;
            Assert.True(count("corpus entries") > seeds, $"{target}: {count("corpus entries")} corpus entries from {seeds} seeds: no new coverage was kept");
        }
    }

    private static async Task<(int ExitCode, string[] Lines, string Output)> FuzzAsync(IReadOnlyList<string> targets)
    {
        var summary = Path.Combine(Path.GetTempPath(), $"sigill-fuzz-{Guid.NewGuid():N}.txt");
        try
        {
            var psi = new ProcessStartInfo(Path.Combine(Repository.Root, "bench", "fuzz.sh"),
                ["--seconds", Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--summary", summary, "--no-build", .. targets])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root,
            };
            using var fuzz = Process.Start(psi)!;
            var stdout = fuzz.StandardOutput.ReadToEndAsync();
            var stderr = fuzz.StandardError.ReadToEndAsync();
            await fuzz.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(15));
            var lines = File.Exists(summary) ? await File.ReadAllLinesAsync(summary) : [];
            return (fuzz.ExitCode, lines, await stdout + await stderr);
        }
        finally
        {
            File.Delete(summary);
        }
    }

    public static TheoryData<string> Targets => [.. Harnesses.Targets.Keys.Where(t => t != Harnesses.PlantedTarget)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_seed_and_every_input_that_once_crashed_the_harness_now_passes_it(string target)
    {
        var harness = Harnesses.Targets[target];
        var seeds = Directory.GetFiles(Path.Combine(Repository.Root, "fuzz", "corpus", target));
        var regressions = Directory.Exists(Path.Combine(Repository.Root, "fuzz", "regressions", target))
            ? Directory.GetFiles(Path.Combine(Repository.Root, "fuzz", "regressions", target)) : [];
        Assert.NotEmpty(seeds);
        foreach (var file in seeds.Concat(regressions))
        {
            var e = Record.Exception(() => harness(File.ReadAllBytes(file)));
            Assert.True(e is null, $"{Path.GetFileName(file)}: {e}");
        }
    }

    [Fact]
    public void The_planted_harness_crashes_on_its_bug_so_a_fuzzer_that_reports_it_is_seeing_real_crashes()
    {
        Harnesses.Targets[Harnesses.PlantedTarget]("SGLA"u8.ToArray());
        Assert.Throws<InvalidOperationException>(() => Harnesses.Targets[Harnesses.PlantedTarget]("SGL!"u8.ToArray()));
    }
}
