using System.Globalization;
using Fluid;
using Fluid.Values;

namespace Sigill.Api.Features.Templates;

/// <summary>A bound of <see cref="TemplateLimits"/> was reached. <see cref="Limit"/> is a fixed word for metrics; the message names the setting.</summary>
internal sealed class TemplateLimitException(string limit, string message) : Exception(message)
{
    public string Limit { get; } = limit;

    public static TemplateLimitException Steps(TemplateLimits l) => new("steps",
        $"The template took more than {N(l.MaxSteps)} steps (statements, loop iterations, filter calls and range items; Templates:MaxSteps).");

    public static TemplateLimitException Nesting(TemplateLimits l) => new("nesting",
        $"The template nests blocks, brackets or filters deeper than {N(l.MaxNesting)} levels (Templates:MaxNesting).");

    public static TemplateLimitException Output(TemplateLimits l) => new("output",
        $"The template renders more than {N(l.MaxOutputChars)} characters (Templates:MaxOutputChars).");

    public static TemplateLimitException String(TemplateLimits l) => new("string",
        $"The template builds a string longer than {N(l.MaxStringChars)} characters (Templates:MaxStringChars).");

    public static TemplateLimitException Collection(TemplateLimits l) => new("collection",
        $"The template builds an array of more than {N(l.MaxCollectionItems)} items (Templates:MaxCollectionItems).");

    public static TemplateLimitException Built(TemplateLimits l) => new("built",
        $"The template builds more than {N(l.MaxBuiltChars)} characters in total (Templates:MaxBuiltChars).");

    public static TemplateLimitException FieldLines(int max) => new("field_lines",
        $"The template draws more than {N(max)} field lines (signature, initials, name and date lines): each becomes a field of its signer on documents nobody places fields on.");

    public static TemplateLimitException Pages(TemplateLimits l) => new("pages",
        $"The template asks for more than {N(l.MaxPages)} pages (Templates:MaxPages).");

    public static TemplateLimitException Timeout(TemplateLimits l) => new("timeout",
        $"The template took longer than {l.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s to render (Templates:Timeout).");

    private static string N(long value) => value.ToString("#,##0", CultureInfo.InvariantCulture);
}

/// <summary>
/// The Fluid context of one render, holding its budget. Fluid 2.41 itself counts statements and loop iterations
/// (in the protected <c>_steps</c>, throwing the same InvalidOperationException for steps and for scope recursion) and
/// nothing else: it has no cancellation token, allocates a range's array before looking at its size, and lets filters,
/// captures and output grow strings without end. Sigill's filters and nodes (<see cref="TemplateFilters"/>,
/// <see cref="BoundedNodes"/>) report here, so sizes are judged before or right after each allocation and the render's
/// cancellation (the request's token joined with <see cref="TemplateLimits.Timeout"/>) is checked at every loop
/// iteration, filter call and write.
/// </summary>
internal sealed class RenderBudget : TemplateContext
{
    private readonly CancellationToken _cancellation;
    private readonly Dictionary<ArrayValue, long> _arrayText = new(ReferenceEqualityComparer.Instance);
    private long _built;

    public RenderBudget(TemplateOptions options, TemplateLimits limits, CancellationToken cancellation) : base(options)
    {
        Limits = limits;
        MaxSteps = limits.MaxSteps;
        _cancellation = cancellation;
    }

    public TemplateLimits Limits { get; }

    public static RenderBudget Of(TemplateContext context) =>
        context as RenderBudget ?? throw new InvalidOperationException("Sigill's template nodes and filters run only inside a RenderBudget.");

    /// <summary>Throws OperationCanceledException once the request is gone or the wall-clock limit has passed.</summary>
    public void Checkpoint() => _cancellation.ThrowIfCancellationRequested();

    /// <summary>Counts work on Fluid's own step counter, so statements, iterations, filter calls and range items share one budget.</summary>
    public void Step(int count = 1)
    {
        if ((long)_steps + count > MaxSteps) throw TemplateLimitException.Steps(Limits);
        _steps += count;
        Checkpoint();
    }

    /// <summary>A string of <paramref name="length"/> characters was built.</summary>
    public void String(long length)
    {
        if (length > Limits.MaxStringChars) throw TemplateLimitException.String(Limits);
        Build(length);
    }

    /// <summary>An array of <paramref name="count"/> items was built (or is about to be).</summary>
    public void Collection(long count)
    {
        if (count > Limits.MaxCollectionItems) throw TemplateLimitException.Collection(Limits);
        Build(count * 8);
    }

    /// <summary>Characters produced in total, however short-lived: bounds the memory a render churns through.</summary>
    public void Build(long chars)
    {
        _built += chars;
        if (_built > Limits.MaxBuiltChars) throw TemplateLimitException.Built(Limits);
    }

    /// <summary>
    /// How long <paramref name="value"/> is as text, stopping early past <see cref="TemplateLimits.MaxStringChars"/>: a
    /// filter that reads an array as text joins all its items first (so <c>"x" | append: big_array</c> would build it).
    /// Arrays are immutable, so their measure is kept for the render and a filter in a loop does not walk them again.
    /// </summary>
    public long TextLength(FluidValue value, int depth = 0)
    {
        switch (value)
        {
            case StringValue s:
                return s.ToStringValue().Length;
            case ArrayValue a:
                if (_arrayText.TryGetValue(a, out var known)) return known;
                long total = 0;
                foreach (var item in a.Values)
                {
                    total += depth < 8 ? TextLength(item, depth + 1) : Limits.MaxStringChars + 1L;
                    if (total > Limits.MaxStringChars) break;
                }
                _arrayText[a] = total;
                return total;
            case NilValue:
                return 0;
            default:
                return value.ToStringValue().Length;
        }
    }

    /// <summary>Which limit Fluid's own InvalidOperationException was about (its message says "recursion" for both), if any.</summary>
    public TemplateLimitException? FluidLimit() =>
        _steps > MaxSteps ? TemplateLimitException.Steps(Limits)
        : _recursion > Options.MaxRecursion ? TemplateLimitException.Nesting(Limits)
        : null;

    /// <summary>The writer for the rendered document: capped at <see cref="TemplateLimits.MaxOutputChars"/>.</summary>
    public CappedWriter OutputWriter() => new(this, Limits.MaxOutputChars, TemplateLimitException.Output);

    /// <summary>The writer for a capture or an <c>ifchanged</c> body: the result is a string, capped at <see cref="TemplateLimits.MaxStringChars"/>.</summary>
    public CappedWriter StringWriter() => new(this, Limits.MaxStringChars, TemplateLimitException.String);
}
