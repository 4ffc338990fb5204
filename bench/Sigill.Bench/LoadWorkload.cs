using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sigill.Pdf;

namespace Sigill.Bench;

/// <summary>Latencies per operation of one load phase, and its failed requests.</summary>
public sealed class LoadStats
{
    private readonly ConcurrentDictionary<string, ConcurrentBag<double>> _latencies = new(StringComparer.Ordinal);
    public int Failures;

    public string? FirstFailure { get; set; }

    public TimeSpan Elapsed { get; set; }

    public void Add(string operation, double milliseconds) => _latencies.GetOrAdd(operation, _ => []).Add(milliseconds);

    public bool Has(string operation) => _latencies.ContainsKey(operation);

    public LoadRow Row(string operation)
    {
        var sorted = _latencies.TryGetValue(operation, out var bag) ? bag.Order().ToArray() : [];
        double At(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new LoadRow(operation, sorted.Length / Elapsed.TotalSeconds, At(0.50), At(0.99));
    }
}

/// <summary>One operation's throughput and latency percentiles.</summary>
public readonly record struct LoadRow(string Name, double PerSecond, double P50, double P99);

/// <summary>A request of the workload that did not get the answer the flow needs.</summary>
public sealed class LoadException(string message) : Exception(message);

/// <summary>
/// One organization on a Sigill server, driven over HTTP through its web tier: the document flow (create, two signers
/// and ten fields, send, each signer's link from the outbox, view, consent, sign, completion through the queue, the
/// sealed PDF), each request timed. <see cref="Acknowledged"/> hears of every step the server acknowledged, which is what
/// the kill -9 fault test holds the server to.
/// </summary>
public sealed class LoadWorkload(HttpClient client, string outbox)
{
    public static readonly string[] FlowOperations =
        ["create from template", "upload", "add recipient", "add field", "send", "open signing link", "view PDF", "consent", "sign", "complete and seal", "download sealed PDF"];

    private static readonly byte[] UploadPdf = DocumentRenderer.Render(new DocumentModel("Load quote", [new Heading("Quote"), new Paragraph("A one-page quote for the load benchmark.")])).Bytes;
    private static readonly string[] FieldKinds = ["signature", "initials", "text", "date", "checkbox"];
    private readonly OutboxLinks _invitations = new(outbox);
    private string _templateId = "";
    private int _documents;

    public ConcurrentQueue<string> Completed { get; } = new();

    /// <summary>Hears (document id, step) for each step the server acknowledged: created, sent, signed, completed.</summary>
    public Action<string, string>? Acknowledged { get; init; }

    public async Task SetUpAsync(string setupToken, CancellationToken ct)
    {
        await SetUpOrganizationAsync(client, setupToken, "Load Bench AB", ct);
        var template = await PostAsync(null, "", "/api/v1/templates", new
        {
            name = "Load quote",
            body = "# Quote for {{ customer }}\n\nThe services below are offered to {{ customer }} for {{ months }} months.\n\n{% for i in (1..8) %}- Service line {{ i }}\n{% endfor %}",
            variables = new[] { "customer", "months" },
        }, ct);
        _templateId = template.GetProperty("id").GetString()!;
    }

    /// <summary>
    /// Sets up a fresh installation through its setup link: the organization in region eu and its owner (a random
    /// password); the client then carries the owner's API token.
    /// </summary>
    public static async Task SetUpOrganizationAsync(HttpClient client, string setupToken, string organizationName, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.PostAsJsonAsync("/api/v1/setup", new
        {
            setupToken,
            organizationName,
            region = "eu",
            name = "Bench Owner",
            email = "owner@bench.invalid",
            password = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(18)),
        }, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw new LoadException($"POST /api/v1/setup answered {(int)response.StatusCode}: {text}");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", JsonDocument.Parse(text).RootElement.GetProperty("apiToken").GetString());
    }

