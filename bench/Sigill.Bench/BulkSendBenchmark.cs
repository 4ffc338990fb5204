using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Sigill.Api.Platform.Cells;

namespace Sigill.Bench;

/// <summary>
/// Bulk send on PostgreSQL through the real API tier and its job worker: a CSV of N rows (a template with two variables,
/// one signer per row) is uploaded to <c>POST /api/v1/bulk-sends</c> and the worker turns it into N sent documents (each
/// rendered, encrypted, stored, its recipient and signature field placed, sent with its e-mail queued). Figures: documents
/// created and sent per second from the upload to <c>completed</c>, the time the mail queue then needs to hand every
/// invitation to the outbox, and the peak managed heap while it runs, at 1,000 and at N rows (flat memory: the ratio stays
/// near 1). Baseline in the same run: the same documents made one by one through the API (upload from template,
/// recipient, field, send: four requests) by 4 clients. Both are measured warm, as on a server that has been up a while:
/// rounds of 300 rows first, until the JIT has compiled what a bulk send runs (each round's rate is reported).
/// Smoke: one warm-up round of 20 rows, 40 and 80 rows, 20 baseline documents.
/// </summary>
public static class BulkSendBenchmark
{
    public static async Task<int> RunAsync(TextWriter output, string? postgres, int rows, bool smoke, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (postgres is not { Length: > 0 } admin)
        {
            output.WriteLine("bulk: skipped, needs PostgreSQL (pass --postgres or set SIGILL_BENCH_POSTGRES; bench/with-postgres.sh starts one)");
            return smoke ? 0 : 2;
        }
        var ci = CultureInfo.InvariantCulture;
        var (small, large, baselineDocs) = smoke ? (40, 80, 20) : (1000, rows, 200);
        await using var host = await BenchApiHost.StartAsync(admin, new Dictionary<string, string?> { ["Jobs:PollInterval"] = "00:00:00.050" }, ct);
        {
            var (client, cell) = (host.Client, host.Cell);
            using var template = await client.PostAsJsonAsync(new Uri("/api/v1/templates", UriKind.Relative),
                new { name = "Offer", body = "# Offer for {{ customer }}\nAmount due: {{ amount }} EUR. Sign below to accept.", variables = new[] { "customer", "amount" } }, ct);
            template.EnsureSuccessStatusCode();
            var templateId = (await template.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;

            // Warm-up, as on a server that has been up a while: rounds of rows until the JIT has compiled (and recompiled
            // optimized) what a bulk send runs. A fresh process spends a core's worth of time on that for tens of seconds.
            var warmups = new List<Run>();
            var (warmRows, maxRounds) = smoke ? (20, 1) : (300, 10);
            do warmups.Add(await BulkAsync(client, cell, templateId, warmRows, warmups.Count * warmRows, ct));
            while (warmups.Count < maxRounds && warmups[^1].JitCompiled > WarmJitCompiled);
            var first = await BulkAsync(client, cell, templateId, small, 100_000, ct);
            var second = await BulkAsync(client, cell, templateId, large, 200_000, ct);
            await BaselineAsync(client, templateId, smoke ? 4 : 40, ct); // its own warm-up
            var baseline = await BaselineAsync(client, templateId, baselineDocs, ct);

            output.WriteLine(string.Create(ci, $"bulk: PostgreSQL, job worker in the API process, {Environment.ProcessorCount} cores"));
            output.WriteLine(string.Create(ci,
                $"  warm-up: {warmups.Count} x {warmRows} rows (until a round makes the JIT compile at most {WarmJitCompiled} methods, at most {maxRounds} rounds): {string.Join(", ", warmups.Select(w => $"{w.Rows / w.Seconds:0.0} documents/s ({w.JitCompiled} compiled)"))}"));
            foreach (var run in new[] { first, second })
            {
                output.WriteLine(string.Create(ci,
                    $"  {run.Rows,6} rows: {run.Rows / run.Seconds,7:0.0} documents/s created and sent ({run.Seconds:0.0} s, {run.CpuMsPerDocument:0.0} ms of this process's CPU each, {run.JitCompiled} methods compiled), e-mails out {run.MailSeconds:0.0} s later; peak managed heap {run.PeakHeap / 1e6:0.0} MB"));
            }
            output.WriteLine(string.Create(ci, $"  baseline, one by one through the API (4 requests each, 4 clients): {baseline.PerSecond:0.0} documents/s ({baseline.CpuMsPerDocument:0.0} ms of this process's CPU each)"));
            output.WriteLine(string.Create(ci, $"  bulk / baseline: {second.Rows / second.Seconds / baseline.PerSecond:0.00} x documents/s, {baseline.CpuMsPerDocument / second.CpuMsPerDocument:0.00} x less CPU per document; peak heap {large} rows / {small} rows: {second.PeakHeap / (double)first.PeakHeap:0.00} x (flat is ~1)"));
            return 0;
        }
    }

    private sealed record Run(int Rows, double Seconds, double MailSeconds, long PeakHeap, double CpuMsPerDocument, long JitCompiled);

    /// <summary>Warm when one warm-up round makes the JIT compile no more than this many methods (a cold round: thousands).</summary>
    private const int WarmJitCompiled = 150;

    /// <summary>This process's processor time (every thread: the API, its job worker and the benchmark's client; not PostgreSQL's): a figure a busy machine disturbs less than wall time.</summary>
    private static TimeSpan ProcessorTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static async Task<Run> BulkAsync(HttpClient client, Cell cell, string templateId, int rows, int offset, CancellationToken ct)
    {
        var csv = new StringBuilder("name,email,customer,amount\r\n");
        for (var i = 0; i < rows; i++) csv.Append(CultureInfo.InvariantCulture, $"Signer {offset + i},signer{offset + i}@example.test,Customer {offset + i},{100 + i}\r\n");
        GC.Collect();
        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false));
                try { await Task.Delay(20, sampling.Token); } catch (OperationCanceledException) { break; }
            }
        }, CancellationToken.None);
        var cpu = ProcessorTime();
        var jit = System.Runtime.JitInfo.GetCompiledMethodCount();
        var watch = Stopwatch.StartNew();
        using var form = new MultipartFormDataContent { { new StringContent(templateId), "templateId" } };
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv.ToString()));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "rows.csv");
        using var created = await client.PostAsync(new Uri("/api/v1/bulk-sends", UriKind.Relative), form, ct);
        created.EnsureSuccessStatusCode();
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString();
        JsonElement view;
        do
        {
            await Task.Delay(100, ct);
            view = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/bulk-sends/{id}", UriKind.Relative), ct);
        }
        while (view.GetProperty("status").GetString() is "queued" or "running");
        var seconds = watch.Elapsed.TotalSeconds;
        var cpuMs = (ProcessorTime() - cpu).TotalMilliseconds / rows;
        if (view.GetProperty("sent").GetInt32() != rows) throw new InvalidOperationException($"bulk send ended {view}");
        // The invitations go through the mail queue after the documents: wait until it is empty.
        var mailWatch = Stopwatch.StartNew();
        while (await MailWaitingAsync(cell, ct))
        {
            await Task.Delay(100, ct);
        }
        await sampling.CancelAsync();
        await sampler;
        return new Run(rows, seconds, mailWatch.Elapsed.TotalSeconds, peak, cpuMs, System.Runtime.JitInfo.GetCompiledMethodCount() - jit);
    }

    private static async Task<bool> MailWaitingAsync(Cell cell, CancellationToken ct)
    {
        await using var db = cell.CreateDbContext();
        return await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AnyAsync(db.Set<Sigill.Api.Platform.Jobs.JobRow>(),
            j => j.Kind == "mail.send" && (j.State == Sigill.Api.Platform.Jobs.JobState.Queued || j.State == Sigill.Api.Platform.Jobs.JobState.Running), ct);
    }

    private static async Task<(double PerSecond, double CpuMsPerDocument)> BaselineAsync(HttpClient client, string templateId, int documents, CancellationToken ct)
    {
        var next = -1;
        var cpu = ProcessorTime();
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < documents)
            {
                using var doc = await client.PostAsJsonAsync(new Uri("/api/v1/documents/from-template", UriKind.Relative),
                    new { templateId, title = "Offer", variables = new Dictionary<string, string> { ["customer"] = $"Customer {i}", ["amount"] = "100" } }, ct);
                doc.EnsureSuccessStatusCode();
                var id = (await doc.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString();
                using var recipient = await client.PostAsJsonAsync(new Uri($"/api/v1/documents/{id}/recipients", UriKind.Relative),
                    new { name = "Signer", email = string.Create(CultureInfo.InvariantCulture, $"base{i}@example.test") }, ct);
                recipient.EnsureSuccessStatusCode();
                var recipientId = (await recipient.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString();
                using var field = await client.PostAsJsonAsync(new Uri($"/api/v1/documents/{id}/fields", UriKind.Relative),
                    new { recipientId, kind = "signature", page = 1, x = 60, y = 600, width = 200, height = 50 }, ct);
                field.EnsureSuccessStatusCode();
                using var sent = await client.PostAsJsonAsync(new Uri($"/api/v1/documents/{id}/send", UriKind.Relative), new { }, ct);
                sent.EnsureSuccessStatusCode();
            }
        }, ct)));
        return (documents / watch.Elapsed.TotalSeconds, (ProcessorTime() - cpu).TotalMilliseconds / documents);
    }
}
