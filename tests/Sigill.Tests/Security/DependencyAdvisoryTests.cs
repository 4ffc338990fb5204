using System.Text.Json;
using System.Text.Json.Nodes;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Security;

/// <summary>
/// Dependency advisories offline (issue 20, item 5): every locked NuGet and npm version is checked against the vendored
/// GitHub Advisory Database subset; a version inside a vendored range is a finding unless a reasoned, dated exception
/// covers it; the range evaluation follows the OSV specification.
/// </summary>
public sealed class DependencyAdvisoryTests
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);

    [Fact]
    public void Every_locked_NuGet_and_npm_version_is_free_of_vendored_advisories_except_the_reasoned_exceptions()
    {
        var root = Repository.Root;
        var locked = DependencyAdvisories.LockedPackages(root);
        var snapshot = DependencyAdvisories.Snapshot(root);
        var exceptions = DependencyAdvisories.ReadExceptions(File.ReadAllText(Path.Combine(root, DependencyAdvisories.ExceptionsFile)));
        var date = DependencyAdvisories.SnapshotDate(File.ReadAllText(Path.Combine(root, DependencyAdvisories.Directory, "SOURCE.md")));

        var report = DependencyAdvisories.Check(locked, snapshot, exceptions, Today);

        ScanSummary.Write($"dependency advisories: {report.NuGetLocked} NuGet + {report.NpmLocked} npm packages locked, " +
            $"{report.Advisories} advisories in snapshot of {date:yyyy-MM-dd}, {report.Findings.Count + report.Excepted.Count} findings ({report.Excepted.Count} excepted)");
        // Lock files that went missing or unread would make "no findings" meaningless.
        Assert.Contains(DependencyAdvisories.LockFiles(root), f => f == "src/Sigill.Cli/packages.lock.json");
        Assert.Contains(DependencyAdvisories.LockFiles(root), f => f == "tools/test-services/package-lock.json");
        Assert.True(report.NuGetLocked > 50 && report.NpmLocked > 100, $"only {report.NuGetLocked} NuGet and {report.NpmLocked} npm packages read from the lock files");
        Assert.True(report.Advisories > 0, "the vendored snapshot is empty");
        Assert.True(report.Problems.Count == 0, string.Join('\n', report.Problems));
        Assert.True(report.Findings.Count == 0, "known-vulnerable locked versions (upgrade, or record a reasoned exception in "
            + DependencyAdvisories.ExceptionsFile + "):\n" + string.Join('\n', report.Findings));
    }

    [Fact]
    public void A_generated_lock_entry_inside_any_vendored_range_is_reported_with_its_advisory()
    {
        var snapshot = DependencyAdvisories.Snapshot(Repository.Root).Where(a => a.Withdrawn is null).ToList();
        var dir = Directory.CreateTempSubdirectory("sigill-advisories-");
        try
        {
            var planted = new List<(string Advisory, LockedPackage Package)>();
            var n = 0;
            foreach (var advisory in snapshot)
            {
                foreach (var affected in advisory.Affected)
                {
                    var version = VersionInside(affected);
                    var folder = Directory.CreateDirectory(Path.Combine(dir.FullName, $"p{n++}")).FullName;
                    var lockFile = affected.Ecosystem == Ecosystems.NuGet ? "packages.lock.json" : "package-lock.json";
                    File.WriteAllText(Path.Combine(folder, lockFile), affected.Ecosystem == Ecosystems.NuGet
                        ? NuGetLock((affected.Name, version, "Transitive"))
                        : NpmLock(($"node_modules/{affected.Name}", version)));
                    planted.Add((advisory.Id, new LockedPackage(affected.Ecosystem, affected.Name, version, "")));
                }
            }

            var report = DependencyAdvisories.Check(DependencyAdvisories.LockedPackages(dir.FullName), snapshot, [], Today);

            Assert.Empty(report.Problems);
            var missed = planted.Where(p => !report.Findings.Any(f => f.Advisory.Id == p.Advisory
                && f.Package.Name == p.Package.Name && f.Package.Version == p.Package.Version)).ToList();
            Assert.True(missed.Count == 0, "planted and not reported:\n" + string.Join('\n', missed));
            Assert.True(planted.Count >= snapshot.Count, "every vendored advisory is planted at least once");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    // introduced 0, fixed: everything below the fix.
    [InlineData("NuGet", "0", "2.3.1", null, "0.0.1", true)]
    [InlineData("NuGet", "0", "2.3.1", null, "2.3.0", true)]
    [InlineData("NuGet", "0", "2.3.1", null, "2.3.1", false)]
    [InlineData("NuGet", "0", "2.3.1", null, "2.7.0", false)]
    // introduced, fixed: the lower bound is inside, the fix is not.
    [InlineData("NuGet", "8.0.0", "8.0.3", null, "7.9.9", false)]
    [InlineData("NuGet", "8.0.0", "8.0.3", null, "8.0.0", true)]
    [InlineData("NuGet", "8.0.0", "8.0.3", null, "8.0.2.9", true)]
    [InlineData("NuGet", "8.0.0", "8.0.3", null, "8.0.3.0", false)]
    // last_affected: inclusive, with no known fix.
    [InlineData("npm", "0", null, "0.3.1", "0.3.0", true)]
    [InlineData("npm", "0", null, "0.3.1", "0.3.1", true)]
    [InlineData("npm", "0", null, "0.3.1", "0.3.2", false)]
    // Prerelease ordering: a prerelease of the fix is still affected; a prerelease above the last affected is not.
    [InlineData("NuGet", "9.0.0-preview.1.24080.9", "9.0.0-rc.2.24473.5", null, "9.0.0-rc.1.24431.7", true)]
    [InlineData("NuGet", "9.0.0-preview.1.24080.9", "9.0.0-rc.2.24473.5", null, "9.0.0-RC.2.24473.5", false)]
    [InlineData("NuGet", "9.0.0-preview.1.24080.9", "9.0.0-rc.2.24473.5", null, "9.0.0", false)]
    [InlineData("NuGet", "9.0.0-preview.1.24080.9", "9.0.0-rc.2.24473.5", null, "8.0.10", false)]
    [InlineData("npm", "3.0.0-alpha.0", "3.0.0-alpha.3", null, "3.0.0-alpha.2", true)]
    [InlineData("npm", "3.0.0-alpha.0", "3.0.0-alpha.3", null, "3.0.0-alpha.10", false)]
    [InlineData("npm", "3.0.0-alpha.0", "3.0.0-alpha.3", null, "2.16.4", false)]
    [InlineData("npm", "0", null, "4.1.392", "4.2.0-beta", false)]
    [InlineData("npm", "1.0.0", "2.0.0", null, "2.0.0-rc.1", true)]
    [InlineData("npm", "1.0.0", "2.0.0", null, "1.0.0-rc.1", false)]
    [InlineData("npm", "1.0.0", "2.0.0", null, "1.5.0+build.7", true)]
    public void A_range_includes_its_introduced_version_excludes_its_fix_and_includes_its_last_affected_version(
        string ecosystem, string introduced, string? fix, string? lastAffected, string version, bool affected)
    {
        var range = new List<OsvEvent> { new(introduced, null, null), fix is null ? new(null, null, lastAffected) : new(null, fix, null) };
        var entry = new OsvAffected(ecosystem, "p", [range], []);

        Assert.Equal(affected, entry.Affects(PackageVersion.Parse(version, ecosystem)));
    }

    [Fact]
    public void Several_ranges_and_several_spans_in_one_range_each_count_and_the_gaps_between_them_do_not()
    {
        // The Npgsql advisory's shape (one affected entry per release line) and the same spans as one range with four events.
        var separate = new OsvAffected("NuGet", "p", [Range("0", "4.0.14"), Range("4.1.0", "4.1.13"), Range("8.0.0", "8.0.3")], []);
        var oneRange = new OsvAffected("NuGet", "p", [[new("8.0.0", null, null), new(null, "8.0.3", null), new("0", null, null), new(null, "4.0.14", null)]], []);
        foreach (var entry in new[] { separate, oneRange })
        {
            Assert.True(entry.Affects(V("4.0.13")));
            Assert.True(entry.Affects(V("8.0.2")));
            Assert.False(entry.Affects(V("4.0.14")));
            Assert.False(entry.Affects(V("7.0.7")));
            Assert.False(entry.Affects(V("8.0.3")));
            Assert.False(entry.Affects(V("10.0.3")));
        }
        Assert.True(separate.Affects(V("4.1.12")));
        Assert.False(separate.Affects(V("4.1.13")));
    }

    [Fact]
    public void An_explicit_versions_list_affects_exactly_those_versions()
    {
        var entry = new OsvAffected("npm", "color", [], ["5.0.1"]);

        Assert.True(entry.Affects(V("5.0.1", "npm")));
        Assert.False(entry.Affects(V("5.0.0", "npm")));
        Assert.False(entry.Affects(V("5.0.2", "npm")));
        Assert.False(entry.Affects(V("5.0.1-rc.1", "npm")));
    }

    [Fact]
    public void Prerelease_versions_order_as_semver_says_and_nuget_labels_ignore_case()
    {
        // The ordering example of SemVer 2.0, section 11.
        string[] ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0", "10.0.0"];
        for (var i = 0; i + 1 < ordered.Length; i++)
        {
            Assert.True(V(ordered[i], "npm").CompareTo(V(ordered[i + 1], "npm")) < 0, $"{ordered[i]} < {ordered[i + 1]}");
        }
        Assert.Equal(0, V("1.0.0-RC.1").CompareTo(V("1.0.0-rc.1")));
        Assert.True(V("1.0.0-RC.1", "npm").CompareTo(V("1.0.0-rc.1", "npm")) < 0);
        Assert.Equal(0, V("4.0.13").CompareTo(V("4.0.13.0")));
        Assert.Throws<FormatException>(() => V("4.x"));
        Assert.Throws<FormatException>(() => V("1.0.0-"));
    }

    [Fact]
    public void An_exception_excuses_only_its_package_and_advisory_and_an_expired_unused_or_unbounded_one_is_a_problem()
    {
        var advisory = new OsvAdvisory("GHSA-test-0001", "test", "HIGH", null, DateTimeOffset.UnixEpoch,
            [new OsvAffected("npm", "dicer", [Range("0", null, "0.3.1")], []), new OsvAffected("npm", "busboy", [Range("0", null, "0.3.1")], [])]);
        var withdrawn = advisory with { Id = "GHSA-test-0002", Withdrawn = "2025-07-29T19:06:04Z" };
        var locked = new List<LockedPackage> { new("npm", "dicer", "0.3.0", "a/package-lock.json"), new("npm", "busboy", "0.3.1", "a/package-lock.json") };
        const string reason = "test-only loopback service that parses only the suite's own requests";
        var today = new DateOnly(2026, 12, 5);

        var report = DependencyAdvisories.Check(locked, [advisory, withdrawn], [new("npm", "dicer", "GHSA-test-0001", today.AddDays(30), reason)], today);

        Assert.Equal(["dicer"], report.Excepted.Select(f => f.Package.Name));
        Assert.Equal(["busboy GHSA-test-0001"], report.Findings.Select(f => $"{f.Package.Name} {f.Advisory.Id}"));
        Assert.Empty(report.Problems);

        Assert.Contains("expired", Problem(new("npm", "dicer", "GHSA-test-0001", today.AddDays(-1), reason)));
        Assert.Contains("more than 366 days ahead", Problem(new("npm", "dicer", "GHSA-test-0001", today.AddDays(400), reason)));
        Assert.Contains("excuses no finding", Problem(new("npm", "dicer", "GHSA-test-0002", today.AddDays(30), reason)));
        Assert.Contains("gives no reason", Problem(new("npm", "dicer", "GHSA-test-0001", today.AddDays(30), "")));

        string Problem(AdvisoryException exception) => string.Join('\n', DependencyAdvisories.Check(locked, [advisory, withdrawn], [exception], today).Problems);
    }

    [Fact]
    public void Lock_files_yield_every_pinned_package_but_no_project_reference_or_linked_folder()
    {
        var nuget = DependencyAdvisories.ReadLockFile("src/App/packages.lock.json",
            NuGetLock(("Npgsql", "10.0.3", "Direct"), ("Microsoft.Extensions.Logging.Abstractions", "8.0.3", "Transitive"), ("Sigill.Crypto", "1.0.0", "Project"), ("Yarp.ReverseProxy", "2.3.0", "CentralTransitive")));
        var npm = DependencyAdvisories.ReadLockFile("tools/x/package-lock.json",
            NpmLock(("node_modules/koa", "2.16.4"), ("node_modules/oidc-provider/node_modules/koa", "3.3.0"), ("node_modules/@koa/router", "9.4.0"), ("node_modules/local", "link")));

        Assert.Equal(["Npgsql 10.0.3", "Microsoft.Extensions.Logging.Abstractions 8.0.3", "Yarp.ReverseProxy 2.3.0"], nuget.Select(p => $"{p.Name} {p.Version}"));
        Assert.Equal(["koa 2.16.4", "koa 3.3.0", "@koa/router 9.4.0"], npm.Select(p => $"{p.Name} {p.Version}"));
        Assert.Throws<FormatException>(() => DependencyAdvisories.ReadLockFile("old/package-lock.json", """{ "lockfileVersion": 1, "dependencies": {} }""").ToList());
    }

    [Fact]
    public async Task The_refresh_script_keeps_from_a_clone_or_a_bare_mirror_only_the_advisories_naming_a_locked_package()
    {
        var mirror = Directory.CreateTempSubdirectory("sigill-mirror-");
        try
        {
            // A two-advisory "github/advisory-database": the vendored Npgsql record (with a Maven entry and a details text
            // added, as the originals have) and an npm advisory for a package no lock file pins.
            var npgsql = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, DependencyAdvisories.Directory, "osv", "GHSA-x9vc-6hfv-hg8c.json")))!.AsObject();
            npgsql["details"] = "a long description the snapshot leaves out";
            npgsql["affected"]!.AsArray().Add(JsonNode.Parse("""{ "package": { "ecosystem": "Maven", "name": "org.example:npgsql" }, "versions": ["1.0"] }"""));
            Write("2024/05/GHSA-x9vc-6hfv-hg8c", npgsql.ToJsonString());
            Write("2023/01/GHSA-aaaa-bbbb-cccc", """{ "id": "GHSA-aaaa-bbbb-cccc", "modified": "2023-01-01T00:00:00Z", "affected": [{ "package": { "ecosystem": "npm", "name": "left-pad" }, "versions": ["1.0.0"] }] }""");
            foreach (var args in new[] { new[] { "init", "-q" }, ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "mirror"], ["clone", "-q", "--bare", ".", "bare.git"] })
            {
                var (exit, log) = await ReleaseSbomTests.RunAsync(mirror.FullName, "git", args);
                Assert.True(exit == 0, log);
            }

            foreach (var source in new[] { mirror.FullName, Path.Combine(mirror.FullName, "bare.git") })
            {
                var output = Path.Combine(mirror.FullName, "out-" + Path.GetFileName(source));
                var (exit, log) = await ReleaseSbomTests.RunAsync(Repository.Root, "bash", "security/advisories/refresh.sh", source, output);
                Assert.True(exit == 0, log);

                Assert.Equal(["GHSA-x9vc-6hfv-hg8c.json"], Directory.GetFiles(Path.Combine(output, "osv")).Select(Path.GetFileName));
                Assert.Equal(File.ReadAllText(Path.Combine(Repository.Root, DependencyAdvisories.Directory, "osv", "GHSA-x9vc-6hfv-hg8c.json")),
                    File.ReadAllText(Path.Combine(output, "osv", "GHSA-x9vc-6hfv-hg8c.json")));
                // The mirror's commit date, just made (a day either side for a run across midnight in another time zone).
                Assert.InRange(DependencyAdvisories.SnapshotDate(File.ReadAllText(Path.Combine(output, "SOURCE.md"))), Today.AddDays(-1), Today.AddDays(1));
            }
        }
        finally
        {
            mirror.Delete(recursive: true);
        }

        void Write(string folder, string json)
        {
            var dir = Directory.CreateDirectory(Path.Combine(mirror.FullName, "advisories", "github-reviewed", folder)).FullName;
            File.WriteAllText(Path.Combine(dir, Path.GetFileName(folder) + ".json"), json);
        }
    }

    private static PackageVersion V(string text, string ecosystem = "NuGet") => PackageVersion.Parse(text, ecosystem);

    private static List<OsvEvent> Range(string introduced, string? fix, string? lastAffected = null) =>
        [new(introduced, null, null), fix is null ? new(null, null, lastAffected) : new(null, fix, null)];

    /// <summary>A version the entry affects: a listed one, else the lowest introduced one, else one below the fix or the last affected one.</summary>
    private static string VersionInside(OsvAffected affected)
    {
        if (affected.Versions.Count > 0) return affected.Versions[0];
        var events = affected.Ranges[0];
        var introduced = events.First(e => e.Introduced is not null).Introduced!;
        if (introduced != "0") return introduced;
        var upper = events.First(e => e.Introduced is null);
        return upper.LastAffected ?? "0.0.0";
    }

    private static string NuGetLock(params (string Name, string Version, string Type)[] packages) => JsonSerializer.Serialize(new
    {
        version = 2,
        dependencies = new Dictionary<string, Dictionary<string, object>>
        {
            ["net10.0"] = packages.ToDictionary(p => p.Name, p => (object)(p.Type == "Project"
                ? new { type = p.Type }
                : new { type = p.Type, resolved = p.Version, contentHash = "AAAA" })),
        },
    });

    private static string NpmLock(params (string Path, string Version)[] packages)
    {
        var map = new Dictionary<string, object> { [""] = new { name = "planted", version = "1.0.0" } };
        foreach (var (path, version) in packages)
        {
            map[path] = version == "link" ? new { link = true, resolved = "../local" } : new { version, resolved = $"https://registry.invalid/{path}.tgz" };
        }
        return JsonSerializer.Serialize(new { name = "planted", lockfileVersion = 3, packages = map });
    }
}
