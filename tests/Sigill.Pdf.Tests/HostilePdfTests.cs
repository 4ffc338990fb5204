using Sigill.Hostile;

namespace Sigill.Pdf.Tests;

/// <summary>Every PDF of the shared hostile corpus is refused by the inspector with the code the corpus names.</summary>
public sealed class HostilePdfTests
{
    public static TheoryData<string> Cases() => [.. HostileCorpus.Pdfs().Select(c => c.Name)];

    internal static HostileCase Case(string name) => HostileCorpus.Pdfs().Single(c => c.Name == name);

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_hostile_pdf_is_refused_with_its_code(string name)
    {
        var hostile = Case(name);
        var ex = Assert.Throws<PdfRejectedException>(() => PdfInspector.Inspect(hostile.Payload()));
        Assert.True(hostile.ExpectedCode == ex.Code, $"{name}: expected {hostile.ExpectedCode}, got {ex.Code}: {ex.Message}");
    }

    [Fact]
    public void The_corpus_covers_every_family_with_bombs_kept_small()
    {
        var cases = HostileCorpus.Pdfs().ToList();
        Assert.All(cases, c => Assert.Equal(HostileTarget.PdfUpload, c.Target));
        Assert.Equal(cases.Count, cases.Select(c => c.Name).Distinct().Count());
        foreach (var code in new[] { "pdf_too_complex", "pdf_active_content", "pdf_malformed", "pdf_too_large", "pdf_encrypted" })
        {
            Assert.Contains(cases, c => c.ExpectedCode == code);
        }
        // Bombs are generated compressed: the largest payload is the 12 MB one that needs a large file to reach the total limit.
        Assert.All(cases, c => Assert.True(c.Payload().Length < 14_000_000, $"{c.Name} is {c.Payload().Length} bytes"));
    }

    [Theory]
    [InlineData("bomb: one page content stream of 1 GiB", "64 MiB, the limit for one stream")]
    [InlineData("bomb: thirty streams of 30 MiB in a 1 MB file (ratio)", "at most 100 times the file's size")]
    [InlineData("bomb: twenty streams of 60 MiB in a 12 MB file (total)", "1 GiB, the limit for one document")]
    [InlineData("bomb: eight object streams of 250 MB each (2 MB file)", "decodes to more than 8 MiB")]
    [InlineData("bomb: object streams holding 9 million values", "4000000 values")]
    [InlineData("active: a Launch action chained behind a URI link", "a Launch action (/S /Launch)")]
    [InlineData("active: an embedded .exe in the names tree", "embedded files (/EmbeddedFiles)")]
    [InlineData("active: a javascript: link", "a link to a javascript: address")]
    [InlineData("active: JavaScript in an object stream the cross-reference does not list", "in object 9 in object stream")]
    [InlineData("page: /Count 2147483647 for one page", "says /Count 2147483647 but holds 1 pages")]
    [InlineData("page: a negative MediaBox", "MediaBox is -612 × -792 points")]
    public void The_refusal_names_the_limit_or_what_was_found(string name, string expected)
    {
        var ex = Assert.Throws<PdfRejectedException>(() => PdfInspector.Inspect(Case(name).Payload()));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
