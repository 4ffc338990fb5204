using System.Globalization;

namespace Sigill.Api.Features.Documents;

/// <summary>
/// A formula field's expression (ADR 0018, docs/fields.md "Formulas"), parsed and evaluated by Sigill itself: decimal
/// literals, <c>+ - * /</c>, parentheses, unary minus, number fields by name (<c>{quantity}</c>), pricing values
/// (<c>pricing.total</c>) and <c>round(x, n)</c>, <c>min(…)</c>, <c>max(…)</c>. Nothing else: no strings, no other calls,
/// no <c>eval</c>. Limits: <see cref="MaxLength"/> characters, nesting <see cref="MaxDepth"/>, <see cref="MaxNodes"/>
/// nodes, so neither parsing nor evaluating can recurse deeply or run long. Arithmetic is <see cref="decimal"/>; overflow
/// and division by zero are refusals, never exceptions. Pure: no database, no keys, no clock.
/// </summary>
internal sealed class Formula
{
    public const int MaxLength = 500;
    public const int MaxDepth = 20;
    public const int MaxNodes = 100;
    public const int MaxNameLength = 40;

    /// <summary>The most digits after the point <c>round(x, n)</c> takes.</summary>
    public const int MaxRoundDigits = 10;

    /// <summary>The pricing values a formula may name: the document's pricing table's totals (<c>PricingTotals</c>).</summary>
    public static readonly IReadOnlyList<string> PricingNames = ["pricing.subtotal", "pricing.discount", "pricing.tax", "pricing.total"];

    private abstract record Node;
    private sealed record Literal(decimal Value) : Node;
    private sealed record FieldRef(string Name) : Node;
    private sealed record PricingRef(string Name) : Node;
    private sealed record Negate(Node Operand) : Node;
    private sealed record Binary(char Op, Node Left, Node Right) : Node;
    private sealed record Call(string Function, IReadOnlyList<Node> Arguments) : Node;

    private readonly Node root;

    /// <summary>The number fields the formula names (without braces), each once, in order of first use.</summary>
    public IReadOnlyList<string> Fields { get; }

    /// <summary>The pricing values the formula names (<c>pricing.total</c>, …), each once.</summary>
    public IReadOnlyList<string> Pricing { get; }

    private Formula(Node root, IReadOnlyList<string> fields, IReadOnlyList<string> pricing) => (this.root, Fields, Pricing) = (root, fields, pricing);

    /// <summary>Whether <paramref name="name"/> can name a number field in a formula: a letter or underscore, then letters, digits, underscores (ASCII), at most 40.</summary>
    public static bool IsName(string? name) =>
        name is { Length: > 0 and <= MaxNameLength } && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>The formula, or a sentence that says what is wrong with the text and where.</summary>
    public static (Formula? Formula, string? Error) Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return (null, "The formula is empty.");
        if (text.Length > MaxLength) return (null, $"A formula is at most {MaxLength} characters.");
        var parser = new Parser(text);
        try
        {
            var node = parser.Expression(0);
            parser.SkipSpace();
            if (!parser.AtEnd) throw parser.Fail($"unexpected '{parser.Current}'");
            return (new Formula(node, parser.Fields, parser.PricingUsed), null);
        }
        catch (FormulaSyntaxException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>
    /// The value for the given number fields (by name) and pricing values (by their full name, <c>pricing.total</c>), or
    /// why it has none: a name without a value, division by zero, a result beyond <see cref="decimal"/>, a bad
    /// <c>round</c>. Not rounded: <see cref="ToFieldValue"/> rounds to the field's decimals.
    /// </summary>
    public (decimal Value, string? Error) Evaluate(IReadOnlyDictionary<string, decimal> fields, IReadOnlyDictionary<string, decimal> pricing)
    {
        try
        {
            return (Eval(root, fields, pricing), null);
        }
        catch (FormulaEvaluationException e)
        {
            return (0, e.Message);
        }
        catch (OverflowException)
        {
            return (0, "the result is too large for a decimal number");
        }
    }

    /// <summary>The computed value as stored and stamped: rounded half away from zero to <paramref name="decimals"/> digits and written with exactly that many (invariant form, "1250.00"), or the error when it lies beyond ±10^12.</summary>
    public static (string? Value, string? Error) ToFieldValue(decimal value, int decimals)
    {
        var rounded = Math.Round(value, decimals, MidpointRounding.AwayFromZero);
        if (Math.Abs(rounded) >= FieldRules.MaxMagnitude) return (null, "the result lies beyond ±10^12");
        return (rounded.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), null);
    }

