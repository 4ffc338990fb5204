using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sigill.Tests.Security;

/// <summary>
/// Debian's sqlmap over the API as the served OpenAPI document describes it (issue 20, item 2): one target per
/// operation that takes a query or JSON-body parameter, sent through the web tier with an organization's API token,
/// path parameters filled with that organization's own identifiers (by <c>documents/{id}</c> or <c>{fieldId}</c>) so the
/// request reaches the code behind it.
/// sqlmap tries every such parameter with all its techniques (boolean-blind, error-based, UNION, stacked, time-based,
/// inline) at level 1 and risk 1, also when the request is refused (a sign-in still looks the address up). A finding
/// is an injection point sqlmap reports; a target it could not test to the end is reported as unfinished.
/// </summary>
internal sealed class SqlMapScan(Uri baseUrl, string apiToken, IReadOnlyDictionary<string, string> ownIds)
{
    public sealed record Target(string Method, string Path, IReadOnlyList<string> Query, JsonObject? Body)
    {
        public int Parameters => Query.Count + (Body?.Count ?? 0);

        public override string ToString() => $"{Method} {Path}";
    }

    /// <param name="Unfinished">Targets sqlmap could not test to the end (the tail of its output): a scan that did not run is no clean result.</param>
    /// <param name="Unconfirmed">What one scan reported and a second scan of the same target alone did not.</param>
    public sealed record Result(int Targets, int Parameters, int Scanned, IReadOnlyList<string> Findings, IReadOnlyList<string> Unfinished,
        IReadOnlyList<string> Unconfirmed, TimeSpan Took);

