using System.Text;
using Sigill.Api.Features.Documents;
using Sigill.Contracts;

#pragma warning disable CA5394, SCS0005 // seeded inputs keep the property test reproducible; nothing secret is drawn

namespace Sigill.Tests.Documents;

/// <summary>Formula (the formula field's expression language) and FieldRules' formula checks, on their own (no app).</summary>
public sealed class FormulaTests
{
    private static readonly IReadOnlyDictionary<string, decimal> NoPricing = new Dictionary<string, decimal>();

    private static (decimal Value, string? Error) Run(string text, Dictionary<string, decimal>? fields = null, PricingTotals? pricing = null)
    {
        var (formula, error) = Formula.Parse(text);
        Assert.True(formula is not null, error);
        return formula.Evaluate(fields ?? [], Formula.PricingValues(pricing));
    }

    [Theory]
    [InlineData("1 + 2 * 3", "7")]
    [InlineData("(1 + 2) * 3", "9")]
    [InlineData("10 - 4 - 3", "3")] // left to right
    [InlineData("12 / 4 / 3", "1")]
    [InlineData("-2 * -3", "6")]
    [InlineData("--2", "2")]
    [InlineData("0.1 + 0.2", "0.3")] // decimal, not binary floating point
    [InlineData("round(2.5, 0)", "3")] // half away from zero, not to even
    [InlineData("round(-2.5, 0)", "-3")]
    [InlineData("round(1.005, 2)", "1.01")]
    [InlineData("min(3, 1, 2)", "1")]
    [InlineData("max(3, -1, 2.5)", "3")]
    [InlineData("max(1)", "1")]
    [InlineData(" \t1\n+\r\n1 ", "2")]
    public void Arithmetic_is_decimal_with_the_usual_precedence(string text, string expected)
    {
        var (value, error) = Run(text);
        Assert.Null(error);
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value);
    }

    [Fact]
    public void Fields_and_pricing_values_are_read_by_name()
    {
        var pricing = new PricingTotals("EUR", 100m, 10m, 22.5m, 112.5m);
        var (value, error) = Run("{seats} * {price} + pricing.total - pricing.discount", new() { ["seats"] = 3, ["price"] = 19.99m }, pricing);
        Assert.Null(error);
        Assert.Equal(3 * 19.99m + 112.5m - 10m, value);
        var (formula, _) = Formula.Parse("{a} + {b} * {a} + pricing.tax");
        Assert.Equal(["a", "b"], formula!.Fields);
        Assert.Equal(["pricing.tax"], formula.Pricing);
    }

    [Theory]
    [InlineData("1 / 0", "division by zero")]
    [InlineData("1 / (2 - 2)", "division by zero")]
    [InlineData("79228162514264337593543950335 + 1", "too large")]
    [InlineData("79228162514264337593543950335 * 2", "too large")]
    [InlineData("10000000000000000000000000000 / 0.001", "too large")]
    [InlineData("round(1, 11)", "round")]
    [InlineData("round(1, 0.5)", "round")]
    [InlineData("round(1, -1)", "round")]
    [InlineData("{missing} + 1", "no value")]
    [InlineData("pricing.total", "no pricing table")]
    public void Division_by_zero_overflow_and_bad_arguments_are_errors_not_exceptions(string text, string says)
    {
        var (_, error) = Run(text);
        Assert.NotNull(error);
        Assert.Contains(says, error);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("1 +", "missing")]
    [InlineData("(1 + 2", "')' is missing")]
    [InlineData("1 + 2)", "unexpected ')'")]
    [InlineData("1 2", "unexpected '2'")]
    [InlineData("1..2", "not a number")]
    [InlineData("1.", "not a number")]
    [InlineData(".5", "not a number")]
    [InlineData("1e5", "unexpected 'e'")]
    [InlineData("{}", "not a field name")]
    [InlineData("{9lives}", "not a field name")]
    [InlineData("{a b}", "not a field name")]
    [InlineData("{a", "field name is")]
    [InlineData("pricing.secret", "not a pricing value")]
    [InlineData("Pricing.total", "not known")]
    [InlineData("sqrt(4)", "not known")]
    [InlineData("eval(1)", "not known")]
    [InlineData("round(1)", "two arguments")]
    [InlineData("round(1, 2, 3)", "two arguments")]
    [InlineData("min()", "unexpected ')'")]
    [InlineData("'1'", "unexpected")]
    [InlineData("1 % 2", "unexpected '%'")]
    [InlineData("1 ** 2", "unexpected '*'")]
    [InlineData("123456789012345678901234567890123", "too large or too long")]
    [InlineData("99999999999999999999999999999", "too large or too long")]
    public void A_text_that_is_not_a_formula_is_refused_with_a_sentence_that_says_where(string text, string says)
    {
        var (formula, error) = Formula.Parse(text);
        Assert.Null(formula);
        Assert.Contains(says, error);
    }

    [Fact]
    public void The_limits_hold_at_their_edge_and_refuse_beyond_it()
    {
        Assert.NotNull(Formula.Parse(new string('(', 20) + "1" + new string(')', 20)).Formula);
        Assert.Contains("nests at most 20", Formula.Parse(new string('(', 21) + "1" + new string(')', 21)).Error);
        Assert.NotNull(Formula.Parse(new string('-', 20) + "1").Formula);
        Assert.Contains("nests at most 20", Formula.Parse(new string('-', 21) + "1").Error);
        Assert.Contains("nests at most 20", Formula.Parse(string.Concat(Enumerable.Repeat("min(", 21)) + "1" + new string(')', 21)).Error);
        // 50 literals and 49 operators: 99 nodes; 51 and 50: 101.
        Assert.NotNull(Formula.Parse(string.Join("+", Enumerable.Repeat("1", 50))).Formula);
        Assert.Contains("at most 100 parts", Formula.Parse(string.Join("+", Enumerable.Repeat("1", 51))).Error);
        var longest = "1" + string.Concat(Enumerable.Repeat(" + 1", 30)) + new string(' ', 500 - 1 - 30 * 4);
        Assert.Equal(500, longest.Length);
        Assert.NotNull(Formula.Parse(longest).Formula);
        Assert.Contains("at most 500 characters", Formula.Parse(longest + " ").Error);
    }

    [Fact]
    public void Thousands_of_random_and_hostile_texts_give_a_formula_or_a_clean_error_never_an_exception()
    {
        var hostile = new List<string>
        {
            new('(', 10_000), new(')', 10_000), new('-', 10_000), new string('(', 10_000) + "1" + new string(')', 10_000),
            string.Concat(Enumerable.Repeat("round(", 5000)), string.Concat(Enumerable.Repeat("min(1,", 5000)),
            new('9', 10_000), "1/" + new string('0', 400), "0." + new string('0', 300) + "1", string.Concat(Enumerable.Repeat("{a}*", 120)) + "{a}",
            "{" + new string('a', 10_000) + "}", "pricing." + new string('x', 1000), "\0", "1\u00a0+1", "１+１", "1 + \u202e2",
        };
        var random = new Random(24);
        const string alphabet = "0123456789.+-*/(),{} abcmnoprtuixdgs_\t";
        for (var i = 0; i < 5000; i++)
        {
            var builder = new StringBuilder();
            var length = random.Next(0, i % 10 == 0 ? 700 : 60);
            for (var j = 0; j < length; j++) builder.Append(random.Next(20) == 0 ? (char)random.Next(0, 0x3000) : alphabet[random.Next(alphabet.Length)]);
            hostile.Add(builder.ToString());
        }
        // Well-formed but extreme: large literals multiplied and divided, deep but legal nesting.
        for (var i = 0; i < 2000; i++)
        {
            hostile.Add(RandomFormula(random, 0));
        }
        var values = new Dictionary<string, decimal> { ["a"] = decimal.MaxValue, ["b"] = 0, ["c"] = -0.0000001m };
        var pricing = Formula.PricingValues(new PricingTotals("EUR", decimal.MaxValue, decimal.MinValue, 0, 1));
        var parsed = 0;
        foreach (var text in hostile)
        {
            var (formula, error) = Formula.Parse(text);
            Assert.True(formula is not null ^ error is not null, text);
            if (formula is null) continue;
            parsed++;
            var (value, failed) = formula.Evaluate(values, pricing);
            if (failed is null) _ = Formula.ToFieldValue(value, 6);
            _ = formula.Evaluate(new Dictionary<string, decimal>(), NoPricing);
        }
        Assert.True(parsed > 500, $"only {parsed} texts parsed: the generator no longer reaches evaluation");
    }

    private static string RandomFormula(Random random, int depth)
    {
        if (depth > 6 || random.Next(3) == 0)
        {
            return random.Next(6) switch
            {
                0 => "{a}", 1 => "{b}", 2 => "{c}", 3 => "pricing.subtotal",
                4 => "79228162514264337593543950335",
                _ => random.Next(0, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + random.Next(0, 99).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
        }
        return random.Next(7) switch
        {
            0 => $"({RandomFormula(random, depth + 1)})",
            1 => $"-{RandomFormula(random, depth + 1)}",
            2 => $"round({RandomFormula(random, depth + 1)}, {random.Next(-2, 14)})",
            3 => $"min({RandomFormula(random, depth + 1)}, {RandomFormula(random, depth + 1)})",
            4 => $"max({RandomFormula(random, depth + 1)}, {RandomFormula(random, depth + 1)})",
            _ => $"{RandomFormula(random, depth + 1)} {"+-*/"[random.Next(4)]} {RandomFormula(random, depth + 1)}",
        };
    }

    [Theory]
    [InlineData(1250, 2, "1250.00")]
    [InlineData(2.345, 2, "2.35")]
    [InlineData(-2.345, 2, "-2.35")]
    [InlineData(2.5, 0, "3")]
    [InlineData(999999999999.4, 0, "999999999999")]
    [InlineData(999999999999.5, 0, null)] // rounds to 10^12: beyond the bounds every number field keeps
    public void The_value_is_rounded_half_away_from_zero_to_the_fields_decimals_and_bounded(double value, int decimals, string? expected)
    {
        var (text, error) = Formula.ToFieldValue((decimal)value, decimals);
        Assert.Equal(expected, text);
        Assert.Equal(expected is null, error is not null);
    }

    private static FieldRules.Definition Def(string id, string kind, FieldSettings? settings = null, string recipient = "rcp_a") => new(id, recipient, kind, settings);

    [Fact]
    public void Saving_checks_names_references_pricing_and_sample_values()
    {
        var qty = Def("q", FieldKinds.Number, new FieldSettings(Min: 1, Max: 100, Name: "qty"));
        var divisor = Def("d", FieldKinds.Number, new FieldSettings(Name: "d")); // unbounded: 0 is a value it can take
        var other = Def("o", FieldKinds.Number, new FieldSettings(Name: "theirs"), recipient: "rcp_b");
        FieldRules.Problem? Check(string text, PricingTotals? pricing = null, params FieldRules.Definition[] more) =>
            FieldRules.CheckFormulas([qty, divisor, other, Def("f", FieldKinds.Formula, new FieldSettings(Decimals: 2, Formula: text)), .. more], pricing);

        Assert.Null(Check("{qty} * 19.99"));
        Assert.Null(Check("100 / {qty}")); // qty is at least 1
        Assert.Null(Check("pricing.total / {qty}", new PricingTotals("EUR", 1, 0, 0, 1)));
        Assert.Contains("division by zero", Check("100 / {d}")?.Detail);
        Assert.Contains("not a number field of the same recipient", Check("{theirs} + 1")?.Detail);
        Assert.Contains("not a number field of the same recipient", Check("{nobody} + 1")?.Detail);
        Assert.Contains("not a number field of the same recipient", Check("{QTY} + 1")?.Detail); // names are exact
        Assert.Contains("no pricing table", Check("pricing.total * 2")?.Detail);
        Assert.Contains("too large", Check("{d} * {d} * {d}")?.Detail); // ±10^12 cubed is beyond decimal
        Assert.Contains("named \"QTY\"", Check("1", null, Def("q2", FieldKinds.Number, new FieldSettings(Name: "QTY")))?.Detail);
        Assert.Equal("field_formula_invalid", Check("1 / 0")?.Code);
    }

    [Fact]
    public void The_settings_of_a_formula_field_and_a_number_fields_name_are_checked_by_kind()
    {
        Assert.Equal("field_formula_invalid", FieldRules.NormalizeSettings(FieldKinds.Formula, false, null).Problem?.Code);
        Assert.Equal("field_formula_invalid", FieldRules.NormalizeSettings(FieldKinds.Formula, false, new FieldSettings(Formula: "1 +")).Problem?.Code);
        Assert.Equal("field_settings_invalid", FieldRules.NormalizeSettings(FieldKinds.Formula, false, new FieldSettings(Min: 1, Formula: "1")).Problem?.Code);
        Assert.Equal("field_settings_invalid", FieldRules.NormalizeSettings(FieldKinds.Formula, false, new FieldSettings(Decimals: 7, Formula: "1")).Problem?.Code);
        Assert.Equal("field_settings_invalid", FieldRules.NormalizeSettings(FieldKinds.Text, false, new FieldSettings(Formula: "1")).Problem?.Code);
        Assert.Equal("field_settings_invalid", FieldRules.NormalizeSettings(FieldKinds.Text, false, new FieldSettings(Name: "x")).Problem?.Code);
        Assert.Equal("field_settings_invalid", FieldRules.NormalizeSettings(FieldKinds.Number, false, new FieldSettings(Name: "two words")).Problem?.Code);
        var (settings, problem) = FieldRules.NormalizeSettings(FieldKinds.Formula, false, new FieldSettings(Decimals: 2, Formula: "  {a} * 2 "));
        Assert.Null(problem);
        Assert.Equal("{a} * 2", settings!.Formula);
    }

    [Fact]
    public void At_signing_an_empty_or_hidden_number_counts_as_zero_and_a_failure_is_a_field_error()
    {
        var field = Def("f", FieldKinds.Formula, new FieldSettings(Decimals: 2, Formula: "{a} * 1.5 + {b}"));
        Assert.Equal("3.00", FieldRules.Compute(field, new Dictionary<string, decimal> { ["a"] = 2 }, null).Value);
        var divide = Def("g", FieldKinds.Formula, new FieldSettings(Formula: "10 / {a}"));
        var (value, problem) = FieldRules.Compute(divide, new Dictionary<string, decimal>(), null);
        Assert.Null(value);
        Assert.Equal("field_formula_failed", problem?.Code);
        Assert.Contains("division by zero", problem?.Detail);
    }
}