    /// <summary>The pricing values by name, from a document's pricing totals (none without a pricing table).</summary>
    public static IReadOnlyDictionary<string, decimal> PricingValues(Sigill.Contracts.PricingTotals? totals) => totals is null
        ? new Dictionary<string, decimal>(StringComparer.Ordinal)
        : new Dictionary<string, decimal>(StringComparer.Ordinal)
        {
            ["pricing.subtotal"] = totals.Subtotal, ["pricing.discount"] = totals.Discount, ["pricing.tax"] = totals.Tax, ["pricing.total"] = totals.Total,
        };

    // Evaluation recursion is bounded by the tree's size (at most MaxNodes nodes).
    private static decimal Eval(Node node, IReadOnlyDictionary<string, decimal> fields, IReadOnlyDictionary<string, decimal> pricing) => node switch
    {
        Literal l => l.Value,
        FieldRef f => fields.TryGetValue(f.Name, out var v) ? v : throw new FormulaEvaluationException($"{{{f.Name}}} has no value"),
        PricingRef p => pricing.TryGetValue(p.Name, out var v) ? v : throw new FormulaEvaluationException($"{p.Name} has no value (the document has no pricing table)"),
        Negate n => -Eval(n.Operand, fields, pricing),
        Binary b => Apply(b.Op, Eval(b.Left, fields, pricing), Eval(b.Right, fields, pricing)),
        Call c => Invoke(c, fields, pricing),
        _ => throw new FormulaEvaluationException("unknown node"),
    };

    private static decimal Apply(char op, decimal left, decimal right) => op switch
    {
        '+' => left + right,
        '-' => left - right,
        '*' => left * right,
        _ => right == 0 ? throw new FormulaEvaluationException("division by zero") : left / right,
    };

    private static decimal Invoke(Call call, IReadOnlyDictionary<string, decimal> fields, IReadOnlyDictionary<string, decimal> pricing)
    {
        var args = call.Arguments.Select(a => Eval(a, fields, pricing)).ToList();
        switch (call.Function)
        {
            case "round":
                var digits = args[1];
                if (digits != decimal.Truncate(digits) || digits is < 0 or > MaxRoundDigits)
                {
                    throw new FormulaEvaluationException($"round(x, n) takes a whole n from 0 to {MaxRoundDigits}");
                }
                return Math.Round(args[0], (int)digits, MidpointRounding.AwayFromZero);
            case "min":
                return args.Min();
            default:
                return args.Max();
        }
    }

    private sealed class FormulaSyntaxException(string message) : Exception(message);

    private sealed class FormulaEvaluationException(string message) : Exception(message);

    /// <summary>Recursive descent over the text; every level counts against <see cref="MaxDepth"/>, every node against <see cref="MaxNodes"/>.</summary>
    private sealed class Parser(string text)
    {
        private int at;
        private int nodes;
        public readonly List<string> Fields = [];
        public readonly List<string> PricingUsed = [];

        public bool AtEnd => at >= text.Length;

        public char Current => text[at];

        public FormulaSyntaxException Fail(string what) => new($"The formula is not valid at character {Math.Min(at, text.Length) + 1}: {what}.");

        public void SkipSpace()
        {
            while (!AtEnd && Current is ' ' or '\t' or '\r' or '\n') at++;
        }

        private T Add<T>(T node) where T : Node
        {
            if (++nodes > MaxNodes) throw new FormulaSyntaxException($"A formula has at most {MaxNodes} parts (numbers, names, operators and calls).");
            return node;
        }

        private void Deeper(int depth)
        {
            if (depth > MaxDepth) throw new FormulaSyntaxException($"A formula nests at most {MaxDepth} levels (parentheses, calls and signs).");
        }

