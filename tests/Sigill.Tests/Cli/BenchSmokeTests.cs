using Sigill.Cli.Commands;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Cli;

/// <summary>
/// Every <c>sigill bench</c> verb runs in its smoke mode through the built CLI, so a benchmark that no longer starts
/// (a setting it does not supply, a renamed variable) fails the suite instead of rotting until someone measures.
/// </summary>
public sealed class BenchSmokeTests
{
    /// <summary>Each verb and lines its table must print: the figures, not just a header.</summary>
    private static readonly Dictionary<string, string[]> Figures = new()
    {
        ["crypto"] = ["| encrypt 1 MiB (median of 1x3)", "| decrypt 4 MiB streamed (1)", "rewrap: 1,000 data keys in", "result: smoke run"],
        ["pdf"] = ["PDF: seal a 10-page", "   10 pages (", "PDF: complete 10 pages, 3 signers, 20 fields + certificate + seal: p50", "every signature valid"],
        ["documents"] = ["documents: PostgreSQL, 8 documents, 2 clients", "created and sent:", "baseline reads:"],
        ["bulk"] = ["bulk: PostgreSQL, job worker in the API process", "    40 rows:", "    80 rows:", "documents/s created and sent", "baseline, one by one through the API", "bulk / baseline:"],
        ["audit"] = ["sqlite: append (sequence + seal + checkpoint)", "postgres: append (sequence + seal + checkpoint)", "postgres: inclusion proof at size 500", "verification ok"],
        ["backup"] = ["Data set: 60 encrypted objects", "sigill (ZLib fastest)", "backup s", "smoke run: goal not judged"],
        ["hostile"] = ["an ordinary upload after the corpus: 201 PASS"],
        ["load"] = ["embedded: SQLite + files", "PostgreSQL + S3", "GET document", "vs health", "download sealed PDF", "completed and sealed docs/s", "smoke run: goals not judged"],
        ["transparency"] = ["transparency: 10,000 leaves", "full verification (commitment + leaf + root):", "inclusion proof generate+verify over 1,000 random leaves", "smoke run, budgets not judged"],
    };

    public static TheoryData<string> Verbs() => [.. Figures.Keys];

    [Theory]
    [MemberData(nameof(Verbs))]
    public async Task Sigill_bench_verb_in_smoke_mode_exits_0_within_seconds_and_prints_its_figures(string verb)
    {
        // PostgreSQL benchmarks read SIGILL_BENCH_POSTGRES, the load benchmark SIGILL_BENCH_S3: the suite passes its throwaway servers.
        var environment = new Dictionary<string, string>
        {
            [BenchCommand.PostgresVariable] = TestServices.PostgresAdmin,
            [BenchCommand.S3Variable] = TestServices.S3Url.Replace("http://", "http://S3RVER:S3RVER@", StringComparison.Ordinal),
        };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await using var run = await SigillProcess.RunAsync(TimeSpan.FromMinutes(3), environment, "bench", verb, "--smoke");
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");
        foreach (var figure in Figures[verb])
        {
            Assert.True(run.Stdout.Contains(figure, StringComparison.Ordinal), $"no '{figure}' in:\n{run.Stdout}");
        }
        Assert.DoesNotContain("skipped", run.Stdout, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(90), $"a smoke run took {watch.Elapsed.TotalSeconds:F0} s");
    }

    [Fact]
    public void Every_bench_verb_has_a_smoke_run_in_the_suite()
    {
        var verbs = BenchCommand.Create().Subcommands.Select(c => c.Name).Order(StringComparer.Ordinal);
        Assert.Equal(verbs, Figures.Keys.Order(StringComparer.Ordinal));
        Assert.All(BenchCommand.Create().Subcommands, c => Assert.Contains(c.Options, o => o.Name == "--smoke"));
    }

    [Fact]
    public async Task Sigill_bench_documents_without_PostgreSQL_says_so_in_one_line()
    {
        await using var run = await SigillProcess.RunAsync(TimeSpan.FromMinutes(1), "bench", "documents");
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("documents: skipped, needs PostgreSQL", run.Stdout, StringComparison.Ordinal);
        Assert.Contains(BenchCommand.PostgresVariable, run.Stdout, StringComparison.Ordinal);
        Assert.Single(run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
