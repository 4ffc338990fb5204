using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Sigill.Tests.Payments;

/// <summary>
/// Checks requests and JSON against the vendored subset of Stripe's OpenAPI description (stripe-openapi-subset.json beside this file;
/// README.md there says where it comes from). Requests are checked with form semantics (every value a string; bracket keys as nested
/// properties and array items); JSON with JSON types. A property that the schema does not declare, a value of the wrong type, a null where
/// the schema is not nullable and a missing required property are each a problem. A schema marked <c>x-pruned</c> was cut from the subset:
/// it is declared, and its insides are not checked.
/// </summary>
internal sealed class StripeOpenApi
{
    private readonly JsonObject _spec;
    private readonly List<(Regex Pattern, string Path)> _paths;

    private StripeOpenApi(JsonObject spec)
    {
        _spec = spec;
        _paths = [.. spec["paths"]!.AsObject().Select(p => (new Regex("^" + Regex.Replace(Regex.Escape(p.Key), @"\\\{[a-z_]+}", "[^/]+") + "$"), p.Key))];
    }

    public static StripeOpenApi Load([CallerFilePath] string here = "") =>
        new(JsonNode.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(here)!, "stripe-openapi-subset.json")))!.AsObject());

    /// <summary>The Stripe API version the subset was taken from (info.version).</summary>
    public string Version => _spec["info"]!["version"]!.GetValue<string>();

    public JsonObject Info => _spec["info"]!.AsObject();

    /// <summary>Every (method, path template) in the subset.</summary>
    public IEnumerable<(string Method, string Path)> Operations =>
        _spec["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(m => (m.Key.ToUpperInvariant(), p.Key)));

    public (string Method, string Path)? OperationOf(string method, string path)
    {
        var template = _paths.FirstOrDefault(p => p.Pattern.IsMatch(path)).Path;
        return template is not null && _spec["paths"]![template]![method.ToLowerInvariant()] is not null ? (method.ToUpperInvariant(), template) : null;
    }

    private JsonObject? Operation(string method, string path) =>
        OperationOf(method, path) is { } op ? _spec["paths"]![op.Path]![method.ToLowerInvariant()]!.AsObject() : null;

    /// <summary>Problems with a request's parameters: each must be declared (query parameters for GET, the form body's schema for POST) with a fitting type.</summary>
    public List<string> CheckRequest(string method, string path, JsonObject parameters)
    {
        var problems = new List<string>();
        var operation = Operation(method, path);
        if (operation is null)
        {
            problems.Add($"{method} {path}: no such operation in the subset");
            return problems;
        }
        if (method == "GET")
        {
            var declared = (operation["parameters"] as JsonArray ?? []).Where(p => p!["in"]!.GetValue<string>() == "query")
                .ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!["schema"]!.AsObject());
            foreach (var (name, value) in parameters)
            {
                if (declared.TryGetValue(name, out var schema))
                {
                    CheckForm(value, schema, name, problems);
                }
                else
                {
                    problems.Add($"{method} {path}: query parameter {name} is not declared");
                }
            }
            return problems;
        }
        var body = operation["requestBody"]?["content"]?["application/x-www-form-urlencoded"]?["schema"]?.AsObject();
        if (body is null)
        {
            if (parameters.Count > 0)
            {
                problems.Add($"{method} {path}: the operation takes no body");
            }
            return problems;
        }
        CheckForm(parameters, body, "", problems);
        return problems;
    }

    /// <summary>Problems with a response body: against the 200 schema for a 200, else against the error schema (default).</summary>
    public List<string> CheckResponse(string method, string path, int status, JsonNode? body)
    {
        var problems = new List<string>();
        var operation = Operation(method, path);
        if (operation is null)
        {
            problems.Add($"{method} {path}: no such operation in the subset");
            return problems;
        }
        var schema = operation["responses"]![status == 200 ? "200" : "default"]!["content"]!["application/json"]!["schema"]!.AsObject();
        CheckJson(body, schema, $"{method} {path} → {status}", problems);
        return problems;
    }

    /// <summary>Problems with a JSON value against a component schema by name (say, "checkout.session").</summary>
    public List<string> CheckObject(JsonNode? value, string schemaName, string where)
    {
        var problems = new List<string>();
        if (_spec["components"]!["schemas"]![schemaName] is null)
        {
            problems.Add($"{where}: no schema {schemaName} in the subset");
            return problems;
        }
        CheckJson(value, new JsonObject { ["$ref"] = "#/components/schemas/" + schemaName }, where, problems);
        return problems;
    }

    private JsonObject Resolve(JsonObject schema)
    {
        while (schema["$ref"] is JsonValue reference)
        {
            var name = reference.GetValue<string>()["#/components/schemas/".Length..];
            schema = _spec["components"]!["schemas"]![name]?.AsObject() ?? throw new InvalidOperationException($"dangling $ref {name}");
        }
        return schema;
    }

    private static string? TypeOf(JsonObject schema) => schema["type"]?.GetValue<string>();

    private void CheckJson(JsonNode? value, JsonObject schema, string where, List<string> problems)
    {
        var nullable = schema["nullable"]?.GetValue<bool>() == true;
        schema = Resolve(schema);
        if (value is null)
        {
            if (!nullable && schema["nullable"]?.GetValue<bool>() != true)
            {
                problems.Add($"{where}: null, and the schema is not nullable");
            }
            return;
        }
        if (schema["x-pruned"] is not null)
        {
            if (value is not JsonObject && TypeOf(schema) is null)
            {
                problems.Add($"{where}: a {value.GetValueKind()} where the (pruned) schema has an object");
            }
            return;
        }
        if (schema["anyOf"] is JsonArray anyOf)
        {
            var attempts = anyOf.Select(branch =>
            {
                var branchProblems = new List<string>();
                CheckJson(value, branch!.AsObject(), where, branchProblems);
                return branchProblems;
            }).ToList();
            if (attempts.All(a => a.Count > 0))
            {
                problems.AddRange(attempts.OrderBy(a => a.Count).First());
            }
            return;
        }
        switch (TypeOf(schema))
        {
            case "object":
                if (value is not JsonObject obj)
                {
                    problems.Add($"{where}: a {value.GetValueKind()} where the schema has an object");
                    return;
                }
                var properties = schema["properties"] as JsonObject;
                foreach (var (name, child) in obj)
                {
                    if (properties?[name] is JsonObject propertySchema)
                    {
                        CheckJson(child, propertySchema, $"{where}.{name}", problems);
                    }
                    else if (schema["additionalProperties"] is JsonObject extra)
                    {
                        CheckJson(child, extra, $"{where}.{name}", problems);
                    }
                    else if (schema["additionalProperties"]?.GetValueKind() != System.Text.Json.JsonValueKind.True)
                    {
                        problems.Add($"{where}.{name}: not declared by the schema");
                    }
                }
                foreach (var required in schema["required"] as JsonArray ?? [])
                {
                    if (!obj.ContainsKey(required!.GetValue<string>()))
                    {
                        problems.Add($"{where}.{required}: required, and missing");
                    }
                }
                break;
            case "array":
                if (value is not JsonArray array)
                {
                    problems.Add($"{where}: a {value.GetValueKind()} where the schema has an array");
                    return;
                }
                for (var i = 0; i < array.Count; i++)
                {
                    CheckJson(array[i], schema["items"]!.AsObject(), $"{where}[{i}]", problems);
                }
                break;
            case "string":
                if (value.GetValueKind() != System.Text.Json.JsonValueKind.String)
                {
                    problems.Add($"{where}: a {value.GetValueKind()} where the schema has a string");
                }
                else if (schema["enum"] is JsonArray allowed && !allowed.Any(a => a!.GetValue<string>() == value.GetValue<string>()))
                {
                    problems.Add($"{where}: \"{value.GetValue<string>()}\" is not one of {allowed.ToJsonString()}");
                }
                break;
            case "integer":
                if (value.GetValueKind() != System.Text.Json.JsonValueKind.Number || !long.TryParse(value.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                {
                    problems.Add($"{where}: {value.ToJsonString()} where the schema has an integer");
                }
                break;
            case "number":
                if (value.GetValueKind() != System.Text.Json.JsonValueKind.Number)
                {
                    problems.Add($"{where}: {value.ToJsonString()} where the schema has a number");
                }
                break;
            case "boolean":
                if (value.GetValueKind() is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False))
                {
                    problems.Add($"{where}: {value.ToJsonString()} where the schema has a boolean");
                }
                break;
            default:
                break;
        }
    }

    /// <summary>A parsed form (leaves are strings) against a request schema.</summary>
    private void CheckForm(JsonNode? value, JsonObject schema, string where, List<string> problems)
    {
        schema = Resolve(schema);
        if (schema["x-pruned"] is not null)
        {
            return;
        }
        if (schema["anyOf"] is JsonArray anyOf)
        {
            var attempts = anyOf.Select(branch =>
            {
                var branchProblems = new List<string>();
                CheckForm(value, branch!.AsObject(), where, branchProblems);
                return branchProblems;
            }).ToList();
            if (attempts.All(a => a.Count > 0))
            {
                problems.AddRange(attempts.OrderBy(a => a.Count).First());
            }
            return;
        }
        var text = value is JsonValue leaf && leaf.TryGetValue<string>(out var s) ? s : null;
        switch (TypeOf(schema))
        {
            case "object":
                if (value is not JsonObject obj)
                {
                    problems.Add($"{where}: a value where the schema has a hash");
                    return;
                }
                var properties = schema["properties"] as JsonObject;
                foreach (var (name, child) in obj)
                {
                    var key = where.Length == 0 ? name : $"{where}[{name}]";
                    if (properties?[name] is JsonObject propertySchema)
                    {
                        CheckForm(child, propertySchema, key, problems);
                    }
                    else if (schema["additionalProperties"] is JsonObject extra)
                    {
                        CheckForm(child, extra, key, problems);
                    }
                    else if (schema["additionalProperties"]?.GetValueKind() != System.Text.Json.JsonValueKind.True)
                    {
                        problems.Add($"{key}: not declared by the request schema");
                    }
                }
                foreach (var required in schema["required"] as JsonArray ?? [])
                {
                    if (!obj.ContainsKey(required!.GetValue<string>()))
                    {
                        problems.Add($"{(where.Length == 0 ? "" : where)}[{required}]: required, and missing");
                    }
                }
                break;
            case "array":
                if (value is not JsonArray array)
                {
                    problems.Add($"{where}: not an indexed list (name[0]=…) where the schema has an array");
                    return;
                }
                for (var i = 0; i < array.Count; i++)
                {
                    CheckForm(array[i], schema["items"]!.AsObject(), $"{where}[{i}]", problems);
                }
                break;
            case "string":
                if (text is null)
                {
                    problems.Add($"{where}: a hash or list where the schema has a string");
                }
                else if (schema["enum"] is JsonArray allowed && !allowed.Any(a => a!.GetValue<string>() == text))
                {
                    problems.Add($"{where}: \"{text}\" is not one of {allowed.ToJsonString()}");
                }
                break;
            case "integer":
                if (text is null || !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                {
                    problems.Add($"{where}: \"{text}\" where the schema has an integer");
                }
                break;
            case "number":
                if (text is null || !decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out _))
                {
                    problems.Add($"{where}: \"{text}\" where the schema has a number");
                }
                break;
            case "boolean":
                if (text is not ("true" or "false"))
                {
                    problems.Add($"{where}: \"{text}\" where the schema has a boolean");
                }
                break;
            default:
                break;
        }
    }
}
