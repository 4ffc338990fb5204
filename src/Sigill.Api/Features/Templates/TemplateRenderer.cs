using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Fluid.Values;
using Sigill.Api.Platform.Errors;
using Sigill.Pdf;

namespace Sigill.Api.Features.Templates;

/// <summary>A template could not be parsed or rendered; <see cref="Code"/> is the problem-details code.</summary>
public sealed class TemplateException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;

    /// <summary>For <c>template_too_expensive</c>: which limit (a fixed word, for metrics and logs).</summary>
    internal string? Limit { get; init; }
}




/// <summary>
/// Renders Liquid (Fluid) to a <see cref="DocumentModel"/>. The output is text with a small
/// line syntax: <c># </c>, <c>## </c>, <c>### </c> start headings, blank lines separate paragraphs,
/// <c>{{ page_break }}</c> starts a page and <c>{{ pricing_table }}</c> places the pricing table.
/// Reusable content blocks are <c>{{ blocks.NAME }}</c>. Unknown variables and unknown blocks are
/// errors, never silently empty: a contract with a blank where the price should be is worse than a 400.
/// Every render (saving a template, preview, a document from a template) runs in the <see cref="LiquidSandbox"/> within
/// <see cref="TemplateLimits"/> and the request's cancellation; nothing but a <see cref="TemplateException"/> leaves it,
/// except the OperationCanceledException of a request whose client has gone.
/// </summary>
internal sealed partial class TemplateRenderer(LiquidSandbox sandbox, TemplateMetrics metrics, ILogger<TemplateRenderer> logger)
{
    public const int MaxVariableLength = 10_000;

    /// <summary>The signers a template can draw field lines for: <c>{{ signature_1 }}</c> to <c>{{ signature_10 }}</c>, in signing order.</summary>
    public const int MaxSigners = 10;

    /// <summary>
    /// The names that draw a field line for signer N (<c>{{ signature_N }}</c>, <c>{{ initials_N }}</c>,
    /// <c>{{ signer_name_N }}</c>, <c>{{ date_signed_N }}</c>), each with its <see cref="FieldLine"/> kind.
    /// </summary>
    public static readonly IReadOnlyList<(string Name, string Kind)> FieldLineNames =
        [("signature", FieldLine.Signature), ("initials", FieldLine.Initials), ("signer_name", FieldLine.Name), ("date_signed", FieldLine.DateSigned)];

    /// <summary>
    /// Whether <paramref name="name"/> is one Sigill sets itself in every render (<c>page_break</c>, <c>pricing</c>,
    /// <c>pricing_table</c>, <c>blocks</c> and the field-line names): a declared variable of that name would be silently
    /// replaced, so a template may not declare one.
    /// </summary>
    public static bool IsReserved(string name) => ReservedNames.Contains(name);

    private static readonly FrozenSet<string> ReservedNames =
        new[] { "page_break", "pricing", "pricing_table", "blocks" }
            .Concat(Enumerable.Range(1, MaxSigners).SelectMany(n => FieldLineNames.Select(f => $"{f.Name}_{n}")))
            .ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// The field lines one render may draw in all (a loop could draw thousands): each becomes a field on a bulk-sent or
    /// direct-link document, so this bounds the fields an anonymous direct-link start can create.
    /// </summary>
    public const int MaxFieldLinesDrawn = 50;

    /// <summary>Parses and judges a template or content block without running it.</summary>
    public void Check(string source, string what)
    {
        try
        {
            sandbox.Parse(source, what);
        }
        catch (TemplateLimitException e)
        {
            throw TooExpensive(e);
        }
    }

    [GeneratedRegex(@"\bblocks\.([A-Za-z0-9_-]+)")]
    private static partial Regex BlockReference();