        private bool Take(char c)
        {
            SkipSpace();
            if (AtEnd || Current != c) return false;
            at++;
            return true;
        }

        // expression := term (('+' | '-') term)*
        public Node Expression(int depth)
        {
            Deeper(depth);
            var node = Term(depth);
            while (true)
            {
                SkipSpace();
                if (AtEnd || Current is not ('+' or '-')) return node;
                var op = Current;
                at++;
                node = Add(new Binary(op, node, Term(depth)));
            }
        }

        // term := unary (('*' | '/') unary)*
        private Node Term(int depth)
        {
            var node = Unary(depth);
            while (true)
            {
                SkipSpace();
                if (AtEnd || Current is not ('*' or '/')) return node;
                var op = Current;
                at++;
                node = Add(new Binary(op, node, Unary(depth)));
            }
        }

        // unary := '-' unary | primary
        private Node Unary(int depth)
        {
            if (Take('-'))
            {
                Deeper(depth + 1);
                return Add(new Negate(Unary(depth + 1)));
            }
            return Primary(depth);
        }

        // primary := number | '{' name '}' | 'pricing.' word | function '(' expression (',' expression)* ')' | '(' expression ')'
        private Node Primary(int depth)
        {
            SkipSpace();
            if (AtEnd) throw Fail("a number, a {field}, a pricing value, a function or '(' is missing");
            var c = Current;
            if (char.IsAsciiDigit(c) || c == '.') return Add(new Literal(Number()));
            if (c == '{')
            {
                at++;
                var start = at;
                while (!AtEnd && Current != '}' && at - start <= MaxNameLength) at++;
                if (AtEnd || Current != '}') throw Fail($"a field name is {{name}}: letters, digits and _ (at most {MaxNameLength}), then '}}'");
                var name = text[start..at];
                at++;
                if (!IsName(name)) throw Fail($"'{name}' is not a field name (letters, digits and _, starting with a letter or _)");
                if (!Fields.Contains(name)) Fields.Add(name);
                return Add(new FieldRef(name));
            }
            if (c == '(')
            {
                at++;
                var inner = Expression(depth + 1);
                if (!Take(')')) throw Fail("')' is missing");
                return inner;
            }
            if (char.IsAsciiLetter(c))
            {
                var start = at;
                while (!AtEnd && (char.IsAsciiLetterOrDigit(Current) || Current is '.' or '_') && at - start <= 20) at++;
                var word = text[start..at];
                if (word.StartsWith("pricing.", StringComparison.Ordinal))
                {
                    if (!PricingNames.Contains(word)) throw Fail($"'{word}' is not a pricing value ({string.Join(", ", PricingNames)})");
                    if (!PricingUsed.Contains(word)) PricingUsed.Add(word);
                    return Add(new PricingRef(word));
                }
                if (word is not ("round" or "min" or "max")) throw Fail($"'{word}' is not known (functions: round, min, max; fields are written {{name}})");
                if (!Take('(')) throw Fail($"{word} needs '('");
                Deeper(depth + 1);
                var args = new List<Node> { Expression(depth + 1) };
                while (Take(',')) args.Add(Expression(depth + 1));
                if (!Take(')')) throw Fail("')' or ',' is missing");
                if (word == "round" && args.Count != 2) throw Fail("round takes two arguments: round(x, n)");
                return Add(new Call(word, args));
            }
            throw Fail($"unexpected '{c}'");
        }

        private decimal Number()
        {
            var start = at;
            while (!AtEnd && (char.IsAsciiDigit(Current) || Current == '.')) at++;
            var literal = text[start..at];
            if (literal.Count(ch => ch == '.') > 1 || literal.StartsWith('.') || literal.EndsWith('.'))
            {
                at = start;
                throw Fail($"'{literal}' is not a number (digits with at most one point between them)");
            }
            if (literal.Length > 30 || !decimal.TryParse(literal, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                at = start;
                throw Fail("the number is too large or too long (at most 30 characters)");
            }
            return value;
        }
    }
}
