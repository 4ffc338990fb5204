using System.Globalization;
using System.Text.Encodings.Web;
using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace Sigill.Api.Features.Templates;

/// <summary>
/// The nodes <see cref="TemplateRewriter"/> puts in place of Fluid's unbounded ones. Each keeps Fluid 2.41's semantics
/// and adds the check Fluid lacks; they run only inside a <see cref="RenderBudget"/>.
/// </summary>
internal static class BoundedNodes
{
    /// <summary>
    /// <c>(a..b)</c>. Fluid builds <c>new FluidValue[b - a + 1]</c> before anything looks at the size, so
    /// <c>(1..2147483647)</c> asked for 16 GB. Here the count is judged first (in decimal, so no bound can overflow it),
    /// and each item is a step.
    /// </summary>
    internal sealed class Range(Expression from, Expression to) : Expression
    {
        public override async ValueTask<FluidValue> EvaluateAsync(TemplateContext context)
        {
            var budget = RenderBudget.Of(context);
            // Fluid's Convert.ToInt32 rounds half to even; so does Math.Round's default.
            var start = Math.Round((await from.EvaluateAsync(context)).ToNumberValue());
            var end = Math.Round((await to.EvaluateAsync(context)).ToNumberValue());
            var count = Math.Max(0m, end - start + 1);
            if (count > budget.Limits.MaxCollectionItems) throw TemplateLimitException.Collection(budget.Limits);
            var items = new FluidValue[(int)count];
            budget.Step(items.Length);
            budget.Collection(items.Length);
            var first = Convert.ToInt32(start, CultureInfo.InvariantCulture);
            _ = items.Length > 0 ? Convert.ToInt32(end, CultureInfo.InvariantCulture) : 0; // beyond int: Fluid's OverflowException, a render failure
            for (var i = 0; i < items.Length; i++) items[i] = NumberValue.Create(first + i);
            return new ArrayValue(items);
        }
    }

    /// <summary>First statement of every <c>for</c> and <c>tablerow</c> body: the loop stops when the request is cancelled or out of time.</summary>
    internal sealed class Checkpoint : Statement
    {
        public static readonly Checkpoint Instance = new();

        public override ValueTask<Completion> WriteToAsync(TextWriter writer, TextEncoder encoder, TemplateContext context)
        {
            RenderBudget.Of(context).Checkpoint();
            return Normal();
        }
    }

    /// <summary><c>{% capture name %}…{% endcapture %}</c> into a <see cref="CappedWriter"/> (Fluid's own StringWriter grows without end).</summary>
    internal sealed class Capture(string identifier, IReadOnlyList<Statement> statements) : Statement
    {
        public override async ValueTask<Completion> WriteToAsync(TextWriter writer, TextEncoder encoder, TemplateContext context)
        {
            using var captured = RenderBudget.Of(context).StringWriter();
            var completion = await RenderAllAsync(statements, captured, encoder, context);
            context.SetValue(identifier, new StringValue(captured.ToString(), encode: false));
            return completion;
        }
    }

    /// <summary><c>{% ifchanged %}…{% endifchanged %}</c>: renders its body into a <see cref="CappedWriter"/> and writes it when it differs from last time.</summary>
    internal sealed class IfChanged(IReadOnlyList<Statement> statements) : Statement
    {
        private const string LastKey = "$$ifchanged$$"; // Fluid's key, so a template sees the same behaviour

        public override async ValueTask<Completion> WriteToAsync(TextWriter writer, TextEncoder encoder, TemplateContext context)
        {
            context.IncrementSteps();
            using var body = RenderBudget.Of(context).StringWriter();
            var completion = await RenderAllAsync(statements, body, encoder, context);
            var text = body.ToString();
            if (!context.AmbientValues.TryGetValue(LastKey, out var last) || !string.Equals(last as string, text, StringComparison.Ordinal))
            {
                context.AmbientValues[LastKey] = text;
                await writer.WriteAsync(text);
            }
            return completion;
        }
    }

    private static async ValueTask<Completion> RenderAllAsync(IReadOnlyList<Statement> statements, TextWriter writer, TextEncoder encoder, TemplateContext context)
    {
        foreach (var statement in statements)
        {
            var completion = await statement.WriteToAsync(writer, encoder, context);
            if (completion != Completion.Normal) return completion;
        }
        return Completion.Normal;
    }
}