    public async Task GetAsync(LoadStats stats, string name, string path, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode) throw new LoadException($"GET {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        await response.Content.CopyToAsync(Stream.Null, ct);
        stats.Add(name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>One document from creation to the sealed PDF in the sender's hands.</summary>
    public async Task FlowAsync(LoadStats stats, CancellationToken ct)
    {
        var n = Interlocked.Increment(ref _documents);
        var created = n % 2 == 0
            ? await PostAsync(stats, "create from template", "/api/v1/documents/from-template",
                new { templateId = _templateId, title = $"Quote {n}", variables = new Dictionary<string, string> { ["customer"] = $"Customer {n} AB", ["months"] = "12" } }, ct)
            : await UploadAsync(stats, n, ct);
        var id = created.GetProperty("id").GetString()!;
        Acknowledged?.Invoke(id, "created");
        var signers = new List<(string Email, string RecipientId, List<string> Fields)>();
        for (var s = 1; s <= 2; s++)
        {
            var email = $"d{n}-s{s}-{Guid.NewGuid().ToString("N")[..8]}@load.invalid";
            _invitations.Expect(email);
            var recipient = await PostAsync(stats, "add recipient", $"/api/v1/documents/{id}/recipients", new { name = $"Signer {s}", email, role = "signer", signingOrder = 1 }, ct);
            signers.Add((email, recipient.GetProperty("id").GetString()!, []));
        }
        foreach (var (signer, index) in signers.Select((s, i) => (s, i)))
        {
            for (var f = 0; f < FieldKinds.Length; f++)
            {
                var field = await PostAsync(stats, "add field", $"/api/v1/documents/{id}/fields",
                    new { recipientId = signer.RecipientId, kind = FieldKinds[f], page = 1, x = 60 + 250 * index, y = 200 + 60 * f, width = 200, height = 40, required = true }, ct);
                signer.Fields.Add(field.GetProperty("id").GetString()!);
            }
        }
        await PostAsync(stats, "send", $"/api/v1/documents/{id}/send", new { message = "Please sign." }, ct);
        Acknowledged?.Invoke(id, "sent");
        var lastSigned = 0L;
        foreach (var (email, _, fields) in signers)
        {
            var link = await _invitations.LinkAsync(email, ct);
            await GetAsync(stats, "open signing link", $"/api/v1/signing/{link}/", ct);
            await GetAsync(stats, "view PDF", $"/api/v1/signing/{link}/document.pdf", ct);
            await PostAsync(stats, "consent", $"/api/v1/signing/{link}/consent", new { accept = true }, ct);
            var values = fields.Select((fieldId, f) => new { id = fieldId, value = FieldKinds[f] switch { "text" => "Accepted", "date" => "2026-12-05", "checkbox" => "true", _ => (string?)null } });
            await PostAsync(stats, "sign", $"/api/v1/signing/{link}/sign", new { fields = values, typedName = "Load Signer" }, ct);
            lastSigned = Stopwatch.GetTimestamp();
            Acknowledged?.Invoke(id, "signed");
        }
        // Completion (certificate, final seal) runs through the job queue: the sender sees it by polling.
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            using var response = await client.GetAsync($"/api/v1/documents/{id}", ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode) throw new LoadException($"GET document answered {(int)response.StatusCode}");
            if (JsonDocument.Parse(text).RootElement.GetProperty("status").GetString() == "completed") break;
            if (DateTime.UtcNow > deadline) throw new LoadException($"document {id} was not completed within 2 minutes of its last signature");
            await Task.Delay(20, ct);
        }
        stats.Add("complete and seal", Stopwatch.GetElapsedTime(lastSigned).TotalMilliseconds);
        Acknowledged?.Invoke(id, "completed");
        await GetAsync(stats, "download sealed PDF", $"/api/v1/documents/{id}/sealed.pdf", ct);
        Completed.Enqueue(id);
    }

    private async Task<JsonElement> UploadAsync(LoadStats stats, int n, CancellationToken ct)
    {
        using var form = new MultipartFormDataContent { { new StringContent($"Upload {n}"), "title" } };
        var file = new ByteArrayContent(UploadPdf);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        form.Add(file, "file", "quote.pdf");
        var started = Stopwatch.GetTimestamp();
        using var response = await client.PostAsync("/api/v1/documents", form, ct);
        return await ReadAsync(stats, "upload", "/api/v1/documents", response, started, ct);
    }

    private async Task<JsonElement> PostAsync(LoadStats? stats, string name, string path, object body, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await client.PostAsJsonAsync(path, body, ct);
        return await ReadAsync(stats, name, path, response, started, ct);
    }

    private static async Task<JsonElement> ReadAsync(LoadStats? stats, string name, string path, HttpResponseMessage response, long started, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw new LoadException($"POST {path} answered {(int)response.StatusCode}: {text}");
        stats?.Add(name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}

/// <summary>
/// The signing links that invitations carry, read from a server's outbox folder as they arrive: each .eml file is read
/// once, however many callers wait, and a link is handed to whoever expects its recipient's address.
/// </summary>
public sealed partial class OutboxLinks(string outbox)
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _links = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _scan = new(1, 1);

    /// <summary>Call before the invitation can be sent (before adding the recipient): a file read earlier is not read again.</summary>
    public void Expect(string email) => _links.TryAdd(email, new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>The signing link the invitation to <paramref name="email"/> carries, within a minute.</summary>
    public async Task<string> LinkAsync(string email, CancellationToken ct)
    {
        var waiter = _links[email].Task;
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!waiter.IsCompleted)
        {
            if (DateTime.UtcNow > deadline) throw new LoadException($"no invitation to {email} in {outbox} within a minute");
            if (await _scan.WaitAsync(0, ct))
            {
                try
                {
                    Scan();
                }
                finally
                {
                    _scan.Release();
                }
            }
            await Task.WhenAny(waiter, Task.Delay(10, ct));
        }
        _links.TryRemove(email, out _);
        return await waiter;
    }

    private void Scan()
    {
        if (!Directory.Exists(outbox)) return;
        foreach (var file in Directory.EnumerateFiles(outbox, "*.eml"))
        {
            if (!_seen.Add(file)) continue;
            var text = File.ReadAllText(file).Replace("=\r\n", "", StringComparison.Ordinal).Replace("=\n", "", StringComparison.Ordinal);
            var to = ToPattern().Match(text);
            var link = LinkPattern().Match(text);
            if (to.Success && link.Success && _links.TryGetValue(to.Groups[1].Value, out var waiter))
            {
                waiter.TrySetResult(link.Groups[1].Value);
            }
        }
    }

    [GeneratedRegex(@"/s/(sgr_[a-z]+_[0-9a-z]{52})")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"(?m)^To:.*?<?([^<>\s]+@[^<>\s]+?)>?\s*$")]
    private static partial Regex ToPattern();
}
