using Sigill.Api.Features.Documents;
using Sigill.Contracts;

namespace Sigill.Tests.Documents;

/// <summary>FieldRules on its own (no app): the rules the API applies when a field is saved and when a signer signs.</summary>
public sealed class FieldRulesTests
{
    private static FieldRules.Definition Def(string id, string kind, FieldSettings? settings = null, string recipient = "rcp_a") => new(id, recipient, kind, settings);

    [Fact]
    public void A_chain_of_conditions_hides_every_field_after_a_hidden_one()
    {
        var fields = new[]
        {
            Def("a", "checkbox"),
            Def("b", "dropdown", new FieldSettings(Options: ["x", "y"], Condition: new FieldCondition("a", "true"))),
            Def("c", "text", new FieldSettings(Condition: new FieldCondition("b", "y"))),
        };
        Assert.Null(FieldRules.CheckConditions(fields));
        var ticked = FieldRules.Visibility(fields, new Dictionary<string, string> { ["a"] = "true", ["b"] = "y" });
        Assert.True(ticked["b"] && ticked["c"]);
        // "b" still holds "y" in the post, but it is hidden once "a" is not ticked: so is "c".
        var unticked = FieldRules.Visibility(fields, new Dictionary<string, string> { ["b"] = "y" });
        Assert.False(unticked["b"]);
        Assert.False(unticked["c"]);
        Assert.True(unticked["a"]);
    }

    [Fact]
    public void A_circle_of_conditions_is_refused_however_long()
    {
        var options = new List<string> { "x" };
        var fields = Enumerable.Range(0, 200)
            .Select(i => Def($"f{i}", "radio", new FieldSettings(Options: options, Condition: new FieldCondition($"f{(i + 1) % 200}", "x")))).ToList();
        Assert.Equal("field_condition_cycle", FieldRules.CheckConditions(fields)?.Code);
        fields[199] = Def("f199", "radio", new FieldSettings(Options: options)); // the chain now ends
        Assert.Null(FieldRules.CheckConditions(fields));
    }

    [Theory]
    [InlineData("007", 0, "7")]
    [InlineData("-0.50", 2, "-0.50")]
    [InlineData("12.5", 1, "12.5")]
    [InlineData(" 12", 0, null)] // the API trims before; an inner space is not a number
    [InlineData("1.", 2, null)]
    [InlineData(".5", 2, null)]
    [InlineData("+3", 0, null)]
    [InlineData("1_000", 0, null)]
    [InlineData("١٢", 0, null)] // Arabic-Indic digits are not the ASCII digits the evidence keeps
    public void A_number_is_plain_digits_kept_in_invariant_form(string submitted, int decimals, string? stored)
    {
        var (value, problem) = FieldRules.CheckValue("f", FieldKinds.Number, new FieldSettings(Decimals: decimals), submitted);
        Assert.Equal(stored, value);
        Assert.Equal(stored is null ? "field_value_invalid" : null, problem?.Code);
    }

    [Fact]
    public void A_decomposed_accent_is_composed_where_the_host_can_and_refused_where_it_cannot_never_kept_decomposed()
    {
        // Composition needs ICU; with InvariantGlobalization on (today's hosts) string.Normalize leaves it as it is.
        var (settings, problem) = FieldRules.NormalizeSettings(FieldKinds.Radio, false, new FieldSettings(Options: ["Cafe\u0301", " Te "]));
        if (problem is null) Assert.Equal(new[] { "Café", "Te" }, settings!.Options!);
        else Assert.Equal("field_option_unsupported", problem.Code);
        var (composed, none) = FieldRules.NormalizeSettings(FieldKinds.Radio, false, new FieldSettings(Options: ["Café", " Te "]));
        Assert.Null(none);
        Assert.Equal(new[] { "Café", "Te" }, composed!.Options!);
    }
}
