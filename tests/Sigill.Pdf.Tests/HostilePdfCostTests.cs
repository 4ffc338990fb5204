using System.Diagnostics;
using System.Globalization;
using Sigill.Hostile;
using Xunit.Abstractions;

namespace Sigill.Pdf.Tests;

[CollectionDefinition(nameof(HostilePdfCostTests), DisableParallelization = true)]
public sealed class HostilePdfCostCollection;

/// <summary>
/// What refusing each hostile PDF costs: wall-clock time and the managed heap's peak growth while the
/// inspector runs, sampled every millisecond on its own thread. Runs alone (no parallel tests) so the
/// heap is this inspection's. The targets: about 2 s, at most 100 MB per upload.
/// </summary>
[Collection(nameof(HostilePdfCostTests))]
public sealed class HostilePdfCostTests(ITestOutputHelper output)
{
    private const long MaxGrowth = 100L * 1024 * 1024;
    private static readonly TimeSpan MaxTime = TimeSpan.FromSeconds(2);

    [Fact]
    public void Refusing_any_hostile_pdf_takes_under_two_seconds_and_grows_the_heap_by_under_100_MB()
    {
        var rows = new List<string>();
        var failures = new List<string>();
        foreach (var hostile in HostileCorpus.Pdfs())
        {
            var payload = hostile.Payload();
            var (elapsed, growth, workingSet, outcome) = Measure(() => PdfInspector.Inspect(payload));
            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"{elapsed.TotalMilliseconds,7:0} ms {growth / 1048576.0,7:0.0} MB heap {workingSet / 1048576.0,7:0.0} MB ws {payload.Length,10} B  {hostile.Name}: {outcome}"));
            if (elapsed > MaxTime || growth > MaxGrowth) failures.Add(rows[^1]);
        }
        foreach (var row in rows) output.WriteLine(row);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Reading_a_50_MB_file_of_two_million_tiny_objects_takes_under_two_seconds()
    {
        // The most objects an upload can make Sigill read (none listed, so only the byte sweep finds them).
        var p = new PdfBytes();
        p.Object("<</Type/Catalog/Pages 2 0 R>>", 1);
        p.Object("<</Type/Pages/Kids[3 0 R]/Count 1>>", 2);
        p.Object("<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>", 3);
        var tiny = new System.Text.StringBuilder();
        for (var n = 10; n < 2_200_000; n++) tiny.Append(CultureInfo.InvariantCulture, $"{n} 0 obj 0 endobj\n");
        p.Raw(tiny.ToString());
        var pdf = p.Finish(1);
        Assert.InRange(pdf.Length, 45_000_000, 50 * 1024 * 1024);
        var (elapsed, growth, _, outcome) = Measure(() => PdfInspector.Inspect(pdf));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalMilliseconds:0} ms, {growth / 1048576.0:0.0} MB heap, {pdf.Length} B: {outcome}"));
        Assert.Equal("accepted", outcome);
        Assert.True(elapsed < MaxTime && growth < MaxGrowth, $"{elapsed.TotalMilliseconds:0} ms, {growth / 1048576.0:0.0} MB");
    }

    internal static (TimeSpan Elapsed, long HeapGrowth, long WorkingSetGrowth, string Outcome) Measure(Action inspect)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var workingSet = Environment.WorkingSet;
        long peak = baseline, peakWorkingSet = workingSet;
        using var done = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            while (!done.Wait(1))
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false));
                peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);
            }
        }) { IsBackground = true };
        sampler.Start();
        var watch = Stopwatch.StartNew();
        string outcome;
        try
        {
            inspect();
            outcome = "accepted";
        }
        catch (PdfRejectedException e)
        {
            outcome = $"{e.Code} {e.Message}";
        }
        watch.Stop();
        peak = Math.Max(peak, GC.GetTotalMemory(false));
        done.Set();
        sampler.Join();
        return (watch.Elapsed, peak - baseline, peakWorkingSet - workingSet, outcome);
    }
}
