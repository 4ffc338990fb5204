using System.Globalization;
using System.Text.RegularExpressions;
using Sigill.Api.Platform.Errors;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Foundation;

/// <summary>The error codes clients branch on are a closed set, and docs/errors.md is its true description.</summary>
public sealed partial class ErrorCodeTests
{
    [GeneratedRegex(@"^\| `(?<code>[a-z_]+)` \| (?<status>[^|]+) \|", RegexOptions.Multiline)]
    private static partial Regex Row();

    [Fact]
    public void Every_error_code_is_documented_with_its_statuses_and_every_documented_code_exists()
    {
        var documented = Row().Matches(File.ReadAllText(Path.Combine(Repository.Root, "docs", "errors.md")))
            .ToDictionary(m => m.Groups["code"].Value, m => m.Groups["status"].Value.Trim(), StringComparer.Ordinal);
        var inCode = ErrorCodes.All.ToDictionary(
            c => c.Key,
            c => c.Value.Count == 0 ? "4xx" : string.Join('/', c.Value.Select(s => s.ToString(CultureInfo.InvariantCulture))),
            StringComparer.Ordinal);

        Assert.Empty(inCode.Keys.Except(documented.Keys).Order(StringComparer.Ordinal)); // answered but not documented
        Assert.Empty(documented.Keys.Except(inCode.Keys).Order(StringComparer.Ordinal)); // documented but never answered
        Assert.All(inCode, c => Assert.Equal($"{c.Key} {c.Value}", $"{c.Key} {documented[c.Key]}"));
    }

    [Fact]
    public void A_code_outside_the_closed_set_is_refused_before_it_reaches_a_client()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Problems.Create(409, "made_up_code", "Made up."));
        Assert.NotNull(Problems.Create(409, ErrorCodes.Conflict, "Known."));
    }
}
