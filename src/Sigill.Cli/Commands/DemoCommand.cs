using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sigill.Api.Platform.Cells;
using Sigill.Cli.Hosting;

namespace Sigill.Cli.Commands;

/// <summary>
/// <c>sigill demo</c>: starts an embedded instance and walks the whole flow as a real HTTP client of the
/// public web tier — set-up of an organization, a template with a pricing table, two signers in
/// order, signing, completion — then downloads the sealed PDF into <c>--out</c>. Recipients' links
/// are read from the region's outbox, the way a recipient reads their e-mail.
/// Prints <c>organization: &lt;id&gt;</c> and, last, <c>sealed: &lt;path&gt;</c>.
/// </summary>
internal static partial class DemoCommand
{
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = CliWords.T("Option.demo.data") };
        var region = new Option<string>("--region") { Description = CliWords.T("Option.demo.region"), DefaultValueFactory = _ => "eu" };
        var marker = new Option<string>("--marker") { Description = CliWords.T("Option.demo.marker"), DefaultValueFactory = _ => "Sigill demo" };
        var output = new Option<string?>("--out") { Description = CliWords.T("Option.demo.out") };
        var command = new Command("demo", CliWords.T("Command.demo")) { data, region, marker, output };
        command.SetAction((r, ct) => RunAsync(r.GetValue(data), r.GetValue(region)!, r.GetValue(marker)!, r.GetValue(output), ct));
        return command;
    }

    private static async Task<int> RunAsync(string? dataDirectory, string region, string marker, string? output, CancellationToken ct)
    {
        if (!RegionName.IsWellFormed(region)) return CommonOptions.Fail(CliWords.F("Demo.BadRegion", region));
        if (dataDirectory is not null) return await DemoAsync(dataDirectory, temporary: false, region, marker, output, ct);
        // A data directory of its own: removed however the run ends (done, failed, Ctrl+C or SIGTERM, which cancel ct),
        // once the server has stopped. Only a SIGKILL, or a stop slower than System.CommandLine's grace period, leaves it.
        var temporary = Path.Combine(Path.GetTempPath(), "sigill-demo-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            return await DemoAsync(temporary, temporary: true, region, marker, output, ct);
        }
        finally
        {
            RemoveTemporary(temporary);
        }
    }

    private static void RemoveTemporary(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine(CliWords.F("Warning", CliWords.F("Demo.NotRemoved", directory, e.Message)));
        }
    }

    private static async Task<int> DemoAsync(string dataDirectory, bool temporary, string region, string marker, string? output, CancellationToken ct)
    {
        var outFolder = Path.GetFullPath(output ?? Directory.GetCurrentDirectory());
        try
        {
            Directory.CreateDirectory(outFolder);
            await using var server = await EmbeddedServer.StartAsync(dataDirectory, null, 0, null, ct);
            if (!server.Regions.Contains(region)) return CommonOptions.Fail(CliWords.F("Error.RegionNotServed", region, string.Join(", ", server.Regions)));
            if (server.IssueSetupLink() is not { } setup) return CommonOptions.Fail(CliWords.F("Demo.SetUpAlready", server.Installation.DataDirectory));
            // The "data:", "organization:", "document:", "signed:" and "sealed:" labels and values are what scripts read: the same
            // in every language; only the explanations in brackets follow it.
            Console.Out.WriteLine($"data: {server.Installation.DataDirectory}{(temporary ? CliWords.T("Demo.Temporary") : "")}");
            using var web = new HttpClient { BaseAddress = server.WebUrl };

            var org = await PostAsync(web, "/api/v1/setup", new { setupToken = setup.Segments[^1], organizationName = "Demo Company AB", region, name = "Demo Owner", email = "owner@demo.example", password = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(18)) }, ct);
            Console.Out.WriteLine($"organization: {org.GetProperty("organizationId").GetString()}");
            web.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", org.GetProperty("apiToken").GetString());

            var template = await PostAsync(web, "/api/v1/templates", new
            {
                name = "Demo offer",
                body = "# Offer\n{{ marker }}\n\nDear {{ customer }}, here is our offer (prices in {{ pricing.currency }}).\n\n{{ pricing_table }}\nTotal: {{ pricing.total }} {{ pricing.currency }}\n",
                variables = new[] { "marker", "customer" },
            }, ct);
            var doc = await PostAsync(web, "/api/v1/documents/from-template", new
            {
                templateId = template.GetProperty("id").GetString(),
                title = "Demo offer",
                variables = new Dictionary<string, string> { ["marker"] = marker, ["customer"] = "Kund & Co" },
                pricing = new
                {
                    currency = "EUR",
                    items = new object[]
                    {
                        new { description = "Licence (12 months)", quantity = 5, unitPrice = 49.90m, discountPercent = 10, taxPercent = 25 },
                        new { description = "Onboarding", quantity = 1, unitPrice = 450m, taxPercent = 25 },
                    },
                },
            }, ct);
            var id = doc.GetProperty("id").GetString()!;
            Console.Out.WriteLine($"document: {id}" + CliWords.F("Demo.Total", doc.GetProperty("pricing").GetProperty("total").GetDecimal()));
            var signers = new[] { ("Ada Signer", "ada@demo.invalid"), ("Bo Signer", "bo@demo.invalid") };
            for (var i = 0; i < signers.Length; i++)
            {
                var recipient = await PostAsync(web, $"/api/v1/documents/{id}/recipients", new { name = signers[i].Item1, email = signers[i].Item2, role = "signer", signingOrder = i + 1 }, ct);
                await PostAsync(web, $"/api/v1/documents/{id}/fields", new { recipientId = recipient.GetProperty("id").GetString(), kind = "signature", page = 1, x = 60, y = 600 + 60 * i, width = 220, height = 40, required = true }, ct);
            }
            await PostAsync(web, $"/api/v1/documents/{id}/send", new { message = "Demo run" }, ct);
            foreach (var (name, email) in signers)
            {
                var link = LinkFromOutbox(Path.Combine(server.Installation.DataDirectory, region, "outbox"), email);
                using var recipient = new HttpClient { BaseAddress = server.WebUrl };
                using (var view = await recipient.GetAsync($"/api/v1/signing/{link}/document.pdf", ct)) view.EnsureSuccessStatusCode();
                using (var consent = await recipient.PostAsJsonAsync($"/api/v1/signing/{link}/consent", new { accept = true }, ct)) consent.EnsureSuccessStatusCode();
                var signed = await PostAsync(recipient, $"/api/v1/signing/{link}/sign", new { typedName = name }, ct);
                Console.Out.WriteLine($"signed: {email}" + CliWords.F("Demo.Status", signed.GetProperty("documentStatus").GetString()));
            }
            var sealedPdf = await web.GetByteArrayAsync($"/api/v1/documents/{id}/sealed.pdf", ct);
            var path = Path.Combine(outFolder, $"sigill-demo-{id}.pdf");
            await File.WriteAllBytesAsync(path, sealedPdf, ct);
            Console.Out.WriteLine($"sealed: {path}");
            return ExitCodes.Ok;
        }
        catch (InstallationException e)
        {
            return CommonOptions.Fail(e.Message);
        }
        catch (Sigill.Http.SigillConfigurationException e)
        {
            return CommonOptions.Fail(e.Message);
        }
        catch (CellUnavailableException e)
        {
            return CommonOptions.Fail(e.Message, ExitCodes.DependencyUnavailable);
        }
        catch (DemoException e)
        {
            return CommonOptions.Fail(e.Message, ExitCodes.Unexpected);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return CommonOptions.Fail(CliWords.T("Demo.Stopped"), ExitCodes.Interrupted);
        }
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, string path, object body, CancellationToken ct)
    {
        using var response = await client.PostAsJsonAsync(path, body, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw new DemoException($"POST {path} answered {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    [GeneratedRegex(@"/s/(sgr_[a-z]+_[0-9a-z]{52})")]
    private static partial Regex LinkPattern();

    private static string LinkFromOutbox(string outbox, string email)
    {
        foreach (var file in Directory.GetFiles(outbox, "*.eml").Order(StringComparer.Ordinal).Reverse())
        {
            var text = File.ReadAllText(file).Replace("=\r\n", "", StringComparison.Ordinal).Replace("=\n", "", StringComparison.Ordinal);
            if (text.Contains(email, StringComparison.Ordinal) && LinkPattern().Match(text) is { Success: true } m) return m.Groups[1].Value;
        }
        throw new DemoException($"no signing link for {email} in {outbox}");
    }

    private sealed class DemoException(string message) : Exception(message);
}
