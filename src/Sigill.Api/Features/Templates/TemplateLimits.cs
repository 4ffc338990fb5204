using Sigill.Http;

namespace Sigill.Api.Features.Templates;

/// <summary>
/// Section <c>Templates</c>: the work one render of a sender's Liquid may do. A template body is code written by any
/// member with template rights, so every render (saving, preview, a document from a template) runs inside these
/// bounds and the request's cancellation; going over one answers <c>400 template_too_expensive</c> naming it.
/// The defaults leave room for a long contract with a 500-line pricing table and stop the known bombs in milliseconds.
/// </summary>
public sealed class TemplateLimits : IValidatedOptions
{
    /// <summary>Statements executed, loop iterations, filter calls and range items, together.</summary>
    public int MaxSteps { get; set; } = 100_000;

    /// <summary>How deeply blocks, brackets and the filters of one chain may nest (the parser and renderer recurse per level).</summary>
    public int MaxNesting { get; set; } = 64;

    /// <summary>Characters of rendered text (the document before it becomes a PDF).</summary>
    public int MaxOutputChars { get; set; } = 250_000;

    /// <summary>Characters of any one string a template builds (a filter's result, a capture).</summary>
    public int MaxStringChars { get; set; } = 100_000;

    /// <summary>Items of any one array a template builds (a range, <c>split</c>, <c>concat</c>, ...).</summary>
    public int MaxCollectionItems { get; set; } = 10_000;

    /// <summary>Characters built in total by filters, captures and output in one render (an array item counts as 8): bounds the memory a render churns through.</summary>
    public long MaxBuiltChars { get; set; } = 5_000_000;

    /// <summary>Pages a rendered template may ask for with <c>{{ page_break }}</c> (one more than the breaks).</summary>
    public int MaxPages { get; set; } = 500;

    /// <summary>Wall-clock time for the Liquid part of one render.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Check(bool ok, string problem)
        {
            if (!ok) problems.Add(problem);
        }

        // Nesting is capped because each level costs parser and renderer stack (about 3 KB per level was measured):
        // 256 levels stay under 1 MB, inside the stack of any thread a request runs on.
        // Fluid's own step check (_steps++ > MaxSteps) can never fire near int.MaxValue.
        Check(MaxSteps is >= 100 and <= 1_000_000_000, "Templates:MaxSteps must be 100-1,000,000,000");
        Check(MaxNesting is >= 8 and <= 256, "Templates:MaxNesting must be 8-256");
        Check(MaxOutputChars is >= 1_000 and <= 100_000_000, "Templates:MaxOutputChars must be 1,000-100,000,000");
        Check(MaxStringChars is >= 1_000 and <= 100_000_000, "Templates:MaxStringChars must be 1,000-100,000,000");
        Check(MaxCollectionItems is >= 10 and <= 10_000_000, "Templates:MaxCollectionItems must be 10-10,000,000");
        Check(MaxBuiltChars >= MaxOutputChars && MaxBuiltChars >= MaxStringChars && MaxBuiltChars <= 1_000_000_000,
            "Templates:MaxBuiltChars must be at least MaxOutputChars and MaxStringChars, and at most 1,000,000,000");
        Check(MaxPages is >= 1 and <= 2_000, "Templates:MaxPages must be 1-2000");
        Check(Timeout >= TimeSpan.FromMilliseconds(100) && Timeout <= TimeSpan.FromMinutes(10), "Templates:Timeout must be 00:00:00.1-00:10:00");
        return problems;
    }
}
