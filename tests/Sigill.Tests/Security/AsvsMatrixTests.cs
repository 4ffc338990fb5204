using Sigill.Tests.Infrastructure;
using Xunit;

namespace Sigill.Tests.Security;

/// <summary>
/// The ASVS 5.0 Level 2 matrix (docs/asvs.md) cannot rot: every requirement is listed, every test it names exists,
/// every applicable requirement names a test or is counted as not yet proven, and the document is what its inputs generate.
/// </summary>
public sealed class AsvsMatrixTests
{
    [Fact]
    public void The_matrix_lists_every_level_1_and_2_requirement_once_names_only_existing_tests_and_counts_the_unproven()
    {
        var requirements = AsvsMatrix.Requirements();
        Assert.Equal(345, requirements.Count); // ASVS 5.0.0 has 345 requirements, 253 of them at level 1 or 2
        var problems = AsvsMatrix.Problems(requirements, AsvsMatrix.Mapping(), AsvsMatrix.TestsOfThisSuite());
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void A_mapping_that_names_a_missing_test_skips_a_requirement_or_leaves_an_applicable_one_unaccounted_is_refused()
    {
        var requirements = AsvsMatrix.Requirements();
        var good = AsvsMatrix.Mapping();
        var tests = AsvsMatrix.TestsOfThisSuite();
        var proven = good.First(m => m.Tests.Count > 0);
        var dropped = good[^1];
        var broken = good.SkipLast(1)
            .Select(m => m.Id == proven.Id ? m with { Tests = [.. m.Tests, "NoSuchTests.Does_not_exist"] } : m)
            .Select(m => m.Id == "V1.1.1" ? m with { Applicable = true, Tests = [], Note = "" } : m)
            .ToList();

        var problems = AsvsMatrix.Problems(requirements, broken, tests);

        Assert.Contains($"{proven.Id}: names NoSuchTests.Does_not_exist, which is no test of the suite", problems);
        Assert.Contains("V1.1.1: applicable, but names no test and does not say \"not yet proven\"", problems);
        Assert.Contains($"{dropped.Id}: a level 1 or 2 requirement the mapping does not list", problems);
        Assert.Empty(AsvsMatrix.Problems(requirements, good, tests));
    }

    [Fact]
    public void Docs_asvs_md_is_exactly_what_the_vendored_requirements_and_the_mapping_generate()
    {
        var expected = AsvsMatrix.Document(AsvsMatrix.Requirements(), AsvsMatrix.Mapping());
        var path = Path.Combine(Repository.Root, AsvsMatrix.DocumentFile);
        if (Environment.GetEnvironmentVariable("SIGILL_WRITE_ASVS") == "1")
        {
            File.WriteAllText(path, expected);
        }
        Assert.True(File.Exists(path) && File.ReadAllText(path) == expected,
            $"{AsvsMatrix.DocumentFile} is not what {AsvsMatrix.MappingFile} generates: run SIGILL_WRITE_ASVS=1 ./test.sh --filter FullyQualifiedName~AsvsMatrixTests");
    }
}