    /// <summary>The operations of <paramref name="openApi"/> with a query or JSON-body parameter, in document order.</summary>
    public static List<Target> TargetsOf(JsonElement openApi)
    {
        var targets = new List<Target>();
        foreach (var path in openApi.GetProperty("paths").EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject())
            {
                var query = op.Value.TryGetProperty("parameters", out var ps)
                    ? ps.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).ToList()
                    : [];
                JsonObject? body = null;
                if (op.Value.TryGetProperty("requestBody", out var rb) && rb.GetProperty("content").TryGetProperty("application/json", out var json))
                {
                    body = Example(openApi, json.GetProperty("schema"));
                }
                var target = new Target(op.Name.ToUpperInvariant(), path.Name, query, body);
                if (target.Parameters > 0) targets.Add(target);
            }
        }
        return targets;
    }

    /// <summary>Runs sqlmap on each target in turn until <paramref name="timeBox"/> is spent; what was left is counted.</summary>
    public async Task<Result> RunAsync(IReadOnlyList<Target> targets, TimeSpan timeBox, int parallel = 2)
    {
        var started = Stopwatch.StartNew();
        var findings = new List<string>();
        var unfinished = new List<string>();
        var unconfirmed = new List<string>();
        var scanned = 0;
        var work = Directory.CreateTempSubdirectory("sigill-sqlmap-").FullName;
        try
        {
            var next = -1;
            async Task Worker()
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < targets.Count && started.Elapsed < timeBox)
                {
                    var (found, problem) = await ScanAsync(targets[i], Path.Combine(work, i.ToString(CultureInfo.InvariantCulture)), timeBox - started.Elapsed);
                    lock (findings)
                    {
                        findings.AddRange(found);
                        if (problem is not null) unfinished.Add(problem);
                        scanned++;
                    }
                }
            }
            await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Worker()));

            // Boolean-blind detection compares answers, and an endpoint whose answer changes on its own (a throttle that
            // starts answering 429 halfway, a loaded machine's timeouts) can look injectable once. A real injection
            // answers the same way twice: each target with a finding is scanned again, alone, with only the techniques
            // that reported it (quicker than every technique on a loaded machine), and kept only if it repeats.
            var reported = findings.ToList();
            findings.Clear();
            foreach (var target in targets.Where(t => reported.Any(f => f.StartsWith(t + ":", StringComparison.Ordinal))))
            {
                var techniques = TechniquesOf(reported.Where(f => f.StartsWith(target + ":", StringComparison.Ordinal)));
                var (again, _) = await ScanAsync(target, Path.Combine(work, "again-" + targets.ToList().IndexOf(target).ToString(CultureInfo.InvariantCulture)), TimeSpan.FromMinutes(3), techniques);
                if (again.Count > 0) findings.AddRange(again);
                else unconfirmed.AddRange(reported.Where(f => f.StartsWith(target + ":", StringComparison.Ordinal)));
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        return new Result(targets.Count, targets.Sum(t => t.Parameters), scanned, findings, unfinished, unconfirmed, started.Elapsed);
    }

    /// <summary>sqlmap's technique letters for the injection types a report names (all of them when it names none it knows).</summary>
    private static string TechniquesOf(IEnumerable<string> findings)
    {
        (string Type, char Letter)[] known = [("boolean-based blind", 'B'), ("error-based", 'E'), ("UNION query", 'U'), ("stacked queries", 'S'), ("time-based blind", 'T'), ("inline query", 'Q')];
        var letters = known.Where(k => findings.Any(f => f.Contains("Type: " + k.Type, StringComparison.Ordinal))).Select(k => k.Letter).ToArray();
        return letters.Length == 0 ? "BEUSTQ" : new string(letters);
    }

    private async Task<(List<string> Findings, string? Unfinished)> ScanAsync(Target target, string folder, TimeSpan left, string techniques = "BEUSTQ")
    {
        Directory.CreateDirectory(folder);
        var path = target.Path;
        foreach (var (pattern, id) in ownIds.OrderByDescending(p => p.Key.Length)) path = path.Replace(pattern, pattern.Contains('/', StringComparison.Ordinal) ? pattern[..(pattern.IndexOf('/', StringComparison.Ordinal) + 1)] + id : id, StringComparison.Ordinal);
        path = System.Text.RegularExpressions.Regex.Replace(path, @"\{[^}]+\}", "x1");
        if (target.Query.Count > 0) path += "?" + string.Join("&", target.Query.Select(q => $"{Uri.EscapeDataString(q)}=sigill"));
        var psi = new ProcessStartInfo("sqlmap")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            Environment = { ["HOME"] = folder }, // sqlmap keeps its history and session files there
        };
        // -u rather than a request file (-r): with stdin not a terminal, sqlmap reads its targets from stdin instead.
        string[] arguments =
        [
            "-u", new Uri(baseUrl, path).AbsoluteUri, "--method", target.Method, "-H", $"Authorization: Bearer {apiToken}", "-H", "Accept: application/json",
            .. target.Body is { } body ? new[] { "--data", body.ToJsonString(), "-H", "Content-Type: application/json" } : [],
            // A refused request still runs the code that reads its parameters (a sign-in looks the address up): test it too.
            "--ignore-code=400,401,403,404,409,410,413,415,422,429",
            "--batch", "--level=1", "--risk=1", "--threads=2", "--timeout=10", "--retries=0", "--technique=" + techniques,
            "--output-dir=" + Path.Combine(folder, "out"), "--disable-coloring", "--skip-waf", "--flush-session", "-v", "1",
        ];
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        using var sqlmap = Process.Start(psi)!;
        var stdout = sqlmap.StandardOutput.ReadToEndAsync();
        var stderr = sqlmap.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(left > TimeSpan.FromMinutes(3) ? TimeSpan.FromMinutes(3) : left + TimeSpan.FromSeconds(5));
        try
        {
            await sqlmap.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            sqlmap.Kill(entireProcessTree: true);
            await sqlmap.WaitForExitAsync();
        }
        var output = await stdout + await stderr;
        var findings = new List<string>();
        if (output.Contains("identified the following injection point", StringComparison.Ordinal))
        {
            var lines = output.Split('\n').Where(l => l.TrimStart().StartsWith("Parameter:", StringComparison.Ordinal) || l.TrimStart().StartsWith("Type:", StringComparison.Ordinal));
            findings.Add($"{target}: {string.Join("; ", lines.Select(l => l.Trim()))}");
        }
        var finished = findings.Count > 0 || output.Contains("do not appear to be injectable", StringComparison.Ordinal);
        return (findings, finished ? null : $"{target}: {string.Join(" | ", output.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(6))}");
    }

    /// <summary>An ordinary value for every property of <paramref name="schema"/> (references resolved), for sqlmap to inject into.</summary>
    private static JsonObject Example(JsonElement document, JsonElement schema)
    {
        var resolved = Resolve(document, schema);
        var example = new JsonObject();
        if (!resolved.TryGetProperty("properties", out var properties)) return example;
        foreach (var property in properties.EnumerateObject())
        {
            var type = TypeOf(Resolve(document, property.Value));
            example[property.Name] = type switch
            {
                "integer" or "number" => JsonValue.Create(1),
                "boolean" => JsonValue.Create(true),
                "array" => new JsonArray(),
                "object" => new JsonObject(),
                _ => JsonValue.Create("sigill"),
            };
        }
        return example;
    }

    private static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        for (var depth = 0; depth < 8 && schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference); depth++)
        {
            var name = reference.GetString()!.Split('/')[^1];
            schema = document.GetProperty("components").GetProperty("schemas").GetProperty(name);
        }
        return schema;
    }

    private static string TypeOf(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("type", out var type)) return "string";
        return type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(t => t.GetString()).FirstOrDefault(t => t != "null") ?? "string"
            : type.GetString() ?? "string";
    }
}
