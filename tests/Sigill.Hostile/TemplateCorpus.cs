using System.Text;

namespace Sigill.Hostile;

public static partial class HostileCorpus
{
    private const string TooExpensive = "template_too_expensive";

    /// <summary>
    /// Liquid bodies that cost too much (steps, output, string size, array size, total built, pages, nesting) or use
    /// refused tags and filters, or make the engine throw. Each is refused with 400 and its code on every path that renders:
    /// saving (create, update), preview and a document from a template. None declares a variable, so the same answer holds
    /// whatever values a request brings; <c>pricing</c> is there when the request has a pricing table (saving always does).
    /// </summary>
    public static IEnumerable<HostileCase> Templates() =>
    [
        // Strings that grow: the 130-byte body doubled 26 times (2.6 GB), with 27 times answering 500.
        Template("string doubled 26 times in a loop", TooExpensive,
            () => """{% assign s = "ab" %}{% for i in (1..26) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}"""),
        Template("string doubled 27 times, unrolled", TooExpensive,
            () => """{%assign s="ab"%}""" + Repeat("""{%assign s=s|append:s%}""", 27) + "{{s|size}}"),
        Template("capture that doubles itself", TooExpensive,
            () => "{% capture s %}ab{% endcapture %}{% for i in (1..30) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}{{ s | size }}"),
        Template("capture of a long loop", TooExpensive,
            () => "{% capture c %}{% for i in (1..1000) %}{% for j in (1..100) %}0123456789{% endfor %}{% endfor %}{% endcapture %}{{ c | size }}"),
        Template("ifchanged around a long loop", TooExpensive,
            () => "{% ifchanged %}{% for i in (1..1000) %}{% for j in (1..100) %}0123456789{% endfor %}{% endfor %}{% endifchanged %}"),
        Template("output of a million characters", TooExpensive,
            () => "{% for i in (1..1000) %}{% for j in (1..100) %}0123456789{% endfor %}{% endfor %}"),
        Template("join of 8,192 copies of a 32 KB string", TooExpensive,
            () => Grown32K + """{% assign one = s | split: "|" %}{% assign a = one %}{% for i in (1..13) %}{% assign a = a | concat: a %}{% endfor %}{{ a | join: "" }}"""),
        Template("an 8,192-item array appended as text", TooExpensive,
            () => Grown32K + """{% assign one = s | split: "|" %}{% assign a = one %}{% for i in (1..13) %}{% assign a = a | concat: a %}{% endfor %}{{ "x" | append: a }}"""),
        Template("every character replaced by the whole string", TooExpensive,
            () => Grown32K + """{{ s | replace: "x", s }}"""),
        Template("a 64 KB string split into characters", TooExpensive,
            () => """{% assign s = "x" %}{% for i in (1..16) %}{% assign s = s | append: s %}{% endfor %}{{ s | split: "" | size }}"""),
        Template("3,000 copies of a 32 KB string", TooExpensive,
            () => Grown32K + Repeat("""{% assign t = s | append: "" %}""", 3000)),
        Template("sorting 10,000 items a hundred times", TooExpensive,
            () => "{% assign a = (1..10000) %}{% for i in (1..100) %}{% assign b = a | sort | reverse %}{% endfor %}{{ b | first }}"),

        // Work: steps, ranges, pages.
        Template("three nested loops of (1..1000)", TooExpensive,
            () => "{% for a in (1..1000) %}{% for b in (1..1000) %}{% for c in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}done"),
        Template("cycle in two nested loops of (1..1000)", TooExpensive,
            () => "{% for a in (1..1000) %}{% for b in (1..1000) %}{% cycle 'x', 'y' %}{% endfor %}{% endfor %}"),
        Template("for over (1..2147483647)", TooExpensive,
            () => "{% for i in (1..2147483647) %}{% break %}{% endfor %}"),
        Template("range bounds beyond Int32", TooExpensive,
            () => "{% for i in (1..99999999999999) %}{% break %}{% endfor %}"),
        Template("range inside an indexer", TooExpensive,
            () => """{% assign x = "abc" %}{{ x[(1..2147483647)] }}"""),
        Template("tablerow over (1..2147483647)", TooExpensive,
            () => "{% tablerow i in (1..2147483647) %}{{ i }}{% endtablerow %}"),
        Template("2,000 page breaks", TooExpensive,
            () => "{% for i in (1..2000) %}{{ page_break }}{% endfor %}"),

        // Nesting: each overflowed the stack and ended the process before (no catch can stop that).
        Template("5,000 nested if tags", TooExpensive,
            () => Repeat("{% if true %}", 5000) + Repeat("{% endif %}", 5000)),
        Template("5,000 nested indexers in 15 KB", TooExpensive,
            () => "{{ a" + Repeat("[a", 5000) + Repeat("]", 5000) + " }}"),
        Template("5,000 nested captures", TooExpensive,
            () => Repeat("{% capture x %}", 5000) + Repeat("{% endcapture %}", 5000)),
        Template("a chain of 20,000 filters", TooExpensive,
            () => "{{ 'a'" + Repeat(" | upcase", 20000) + " }}"),
        Template("20,000 conditions joined by or", TooExpensive,
            () => "{% if false" + Repeat(" or false", 20000) + " %}x{% endif %}"),

        // Tags and filters a template may not use.
        Template("include of another file", "template_tag_not_allowed", () => "{% include 'terms' %}"),
        Template("render of another file", "template_tag_not_allowed", () => "{% render 'terms' %}"),
        Template("an unknown filter", "template_filter_unknown", () => "{{ 'a' | no_such_filter }}"),
        Template("format_number with a billion-digit precision", "template_filter_unknown", () => "{{ 1 | format_number: 'D999999999' }}"),
        Template("an unknown tag", "template_syntax_error", () => "{% no_such_tag %}"),

        // The engine throws: answered as a render failure, never a 500.
        Template("decimal overflow in plus", "template_render_failed", () => "{{ 79228162514264337593543950335 | plus: 1 }}"),
        Template("the pricing total times the largest decimal", "template_render_failed", () => "{{ pricing.total | times: 79228162514264337593543950335 }}"),
        Template("division by zero", "template_render_failed", () => "{{ 1 | divided_by: 0 }}"),
        Template("rounding to 2,147,483,647 digits", "template_render_failed", () => "{{ 1.5 | round: 2147483647 }}"),
    ];

    /// <summary>Assigns <c>s</c>, a string of 32,768 characters, in 15 doublings (each under the string limit).</summary>
    private const string Grown32K = """{% assign s = "x" %}{% for i in (1..15) %}{% assign s = s | append: s %}{% endfor %}""";

    private static HostileCase Template(string name, string code, Func<string> body) =>
        new(name, HostileTarget.TemplateBody, 400, code, () => Encoding.UTF8.GetBytes(body()));
}
