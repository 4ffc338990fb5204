using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Sigill.Pdf;

namespace Sigill.Bench;

/// <summary>
/// Documents created and sent per second on PostgreSQL, through the real API tier over loopback HTTP: each
/// document is an upload of a one-page PDF (inspected, encrypted, stored), one recipient and a send (state
/// change, link, audit events, expiry job, e-mail to the outbox) — three requests. Run with 8 clients in
/// parallel after a warm-up. Baseline in the same run: authenticated reads of the current organization
/// (the same HTTP, authentication and database path with no document work), per second.
/// With <c>smoke</c> the same path runs with 8 documents on 2 clients; without PostgreSQL it says so and returns 0
/// (the test suite always passes its server, and asserts the figures were printed).
/// </summary>
public static class DocumentBenchmark
{
    /// <param name="output">Where the figures go.</param>
    /// <param name="postgres">A PostgreSQL connection string allowed to create a database (<c>SIGILL_BENCH_POSTGRES</c> by default).</param>
    /// <param name="smoke">A seconds-long run of the same path.</param>
    /// <param name="ct">Cancellation.</param>
    public static async Task<int> RunAsync(TextWriter output, string? postgres, bool smoke, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        var (documents, warmUp, clients) = smoke ? (8, 2, 2) : (400, 20, 8);
        if (postgres is not { Length: > 0 } admin)
        {
            output.WriteLine("documents: skipped, needs PostgreSQL (pass --postgres or set SIGILL_BENCH_POSTGRES to a connection string that may create databases; bench/with-postgres.sh starts one)");
            return smoke ? 0 : 2;
        }
        var ci = CultureInfo.InvariantCulture;
        await using var host = await BenchApiHost.StartAsync(admin, new Dictionary<string, string?> { ["Jobs:RunWorker"] = "false" }, ct);
        {
            var client = host.Client;
            var pdf = DocumentRenderer.Render(new DocumentModel("Quote", [new Paragraph("A one-page quote for the benchmark.")])).Bytes;

            for (var i = 0; i < warmUp; i++) await CreateAndSendAsync(client, pdf, i, ct);
            var (docsPerSecond, p50) = await RunParallelAsync(documents, clients, i => CreateAndSendAsync(client, pdf, i, ct));
            var (readsPerSecond, readP50) = await RunParallelAsync(documents * 3, clients, async _ =>
            {
                using var r = await client.GetAsync(new Uri("/api/v1/organizations/current", UriKind.Relative), ct);
                r.EnsureSuccessStatusCode();
            });
            output.WriteLine(string.Create(ci, $"documents: PostgreSQL, {documents} documents, {clients} clients, {Environment.ProcessorCount} cores"));
            output.WriteLine(string.Create(ci, $"  created and sent:  {docsPerSecond,8:0.0} documents/s  p50 {p50,6:0.0} ms per document (upload + recipient + send)"));
            output.WriteLine(string.Create(ci, $"  baseline reads:    {readsPerSecond,8:0.0} requests/s   p50 {readP50,6:0.0} ms (GET organizations/current)"));
            output.WriteLine(string.Create(ci, $"  requests/s while creating: {docsPerSecond * 3:0.0} = {docsPerSecond * 3 / readsPerSecond:0.00} x the read baseline"));
            return 0;
        }
    }

    private static async Task CreateAndSendAsync(HttpClient client, byte[] pdf, int i, CancellationToken ct)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(string.Create(CultureInfo.InvariantCulture, $"Quote {i}")), "title");
        var file = new ByteArrayContent(pdf);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        form.Add(file, "file", "quote.pdf");
        using var created = await client.PostAsync(new Uri("/api/v1/documents", UriKind.Relative), form, ct);
        created.EnsureSuccessStatusCode();
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString();
        using var recipient = await client.PostAsJsonAsync(new Uri($"/api/v1/documents/{id}/recipients", UriKind.Relative),
            new { name = "Signer", email = string.Create(CultureInfo.InvariantCulture, $"signer{i}@example.test") }, ct);
        recipient.EnsureSuccessStatusCode();
        var recipientId = (await recipient.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString();
        using var field = await client.PostAsJsonAsync(new Uri($"/api/v1/documents/{id}/fields", UriKind.Relative),
            new { recipientId, kind = "signature", page = 1, x = 60, y = 600, width = 220, height = 40, required = true }, ct);
        field.EnsureSuccessStatusCode();
        using var sent = await client.PostAsJsonAsync(new Uri($"/api/v1/documents/{id}/send", UriKind.Relative), new { remindEveryDays = 3 }, ct);
        sent.EnsureSuccessStatusCode();
    }

    /// <summary>Runs <paramref name="count"/> operations on <paramref name="clients"/> parallel clients; returns operations/s and the median latency in ms.</summary>
    private static async Task<(double PerSecond, double MedianMs)> RunParallelAsync(int count, int clients, Func<int, Task> operation)
    {
        var next = -1;
        var latencies = new double[count];
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var watch = Stopwatch.StartNew();
                await operation(i);
                latencies[i] = watch.Elapsed.TotalMilliseconds;
            }
        })));
        total.Stop();
        Array.Sort(latencies);
        return (count / total.Elapsed.TotalSeconds, latencies[count / 2]);
    }
}
