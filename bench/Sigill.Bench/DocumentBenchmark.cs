using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Sigill.Api;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Features.Organizations;
using Sigill.Pdf;

namespace Sigill.Bench;

/// <summary>
/// Documents created and sent per second on PostgreSQL, through the real API tier over loopback HTTP: each
/// document is an upload of a one-page PDF (inspected, encrypted, stored), one recipient and a send (state
/// change, link, audit events, expiry job, e-mail to the outbox) — three requests. Run with 8 clients in
/// parallel after a warm-up. Baseline in the same run: authenticated reads of the current organization
/// (the same HTTP, authentication and database path with no document work), per second.
/// </summary>
public static class DocumentBenchmark
{
    private const int Documents = 400;
    private const int WarmUp = 20;
    private const int Clients = 8;

    public static async Task<int> RunAsync(TextWriter output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (Environment.GetEnvironmentVariable("SIGILL_TEST_POSTGRES") is not { Length: > 0 } admin)
        {
            output.WriteLine("documents: needs PostgreSQL; set SIGILL_TEST_POSTGRES to an admin connection string (./test.sh starts one)");
            return 2;
        }
        var ci = CultureInfo.InvariantCulture;
        var name = "bench_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(ct);
#pragma warning disable CA2100 // the database name is a fresh GUID, never input (CREATE DATABASE takes no parameters)
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
#pragma warning restore CA2100
            await command.ExecuteNonQueryAsync(ct);
        }
        var directory = Directory.CreateTempSubdirectory("sigill-bench-documents-");
        try
        {
            var master = Path.Combine(directory.FullName, "master.key");
            await File.WriteAllTextAsync(master, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), ct);
            File.SetUnixFileMode(master, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var credential = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ServiceCredential"] = credential,
                ["SetupTokenFile"] = Path.Combine(directory.FullName, "setup-token"),
                ["Cells:eu:Database:Provider"] = "postgres",
                ["Cells:eu:Database:ConnectionString"] = new NpgsqlConnectionStringBuilder(admin) { Database = name, MaxPoolSize = 50 }.ConnectionString,
                ["Cells:eu:Blobs:Provider"] = "filesystem",
                ["Cells:eu:Blobs:Path"] = Path.Combine(directory.FullName, "blobs"),
                ["Cells:eu:Keys:KeyringDirectory"] = Path.Combine(directory.FullName, "keys"),
                ["Cells:eu:Keys:MasterKeyFile"] = master,
                ["Mail:Outbox:eu"] = Path.Combine(directory.FullName, "outbox"),
                ["Jobs:RunWorker"] = "false",
            }).Build();
            await using var app = ApiHost.Build(configuration, "http://127.0.0.1:0");
            var cell = app.Services.GetRequiredService<CellRegistry>().Get("eu");
            await cell.MigrateAsync(ct);
            await app.StartAsync(ct);
            var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var (_, _, token) = await OrganizationFactory.CreateAsync(cell, "Bench AB", "bench", TimeProvider.System, ct);
            using var client = new HttpClient { BaseAddress = new Uri(url) };
            client.DefaultRequestHeaders.Add(Sigill.Api.Platform.Security.ServiceCredential.HeaderName, credential);
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var pdf = DocumentRenderer.Render(new DocumentModel("Quote", [new Paragraph("A one-page quote for the benchmark.")])).Bytes;

            for (var i = 0; i < WarmUp; i++) await CreateAndSendAsync(client, pdf, i, ct);
            var (docsPerSecond, p50) = await RunParallelAsync(Documents, i => CreateAndSendAsync(client, pdf, i, ct));
            var (readsPerSecond, readP50) = await RunParallelAsync(Documents * 3, async _ =>
            {
                using var r = await client.GetAsync(new Uri("/api/v1/organizations/current", UriKind.Relative), ct);
                r.EnsureSuccessStatusCode();
            });
            output.WriteLine(string.Create(ci, $"documents: PostgreSQL, {Documents} documents, {Clients} clients, {Environment.ProcessorCount} cores"));
            output.WriteLine(string.Create(ci, $"  created and sent:  {docsPerSecond,8:0.0} documents/s  p50 {p50,6:0.0} ms per document (upload + recipient + send)"));
            output.WriteLine(string.Create(ci, $"  baseline reads:    {readsPerSecond,8:0.0} requests/s   p50 {readP50,6:0.0} ms (GET organizations/current)"));
            output.WriteLine(string.Create(ci, $"  requests/s while creating: {docsPerSecond * 3:0.0} = {docsPerSecond * 3 / readsPerSecond:0.00} x the read baseline"));
            await app.StopAsync(ct);
            return 0;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            directory.Delete(recursive: true);
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
        using var sent = await client.PostAsJsonAsync(new Uri($"/api/v1/documents/{id}/send", UriKind.Relative), new { remindEveryDays = 3 }, ct);
        sent.EnsureSuccessStatusCode();
    }

    /// <summary>Runs <paramref name="count"/> operations on <see cref="Clients"/> parallel clients; returns operations/s and the median latency in ms.</summary>
    private static async Task<(double PerSecond, double MedianMs)> RunParallelAsync(int count, Func<int, Task> operation)
    {
        var next = -1;
        var latencies = new double[count];
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
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
