using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Sigill.Hostile;
using Sigill.Pdf;

namespace Sigill.Bench;

/// <summary>
/// Issue 14's memory budget: the hostile corpus (<c>tests/Sigill.Hostile</c>) sent through the public web tier of a
/// real <c>sigill serve</c> child process, one request at a time. For each request the child's peak resident set is
/// reset (<c>/proc/PID/clear_refs</c>, 5) and read back afterwards (<c>VmHWM</c>), so the figure is how far that one
/// request pushed the process above where it stood before it: the budget is 100 MB per hostile request. Ordinary
/// requests of the same kinds (an 8-page upload, a template, a drawn signature that signs and seals) are measured the
/// same way in the same run as the baseline. Every hostile request must also get its expected status and code, and the
/// server must still take an ordinary upload at the end.
/// </summary>
public static class HostileBenchmark
{
    private const long BudgetBytes = 100L * 1024 * 1024;

    /// <summary>Runs the benchmark; returns 0 when every case got its code within the budget, 1 otherwise.</summary>
    /// <param name="smoke">One case per family, for the test suite: the same path in seconds.</param>
    public static async Task<int> RunAsync(TextWriter output, bool smoke, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        var data = Path.Combine(Path.GetTempPath(), "sigill-bench-hostile-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            await using var server = await ChildServer.StartAsync(data, ct);
            using var client = new HttpClient { BaseAddress = server.WebUrl, Timeout = TimeSpan.FromMinutes(2) };
            var run = new Run(client, server.Pid, Path.Combine(data, "eu", "outbox"));
            await run.SetUpAsync(server.SetupToken, ct);
            var link = await run.SigningLinkAsync(ct);

            var cases = HostileCorpus.All().ToList();
            if (smoke) cases = [.. cases.GroupBy(c => c.Target).Select(g => g.First())];

            // Warm every path with an ordinary request first, so JIT and first-use caches do not count as growth.
            foreach (var target in Enum.GetValues<HostileTarget>()) await run.OrdinaryAsync(target, ct);

            output.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "hostile: {0} cases through the web tier of `sigill serve` (pid {1}), one at a time; peak RSS growth per request, budget {2} MB",
                cases.Count, server.Pid, BudgetBytes / (1024 * 1024)));
            var ok = true;
            foreach (var family in cases.GroupBy(c => c.Target))
            {
                var baseline = await run.MeasureAsync(() => run.OrdinaryAsync(family.Key, ct));
                var growths = new List<double>();
                var times = new List<double>();
                var worst = (Name: "", Growth: -1.0);
                var wrong = new List<string>();
                foreach (var hostile in family)
                {
                    ct.ThrowIfCancellationRequested();
                    var payload = hostile.Payload();
                    (int Status, string? Code) answer = default;
                    var measured = await run.MeasureAsync(async () => answer = await run.SendAsync(hostile.Target, payload, link, ct));
                    growths.Add(measured.Growth);
                    times.Add(measured.Milliseconds);
                    if (measured.Growth > worst.Growth) worst = (hostile.Name, measured.Growth);
                    if (answer.Status != hostile.ExpectedStatus || answer.Code != hostile.ExpectedCode)
                    {
                        wrong.Add($"{hostile.Name}: {answer.Status} {answer.Code} (expected {hostile.ExpectedStatus} {hostile.ExpectedCode})");
                    }
                }
                var pass = wrong.Count == 0 && growths.Max() <= BudgetBytes;
                ok &= pass;
                output.WriteLine(string.Format(CultureInfo.InvariantCulture,
                    "  {0,-18} {1,3} cases  growth p50 {2,6:0.0} MB  max {3,6:0.0} MB  time p50 {4,5:0} ms  max {5,5:0} ms" +
                    "  | ordinary request {6,5:0.0} MB {7,5:0} ms  {8}",
                    family.Key, growths.Count, Mb(Median(growths)), Mb(growths.Max()), Median(times), times.Max(),
                    Mb(baseline.Growth), baseline.Milliseconds, pass ? "PASS" : "FAIL"));
                output.WriteLine($"    largest growth: {worst.Name}");
                foreach (var line in wrong) output.WriteLine("    wrong answer: " + line);
            }
            var after = await run.SendAsync(HostileTarget.PdfUpload, OrdinaryPdf(), link, ct);
            var alive = after.Status == 201;
            output.WriteLine("  an ordinary upload after the corpus: " + (alive ? "201 PASS" : $"{after.Status} {after.Code} FAIL"));
            output.WriteLine(string.Format(CultureInfo.InvariantCulture, "  server resident set now {0:0} MB; highest peak seen in the run {1:0} MB",
                Mb(ProcStatus.Read(server.Pid, "VmRSS")), Mb(run.HighestPeak)));
            return ok && alive ? 0 : 1;
        }
        finally
        {
            try { Directory.Delete(data, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static double Mb(double bytes) => bytes / (1024 * 1024);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static byte[] OrdinaryPdf() => DocumentRenderer.Render(new DocumentModel("Ordinary agreement",
        [.. Enumerable.Range(1, 8).SelectMany<int, DocumentBlock>(i => [new Heading($"Clause {i}"), new Paragraph(string.Concat(Enumerable.Repeat("The parties agree. ", 150))), new PageBreak()])])).Bytes;

    /// <summary>One organization on the child server, and the measurements taken against it.</summary>
    private sealed class Run(HttpClient client, int pid, string outbox)
    {
        private readonly OutboxLinks _invitations = new(outbox);
        private int _signers;

        public double HighestPeak { get; private set; }

        /// <summary>Peak resident set above the level before the request, and the request's wall time.</summary>
        public async Task<(double Growth, double Milliseconds)> MeasureAsync(Func<Task> request)
        {
            var before = ProcStatus.Read(pid, "VmRSS");
            await File.WriteAllTextAsync($"/proc/{pid}/clear_refs", "5"); // resets VmHWM to the current RSS
            var started = TimeProvider.System.GetTimestamp();
            await request();
            var elapsed = TimeProvider.System.GetElapsedTime(started).TotalMilliseconds;
            var peak = ProcStatus.Read(pid, "VmHWM");
            HighestPeak = Math.Max(HighestPeak, peak);
            return (Math.Max(0, peak - before), elapsed);
        }

        public Task OrdinaryAsync(HostileTarget target, CancellationToken ct) => target switch
        {
            HostileTarget.PdfUpload => SendAsync(target, OrdinaryPdf(), "", ct),
            HostileTarget.TemplateBody => SendAsync(target, "# Offer\n{% for i in (1..20) %}Line {{ i }} for {{ customer }}\n{% endfor %}"u8.ToArray(), "", ct),
            HostileTarget.DrawnSignaturePng => DrawnSignatureAsync(ct), // a good drawing on a link of its own: signs and seals
            _ => throw new ArgumentOutOfRangeException(nameof(target)),
        };

        private async Task DrawnSignatureAsync(CancellationToken ct)
        {
            var link = await SigningLinkAsync(ct);
            var answer = await SendAsync(HostileTarget.DrawnSignaturePng, PngBuilder.Rgba(600, 200), link, ct);
            if (answer.Status != 200) throw new InvalidOperationException($"an ordinary drawn signature answered {answer.Status} {answer.Code}");
        }

        public async Task<(int Status, string? Code)> SendAsync(HostileTarget target, byte[] payload, string link, CancellationToken ct)
        {
            using var response = target switch
            {
                HostileTarget.PdfUpload => await client.PostAsync("/api/v1/documents", Upload(payload), ct),
                HostileTarget.TemplateBody => await client.PostAsJsonAsync("/api/v1/templates",
                    new { name = "Hostile bench", body = Encoding.UTF8.GetString(payload), variables = new[] { "customer" } }, ct),
                HostileTarget.DrawnSignaturePng => await client.PostAsJsonAsync($"/api/v1/signing/{link}/sign",
                    new { drawnPng = Convert.ToBase64String(payload) }, ct),
                _ => throw new ArgumentOutOfRangeException(nameof(target)),
            };
            var text = await response.Content.ReadAsStringAsync(ct);
            string? code = null;
            if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
            {
                using var json = JsonDocument.Parse(text);
                code = json.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
            }
            return ((int)response.StatusCode, code);
        }

        private static MultipartFormDataContent Upload(byte[] pdf)
        {
            var form = new MultipartFormDataContent { { new StringContent("Hostile bench"), "title" } };
            var file = new ByteArrayContent(pdf);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            form.Add(file, "file", "upload.pdf");
            return form;
        }

        public Task SetUpAsync(string setupToken, CancellationToken ct) => LoadWorkload.SetUpOrganizationAsync(client, setupToken, "Hostile Bench AB", ct);

        /// <summary>A sent one-page document with one new signer who has viewed it and consented; returns the signer's link.</summary>
        public async Task<string> SigningLinkAsync(CancellationToken ct)
        {
            var email = $"signer-{++_signers}@bench.invalid";
            using var upload = await client.PostAsync("/api/v1/documents", Upload(DocumentRenderer.Render(new DocumentModel("Bench", [new Paragraph("Sign here.")])).Bytes), ct);
            upload.EnsureSuccessStatusCode();
            var id = (await upload.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString();
            _invitations.Expect(email);
            var recipient = await PostAsync($"/api/v1/documents/{id}/recipients", new { name = "Bench Signer", email, role = "signer", signingOrder = 1 }, ct);
            await PostAsync($"/api/v1/documents/{id}/fields",
                new { recipientId = recipient.GetProperty("id").GetString(), kind = "signature", page = 1, x = 60, y = 600, width = 220, height = 40, required = true }, ct);
            await PostAsync($"/api/v1/documents/{id}/send", new { message = "Bench" }, ct);
            var link = await _invitations.LinkAsync(email, ct);
            using (var view = await client.GetAsync($"/api/v1/signing/{link}/document.pdf", ct)) view.EnsureSuccessStatusCode();
            await PostAsync($"/api/v1/signing/{link}/consent", new { accept = true }, ct);
            return link;
        }

        private async Task<JsonElement> PostAsync(string path, object body, CancellationToken ct)
        {
            using var response = await client.PostAsJsonAsync(path, body, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {text}");
            return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
    }
}
