using System.Runtime.CompilerServices;
using Fluid;
using Fluid.Parser;
using Sigill.Api.Platform.Errors;

namespace Sigill.Api.Features.Templates;

/// <summary>
/// Where senders' Liquid runs: one parser and one set of Fluid options, built from <see cref="TemplateLimits"/> at start.
/// Template bodies are hostile input, so nothing but a <see cref="TemplateException"/> (syntax, tag, filter) or a
/// <see cref="TemplateLimitException"/> leaves <see cref="Parse"/>, and <see cref="RenderAsync"/> runs only inside a
/// <see cref="RenderBudget"/>.
/// </summary>
internal sealed class LiquidSandbox
{
    private readonly NestingParser _parser = new();
    private readonly TemplateOptions _options;

    public LiquidSandbox(TemplateLimits limits)
    {
        Limits = limits;
        _options = TemplateFilters.CreateOptions(limits);
    }

    public TemplateLimits Limits { get; }

    /// <summary>The filters templates may use.</summary>
    public IReadOnlyList<string> FilterNames => TemplateFilters.Names(_options);

    /// <summary>
    /// Parses, judges and rewrites a template (<see cref="TemplateRewriter"/>). Fluid's parser descends recursively for
    /// every nested block and bracket: 5,000 nested <c>{% if %}</c> (120 KB) or 5,000 nested indexers (15 KB) overflowed
    /// the stack and ended the whole process, which no catch can prevent. So the parse counts its own recursion, through the
    /// hooks Parlot calls on entering and leaving each parser, and stops past <see cref="TemplateLimits.MaxNesting"/>
    /// (or earlier, should the thread's stack run low).
    /// </summary>
    public IFluidTemplate Parse(string source, string what)
    {
        // CompilationThreshold 0 keeps Parlot interpreting (compiled parsers would not call the hooks).
        var context = new FluidParseContext(source) { CompilationThreshold = 0 };
        var depth = 0;
        context.OnEnterParser = (parser, _) =>
        {
            if ((_parser.Recurses(parser) && ++depth > Limits.MaxNesting) || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
            {
                throw TemplateLimitException.Nesting(Limits);
            }
        };
        context.OnExitParser = (parser, _) =>
        {
            if (_parser.Recurses(parser)) depth--;
        };
        IReadOnlyList<Fluid.Ast.Statement>? statements;
        Parlot.ParseError? error;
        try
        {
            if (!_parser.Grammar.TryParse(context, out statements, out error)) statements = null;
        }
        catch (Exception e) when (e is not TemplateLimitException)
        {
            (statements, error) = (null, new Parlot.ParseError { Message = e.Message, Position = context.Scanner.Cursor.Position });
        }
        if (statements is null)
        {
            // Parlot's messages sometimes carry the position already ("Unknown tag 'x' at (1:9)").
            var message = error?.Message ?? "it could not be read";
            var where = error is null || message.Contains(" at (", StringComparison.Ordinal) ? "" : $" at {error.Position}";
            throw new TemplateException(ErrorCodes.TemplateSyntaxError, $"The {what} is not valid Liquid: {message}{where}.");
        }
        return new TemplateRewriter(Limits, _options.Filters).VisitTemplate(new FluidTemplate(statements));
    }

    /// <summary>A fresh budget for one render, cancelled by <paramref name="cancellation"/>.</summary>
    public RenderBudget NewBudget(CancellationToken cancellation) => new(_options, Limits, cancellation);

    /// <summary>Renders into a writer capped at <see cref="TemplateLimits.MaxOutputChars"/>.</summary>
    public static async Task<string> RenderAsync(IFluidTemplate template, RenderBudget budget)
    {
        await using var writer = budget.OutputWriter();
        await template.RenderAsync(writer, NullEncoder.Default, budget);
        return writer.ToString();
    }

    /// <summary>Fluid's parser with its recursive rules in reach: every descent into a nested block, expression or bracket passes one of them.</summary>
    private sealed class NestingParser : FluidParser
    {
        public bool Recurses(object parser) =>
            ReferenceEquals(parser, KnownTagsList) || ReferenceEquals(parser, AnyTagsList) || ReferenceEquals(parser, Primary) || ReferenceEquals(parser, FilterExpression);
    }
}
