using System.Globalization;
using System.Text.Json.Nodes;

namespace Sigill.Tests.Payments;

/// <summary>
/// Stripe's form encoding (<c>application/x-www-form-urlencoded</c> bodies and GET query strings) with bracket notation:
/// <c>line_items[0][price_data][unit_amount]=500</c>, <c>metadata[document_id]=…</c>, <c>expand[0]=…</c> or
/// <c>expand[]=…</c>. <see cref="Parse"/> turns the pairs into nested JSON (objects for names, arrays for indices); every
/// leaf stays a string, as on the wire.
/// </summary>
public static class StripeForm
{
    /// <summary>Decodes <c>a=1&amp;b[c]=2</c> (a body, or a query string with or without its leading <c>?</c>) into pairs, in order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Decode(string encoded)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in encoded.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? "" : part[(eq + 1)..];
            pairs.Add(new(Unescape(name), Unescape(value)));
        }
        return pairs;
    }

    private static string Unescape(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));

    /// <summary>The nested structure of the pairs. Throws <see cref="FormatException"/> for a key that is not bracket notation or mixes shapes.</summary>
    public static JsonObject Parse(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        // Indices are kept as sorted dictionaries first (a[1] may come before a[0], and "a[]" appends), then turned into arrays.
        var root = new SortedNode();
        foreach (var (key, value) in pairs)
        {
            var path = SplitKey(key);
            var node = root;
            for (var i = 0; i < path.Count - 1; i++)
            {
                node = node.Child(path[i], key);
            }
            node.SetLeaf(path[^1], value, key);
        }
        return (JsonObject)root.ToJson(asObject: true);
    }

    /// <summary><c>a[b][0][]</c> → <c>["a", "b", "0", ""]</c>.</summary>
    public static IReadOnlyList<string> SplitKey(string key)
    {
        var open = key.IndexOf('[', StringComparison.Ordinal);
        if (open < 0)
        {
            return [key];
        }
        if (open == 0)
        {
            throw new FormatException($"Invalid parameter name: {key}");
        }
        var parts = new List<string> { key[..open] };
        var i = open;
        while (i < key.Length)
        {
            if (key[i] != '[')
            {
                throw new FormatException($"Invalid parameter name: {key}");
            }
            var close = key.IndexOf(']', i);
            if (close < 0)
            {
                throw new FormatException($"Invalid parameter name: {key}");
            }
            parts.Add(key[(i + 1)..close]);
            i = close + 1;
        }
        return parts;
    }

    /// <summary>Every leaf of a parsed form as (bracket path, value): <c>("line_items[0][quantity]", "1")</c>.</summary>
    public static IEnumerable<(string Path, IReadOnlyList<string> Segments, string Value)> Leaves(JsonNode? node, string prefix = "", IReadOnlyList<string>? segments = null)
    {
        segments ??= [];
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    var path = prefix.Length == 0 ? name : $"{prefix}[{name}]";
                    foreach (var leaf in Leaves(child, path, [.. segments, name]))
                    {
                        yield return leaf;
                    }
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var index = i.ToString(CultureInfo.InvariantCulture);
                    foreach (var leaf in Leaves(array[i], $"{prefix}[{index}]", [.. segments, index]))
                    {
                        yield return leaf;
                    }
                }
                break;
            default:
                yield return (prefix, segments, node?.GetValue<string>() ?? "");
                break;
        }
    }

    private sealed class SortedNode
    {
        private readonly Dictionary<string, object> _children = new(StringComparer.Ordinal);
        private readonly List<string> _order = [];
        private int _appended;

        public SortedNode Child(string name, string key)
        {
            name = Normalize(name);
            if (_children.TryGetValue(name, out var existing))
            {
                return existing as SortedNode ?? throw new FormatException($"Parameter {key} mixes a value and a hash");
            }
            var node = new SortedNode();
            Add(name, node);
            return node;
        }

        public void SetLeaf(string name, string value, string key)
        {
            name = Normalize(name);
            if (_children.TryGetValue(name, out var existing) && existing is SortedNode)
            {
                throw new FormatException($"Parameter {key} mixes a value and a hash");
            }
            if (!_children.ContainsKey(name))
            {
                _order.Add(name);
            }
            _children[name] = value;
        }

        private void Add(string name, object value)
        {
            _order.Add(name);
            _children[name] = value;
        }

        // "a[]" appends: give it the next free index.
        private string Normalize(string name) => name.Length == 0 ? (_appended++).ToString(CultureInfo.InvariantCulture) : name;

        private bool IsArray => _order.Count > 0 && _order.All(n => n.All(char.IsAsciiDigit));

        public JsonNode ToJson(bool asObject = false)
        {
            if (!asObject && IsArray)
            {
                var array = new JsonArray();
                foreach (var name in _order.OrderBy(n => long.Parse(n, CultureInfo.InvariantCulture)))
                {
                    array.Add(ToJson(_children[name]));
                }
                return array;
            }
            var obj = new JsonObject();
            foreach (var name in _order)
            {
                obj[name] = ToJson(_children[name]);
            }
            return obj;
        }

        private static JsonNode ToJson(object value) => value is SortedNode node ? node.ToJson() : JsonValue.Create((string)value);
    }
}