    public static IReadOnlyList<string> BlockNames(string source) =>
        [.. BlockReference().Matches(source).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal)];

    public static PricingTotals Totals(PricingInput pricing)
    {
        decimal subtotal = 0, discount = 0, tax = 0;
        foreach (var item in pricing.Items)
        {
            var gross = Math.Round(item.Quantity * item.UnitPrice, 2, MidpointRounding.AwayFromZero);
            var off = Math.Round(gross * item.DiscountPercent / 100m, 2, MidpointRounding.AwayFromZero);
            subtotal += gross;
            discount += off;
            tax += Math.Round((gross - off) * item.TaxPercent / 100m, 2, MidpointRounding.AwayFromZero);
        }
        return new PricingTotals(pricing.Currency, subtotal, discount, tax, subtotal - discount + tax);
    }

    /// <summary>Checks the variable values a sender gives; returns an error message or null.</summary>
    public static string? ValidateVariables(IReadOnlyDictionary<string, string>? variables) =>
        variables is not null && (variables.Count > 200 || variables.Any(v => v.Key.Length is 0 or > 64 || v.Value is null || v.Value.Length > MaxVariableLength))
            ? $"variables: at most 200, names 1-64 characters, values at most {MaxVariableLength} characters."
            : null;

    /// <summary>Checks a pricing input; returns an error message or null.</summary>
    public static string? Validate(PricingInput pricing)
    {
        if (string.IsNullOrWhiteSpace(pricing.Currency) || pricing.Currency.Length > 8)
        {
            return "pricing.currency is required (at most 8 characters, e.g. EUR).";
        }
        if (pricing.Items is null || pricing.Items.Count is 0 or > PricingInput.MaxItems)
        {
            return $"pricing.items needs 1 to {PricingInput.MaxItems} line items.";
        }
        foreach (var (item, i) in pricing.Items.Select((x, i) => (x, i)))
        {
            if (string.IsNullOrWhiteSpace(item.Description) || item.Description.Length > 500) return $"pricing.items[{i}].description is required (at most 500 characters).";
            if (item.Quantity < 0) return $"pricing.items[{i}].quantity must not be negative.";
            if (item.UnitPrice < 0) return $"pricing.items[{i}].unitPrice must not be negative.";
            if (item.DiscountPercent is < 0 or > 100) return $"pricing.items[{i}].discountPercent must be between 0 and 100.";
            if (item.TaxPercent is < 0 or > 100) return $"pricing.items[{i}].taxPercent must be between 0 and 100.";
            if (item.Quantity > 1_000_000_000m || item.UnitPrice > 1_000_000_000m) return $"pricing.items[{i}] is too large.";
        }
        return null;
    }

    /// <summary>
    /// Renders <paramref name="body"/> (and the content blocks it names) to a document model. The render stops at the
    /// first limit of <see cref="TemplateLimits"/>, after <see cref="TemplateLimits.Timeout"/>, or as soon as
    /// <paramref name="cancellation"/> fires (the client went away); the last case throws OperationCanceledException.
    /// </summary>
    public async Task<(DocumentModel Model, PricingTotals? Totals)> RenderAsync(string title, string body, IReadOnlyDictionary<string, string> blocks,
        IReadOnlyDictionary<string, string> variables, PricingInput? pricing, CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(sandbox.Limits.Timeout);
        var budget = sandbox.NewBudget(timeout.Token);
        using var active = metrics.Started();
        try
        {
            var result = await RenderCoreAsync(title, body, blocks, variables, pricing, budget);
            metrics.Finished("rendered");
            return result;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            metrics.Finished("cancelled");
            throw;
        }
        catch (Exception e)
        {
            var refusal = Refusal(e, budget);
            metrics.Finished("refused", refusal);
            if (refusal.Limit is not null) LogTooExpensive(logger, refusal.Limit);
            else if (e is not TemplateException) LogEngineFailure(logger, e.GetType().Name);
            throw refusal;
        }
    }

    /// <summary>What the sender is told. Only the engine's own verdicts leave: anything else the engine throws is a render failure.</summary>
    private static TemplateException Refusal(Exception e, RenderBudget budget) => e switch
    {
        TemplateException t => t,
        TemplateLimitException limit => TooExpensive(limit),
        OperationCanceledException => TooExpensive(TemplateLimitException.Timeout(budget.Limits)), // not the client's: the wall clock
        InvalidOperationException when budget.FluidLimit() is { } limit => TooExpensive(limit),
        InvalidOperationException or ArgumentException or FormatException or ArithmeticException or IndexOutOfRangeException or KeyNotFoundException =>
            new TemplateException(ErrorCodes.TemplateRenderFailed, $"The template could not be rendered: {e.Message}"),
        _ => new TemplateException(ErrorCodes.TemplateRenderFailed, "The template could not be rendered: the template engine failed on it."),
    };

    private static TemplateException TooExpensive(TemplateLimitException e) => new(ErrorCodes.TemplateTooExpensive, e.Message) { Limit = e.Limit };

    private async Task<(DocumentModel Model, PricingTotals? Totals)> RenderCoreAsync(string title, string body, IReadOnlyDictionary<string, string> blocks,
        IReadOnlyDictionary<string, string> variables, PricingInput? pricing, RenderBudget context)
    {
        // Markers carry a fresh random nonce, so no variable value can forge a page break or a table.
        var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var pageBreak = $"\u001fsigill-page-break-{nonce}\u001f";
        var table = $"\u001fsigill-pricing-{nonce}\u001f";
        var fieldLine = $"\u001fsigill-field-{nonce}-";
        var totals = pricing is null ? null : Totals(pricing);

        var unknown = new HashSet<string>(StringComparer.Ordinal);
        context.Undefined = name =>
        {
            unknown.Add(name);
            return ValueTask.FromResult<FluidValue>(NilValue.Instance);
        };
        foreach (var (name, value) in variables)
        {
            context.SetValue(name, new StringValue(Clean(value)));
        }
        context.SetValue("page_break", new StringValue(pageBreak));
        for (var n = 1; n <= MaxSigners; n++)
        {
            foreach (var (name, kind) in FieldLineNames) context.SetValue($"{name}_{n}", new StringValue($"{fieldLine}{kind}:{n}\u001f"));
        }
        // Without a pricing table the two names still exist, empty: a template that has one works without it (and can
        // leave out its price section with {% if pricing %}); a missing ordinary variable is still an error.
        context.SetValue("pricing_table", StringValue.Empty);
        context.SetValue("pricing", NilValue.Instance);
        if (totals is not null)
        {
            context.SetValue("pricing_table", new StringValue(table));
            context.SetValue("pricing", FluidValue.Create(new Dictionary<string, object>
            {
                ["currency"] = totals.Currency,
                ["subtotal"] = Money(totals.Subtotal),
                ["discount"] = Money(totals.Discount),
                ["tax"] = Money(totals.Tax),
                ["total"] = Money(totals.Total),
            }, context.Options));
        }
        var renderedBlocks = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var name in BlockNames(body))
        {
            if (!blocks.TryGetValue(name, out var source))
            {
                throw new TemplateException(ErrorCodes.TemplateBlockUnknown, $"The template uses the content block '{name}', which does not exist.");
            }
            renderedBlocks[name] = await LiquidSandbox.RenderAsync(sandbox.Parse(source, $"content block '{name}'"), context);
        }
        context.SetValue("blocks", FluidValue.Create(renderedBlocks, context.Options));
        var text = await LiquidSandbox.RenderAsync(sandbox.Parse(body, "template"), context);
        if (unknown.Count > 0)
        {
            throw new TemplateException(ErrorCodes.TemplateVariableUnknown,
                $"The template uses variables that were not given: {string.Join(", ", unknown.Order(StringComparer.Ordinal))}.");
        }
        return (new DocumentModel(Clean(title), ToBlocks(text, pageBreak, table, fieldLine, pricing, totals, sandbox.Limits)), totals);
    }

    private static List<DocumentBlock> ToBlocks(string text, string pageBreak, string table, string fieldLine, PricingInput? pricing, PricingTotals? totals,
        TemplateLimits limits)
    {
        var blocks = new List<DocumentBlock>();
        var paragraph = new StringBuilder();
        var pages = 1;
        var fieldLines = 0;
        void Flush()
        {
            if (paragraph.Length > 0)
            {
                blocks.Add(new Paragraph(paragraph.ToString().TrimEnd('\n')));
                paragraph.Clear();
            }
        }
        foreach (var raw in text.Replace(pageBreak, "\n" + pageBreak + "\n", StringComparison.Ordinal)
                     .Replace(table, "\n" + table + "\n", StringComparison.Ordinal)
                     .Replace(fieldLine, "\n" + fieldLine, StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.TrimEnd('\r', ' ', '\t');
            if (line.StartsWith(fieldLine, StringComparison.Ordinal))
            {
                // "{nonce-prefix}{kind}:{N}\u001f" then whatever followed it on the line, which goes on as text.
                var end = line.IndexOf('\u001f', fieldLine.Length);
                var colon = line.IndexOf(':', fieldLine.Length);
                if (++fieldLines > MaxFieldLinesDrawn) throw TemplateLimitException.FieldLines(MaxFieldLinesDrawn);
                Flush();
                blocks.Add(new FieldLine(int.Parse(line.AsSpan(colon + 1, end - colon - 1), CultureInfo.InvariantCulture), line[fieldLine.Length..colon]));
                if (line[(end + 1)..].Trim() is { Length: > 0 } rest) paragraph.Append(rest).Append('\n');
            }
            else if (line == pageBreak)
            {
                Flush();
                if (++pages > limits.MaxPages) throw TemplateLimitException.Pages(limits);
                blocks.Add(new PageBreak());
            }
            else if (line == table && pricing is not null && totals is not null)
            {
                Flush();
                blocks.Add(Table(pricing, totals));
            }
            else if (line.Length == 0)
            {
                Flush();
            }
            else if (line.StartsWith("### ", StringComparison.Ordinal)) { Flush(); blocks.Add(new Heading(line[4..].Trim(), 3)); }
            else if (line.StartsWith("## ", StringComparison.Ordinal)) { Flush(); blocks.Add(new Heading(line[3..].Trim(), 2)); }
            else if (line.StartsWith("# ", StringComparison.Ordinal)) { Flush(); blocks.Add(new Heading(line[2..].Trim(), 1)); }
            else
            {
                paragraph.Append(line).Append('\n');
            }
        }
        Flush();
        return blocks;
    }

    // Each line at its gross amount, its own discount and tax rates named beside it; the discount and tax (summed per line,
    // each rounded, as Totals does) are the table's summary rows, so the printed total is the stored one.
    private static PricingTable Table(PricingInput pricing, PricingTotals totals)
    {
        var rows = pricing.Items.Select(i => new PricingRow(
            i.DiscountPercent > 0 || i.TaxPercent > 0
                ? $"{i.Description} ({Describe(i)})"
                : i.Description, i.Quantity, i.UnitPrice)).ToList();
        var table = new PricingTable(rows, totals.Currency) { Discount = totals.Discount, Tax = totals.Tax };
        return table.Subtotal == totals.Subtotal && table.Total == totals.Total
            ? table
            : throw new InvalidOperationException("the pricing table's figures differ from the stored totals");
    }

    private static string Describe(PricingItem i) => string.Join(", ",
        new[] { i.DiscountPercent > 0 ? $"-{i.DiscountPercent.ToString("0.##", CultureInfo.InvariantCulture)}%" : null,
                i.TaxPercent > 0 ? $"tax {i.TaxPercent.ToString("0.##", CultureInfo.InvariantCulture)}%" : null }.Where(s => s is not null));

    [LoggerMessage(EventId = 5601, Level = LogLevel.Information, Message = "Template render refused: over the {Limit} limit")]
    private static partial void LogTooExpensive(ILogger logger, string limit);

    [LoggerMessage(EventId = 5602, Level = LogLevel.Warning, Message = "Template engine failed with {ErrorType}; answered template_render_failed")]
    private static partial void LogEngineFailure(ILogger logger, string errorType);

    public static string Money(decimal value) => value.ToString("#,##0.00", CultureInfo.InvariantCulture);

    // Control characters (other than newline and tab) never reach the PDF; they also keep markers unforgeable.
    private static string Clean(string value) =>
        new([.. value.Where(c => c is '\n' or '\t' || !char.IsControl(c))]);
}
