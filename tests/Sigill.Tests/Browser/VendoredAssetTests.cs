using Sigill.Tests.Infrastructure;
namespace Sigill.Tests.Browser;

public sealed class VendoredAssetTests
{
    /// <summary>The web tier serves pdf.js from its own origin; the copy must be exactly the npm package pinned in tools/web-assets.</summary>
    [Theory]
    [InlineData("build/pdf.min.mjs", "pdf.min.mjs")]
    [InlineData("build/pdf.worker.min.mjs", "pdf.worker.min.mjs")]
    public void The_vendored_pdfjs_files_are_the_pinned_npm_package(string packagePath, string vendored)
    {
        var root = Repository.Root;
        var expected = File.ReadAllBytes(Path.Combine(root, "tools", "web-assets", "node_modules", "pdfjs-dist", packagePath));
        var actual = File.ReadAllBytes(Path.Combine(root, "src", "Sigill.Web", "Assets", "vendor", "pdfjs", vendored));
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{vendored} differs from pdfjs-dist/{packagePath}: run tools/web-assets/update.sh");
    }
}
