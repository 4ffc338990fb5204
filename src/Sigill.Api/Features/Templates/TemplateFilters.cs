using Fluid;
using Fluid.Values;

namespace Sigill.Api.Features.Templates;

/// <summary>
/// The Fluid options every render uses, and the filters templates may call: Fluid's standard set, each wrapped so that
/// <list type="bullet">
/// <item>a call is a step and a cancellation checkpoint;</item>
/// <item>its input and arguments, read as text, are at most <see cref="TemplateLimits.MaxStringChars"/> (a string
/// filter reads an array as all its items joined, so <c>"x" | append: big_array</c> would build that text first);</item>
/// <item>the filters that multiply their input are judged from a prediction before they allocate: <c>replace</c>
/// (occurrences × replacement), <c>join</c> (all items plus separators) and <c>split</c> (pieces);</item>
/// <item>its result is judged right after: a string of at most <see cref="TemplateLimits.MaxStringChars"/>, an array of at
/// most <see cref="TemplateLimits.MaxCollectionItems"/>, counted in the render's built total. Every other filter's result
/// is at most a few times its input, so the doubling bomb (<c>s | append: s</c>, 26 times) stops at the first string past
/// the limit instead of at 2.6 GB.</item>
/// </list>
/// Fluid's .NET-format filters are not offered: one call of <c>format_number: "D999999999"</c> asks .NET for a 2 GB
/// string, and predicting that would mean parsing .NET format strings.
/// </summary>
internal static class TemplateFilters
{
    private static readonly string[] NotOffered = ["format_number", "format_string", "format_date"];

    public static TemplateOptions CreateOptions(TemplateLimits limits)
    {
        var options = new TemplateOptions
        {
            StrictVariables = false, // unknown variables are collected and reported by TemplateRenderer
            StrictFilters = true,
            MaxSteps = limits.MaxSteps,
            MaxRecursion = limits.MaxNesting,
        };
        foreach (var name in NotOffered) options.Filters.Remove(name);
        foreach (var (name, filter) in options.Filters.ToList()) options.Filters.AddFilter(name, Guard(name, filter));
        return options;
    }

    /// <summary>The names templates may use, for docs and tests.</summary>
    public static IReadOnlyList<string> Names(TemplateOptions options) => [.. options.Filters.Select(f => f.Key).Order(StringComparer.Ordinal)];

    private static FilterDelegate Guard(string name, FilterDelegate filter) => (input, arguments, context) =>
    {
        var budget = RenderBudget.Of(context);
        budget.Step();
        Before(name, input, arguments, budget);
        var pending = filter(input, arguments, context);
        return pending.IsCompletedSuccessfully ? new ValueTask<FluidValue>(After(pending.Result, budget)) : AfterAsync(pending, budget);
    };

    private static async ValueTask<FluidValue> AfterAsync(ValueTask<FluidValue> pending, RenderBudget budget) => After(await pending, budget);

    private static void Before(string name, FluidValue input, FilterArguments arguments, RenderBudget budget)
    {
        var limits = budget.Limits;
        if (budget.TextLength(input) > limits.MaxStringChars) throw TemplateLimitException.String(limits);
        foreach (var argument in arguments.Values ?? [])
        {
            if (budget.TextLength(argument) > limits.MaxStringChars) throw TemplateLimitException.String(limits);
        }
        foreach (var named in arguments.Names)
        {
            if (budget.TextLength(arguments[named]) > limits.MaxStringChars) throw TemplateLimitException.String(limits);
        }
        switch (name)
        {
            case "replace":
                var text = input.ToStringValue();
                var pattern = arguments.At(0).ToStringValue();
                var replacement = arguments.At(1).ToStringValue();
                if (pattern.Length > 0 && replacement.Length > pattern.Length &&
                    text.Length + Occurrences(text, pattern) * (long)(replacement.Length - pattern.Length) > limits.MaxStringChars)
                {
                    throw TemplateLimitException.String(limits);
                }
                break;
            case "join" when input is ArrayValue items:
                var separator = arguments.At(0).ToStringValue().Length;
                if (budget.TextLength(items) + (long)separator * Math.Max(0, items.Values.Count - 1) > limits.MaxStringChars)
                {
                    throw TemplateLimitException.String(limits);
                }
                break;
            case "split":
                var whole = input.ToStringValue();
                var by = arguments.At(0).ToStringValue();
                if ((by.Length == 0 ? whole.Length : Occurrences(whole, by) + 1) > limits.MaxCollectionItems) throw TemplateLimitException.Collection(limits);
                break;
        }
    }

    private static FluidValue After(FluidValue result, RenderBudget budget)
    {
        switch (result)
        {
            case StringValue s:
                budget.String(s.ToStringValue().Length);
                break;
            case ArrayValue a:
                budget.Collection(a.Values.Count);
                break;
        }
        return result;
    }

    private static long Occurrences(string text, string pattern)
    {
        long count = 0;
        for (var i = text.IndexOf(pattern, StringComparison.Ordinal); i >= 0; i = text.IndexOf(pattern, i + pattern.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}
