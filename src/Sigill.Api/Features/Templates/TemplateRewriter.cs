using Fluid;
using Fluid.Ast;
using Fluid.Parser;
using Sigill.Api.Platform.Errors;

namespace Sigill.Api.Features.Templates;

/// <summary>
/// Judges a parsed template before it may run, and rebuilds it with the bounded nodes of <see cref="BoundedNodes"/>:
/// <list type="bullet">
/// <item><c>include</c> and <c>render</c> are refused (they would load other files; content blocks are Sigill's way to reuse text),
/// and so are Fluid's function tags and any node Sigill does not know;</item>
/// <item>a filter Sigill does not offer is refused now, not when a document is due;</item>
/// <item>the tree may be no deeper than <see cref="TemplateLimits.MaxNesting"/>: a chain of 20,000 filters parses as a
/// 20,000-deep tree whose evaluation overflowed the stack and ended the process;</item>
/// <item>ranges, <c>capture</c> and <c>ifchanged</c> become their bounded versions and every loop body starts with a checkpoint.</item>
/// </list>
/// AstVisitor does not look inside member expressions, so indexers (<c>a[(1..9)]</c>) are visited here.
/// </summary>
internal sealed class TemplateRewriter(TemplateLimits limits, FilterCollection filters) : AstRewriter
{
    private int _depth;

    public override Statement Visit(Statement statement)
    {
        Enter();
        try { return base.Visit(statement); }
        finally { _depth--; }
    }

    public override Expression Visit(Expression expression)
    {
        Enter();
        try { return base.Visit(expression); }
        finally { _depth--; }
    }

    private void Enter()
    {
        if (++_depth > limits.MaxNesting) throw TemplateLimitException.Nesting(limits);
    }

    protected override Expression VisitRangeExpression(RangeExpression rangeExpression)
    {
        var visited = (RangeExpression)base.VisitRangeExpression(rangeExpression);
        return new BoundedNodes.Range(visited.From, visited.To);
    }

    protected override Statement VisitForStatement(ForStatement forStatement)
    {
        var f = (ForStatement)base.VisitForStatement(forStatement);
        return new ForStatement([BoundedNodes.Checkpoint.Instance, .. f.Statements], f.Identifier, f.Source, f.Limit, f.Offset, f.Reversed, f.Else);
    }

    protected override Statement VisitTableRowStatement(TableRowStatement tableRowStatement)
    {
        var t = (TableRowStatement)base.VisitTableRowStatement(tableRowStatement);
        return new TableRowStatement([BoundedNodes.Checkpoint.Instance, .. t.Statements], t.Identifier, t.Source, t.Limit, t.Offset, t.Cols);
    }

    protected override Statement VisitCaptureStatement(CaptureStatement captureStatement)
    {
        var c = (CaptureStatement)base.VisitCaptureStatement(captureStatement);
        return new BoundedNodes.Capture(c.Identifier, c.Statements);
    }

    protected override Statement VisitIfChangedStatement(IfChangedStatement ifChangedStatement)
    {
        var c = (IfChangedStatement)base.VisitIfChangedStatement(ifChangedStatement);
        return new BoundedNodes.IfChanged(c.Statements);
    }

    protected override Expression VisitFilterExpression(FilterExpression filterExpression)
    {
        if (!filters.TryGetValue(filterExpression.Name, out _))
        {
            throw new TemplateException(ErrorCodes.TemplateFilterUnknown,
                $"The template uses the filter '{filterExpression.Name}', which templates cannot use (docs/api.md lists the filters).");
        }
        return base.VisitFilterExpression(filterExpression);
    }

    protected override Expression VisitMemberExpression(MemberExpression memberExpression)
    {
        List<MemberSegment>? rewritten = null;
        for (var i = 0; i < memberExpression.Segments.Count; i++)
        {
            switch (memberExpression.Segments[i])
            {
                case IndexerSegment indexer:
                    var visited = Visit(indexer.Expression);
                    if (!ReferenceEquals(visited, indexer.Expression))
                    {
                        rewritten ??= [.. memberExpression.Segments];
                        rewritten[i] = new IndexerSegment(visited);
                    }
                    break;
                case IdentifierSegment:
                    break;
                default:
                    throw NotAllowed("function call");
            }
        }
        return rewritten is null ? memberExpression : new MemberExpression(rewritten);
    }

    protected override Statement VisitIncludeStatement(IncludeStatement includeStatement) => throw NotAllowed("include");

    protected override Statement VisitRenderStatement(RenderStatement renderStatement) => throw NotAllowed("render");

    protected override Statement VisitMacroStatement(MacroStatement macroStatement) => throw NotAllowed("macro");

    protected override Statement VisitFromStatement(FromStatement fromStatement) => throw NotAllowed("from");

    protected override Statement VisitCallbackStatement(CallbackStatement callbackStatement) => throw NotAllowed("callback");

    protected override Statement VisitEmptyBlockStatement(EmptyBlockStatement emptyBlockStatement) => throw NotAllowed(emptyBlockStatement.TagName);

    protected override Statement VisitEmptyTagStatement(EmptyTagStatement emptyTagStatement) => throw NotAllowed(emptyTagStatement.TagName);

    protected override Statement VisitParserBlockStatement<T>(ParserBlockStatement<T> parserBlockStatement) => throw NotAllowed(parserBlockStatement.TagName);

    protected override Statement VisitParserTagStatement<T>(ParserTagStatement<T> parserTagStatement) => throw NotAllowed(parserTagStatement.TagName);

    public override Statement VisitOtherStatement(Statement statement) => throw NotAllowed(statement.GetType().Name);

    public override Expression VisitOtherExpression(Expression expression) => throw NotAllowed(expression.GetType().Name);

    private static TemplateException NotAllowed(string tag) => new(ErrorCodes.TemplateTagNotAllowed, tag is "include" or "render"
        ? $"The tag '{tag}' is not allowed: a template cannot load other files. Reuse text with a content block, {{{{ blocks.NAME }}}}."
        : $"'{tag}' is not allowed in templates.");
}
