using System.Reflection;
using Sigill.Contracts;

namespace Sigill.Tests.Foundation;

/// <summary>
/// The two tiers share one contracts assembly (JSON records, header names, the directory hash) instead of copies. These
/// tests hold its two promises: the web tier, which faces the internet, reaches no data access, key or API-tier code
/// through it or anything else; and the directory hashes every cell has stored never change.
/// </summary>
public sealed class ContractsTests
{
    private static readonly string[] Forbidden = ["Sigill.Api", "Sigill.Crypto", "Npgsql", "Microsoft.EntityFrameworkCore", "Microsoft.Data.Sqlite", "AWSSDK"];

    [Fact]
    public void The_web_tier_references_no_database_key_or_api_tier_assembly_even_indirectly()
    {
        var reached = Reachable(typeof(Sigill.Web.WebTierHost).Assembly);
        Assert.Contains("Sigill.Contracts", reached);
        Assert.DoesNotContain(reached, name => Forbidden.Any(f => name == f || name.StartsWith(f + ".", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_contracts_reference_nothing_but_the_base_library()
    {
        var references = typeof(DocumentView).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.All(references, name => Assert.True(name.StartsWith("System", StringComparison.Ordinal) || name is "netstandard" or "mscorlib", name));
    }

    [Fact]
    public void The_directory_hashes_of_an_address_and_a_domain_are_stable_and_ignore_case_and_spacing()
    {
        // Known answers computed outside .NET (Python's hmac): HMAC-SHA256 under key bytes 1..32 of the versioned input.
        var key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        Assert.Equal("6d79e4ada906a4cf65d8775eb2d7594a09d00588958dec2a6a6d45d1462d95d9", DirectoryHash.Email(key, "ada@example.com"));
        Assert.Equal("8cc393ecac48d6a9c3ce7c2774d6539dda999578ffe9bd4b91baf2b4e01a67dd", DirectoryHash.Domain(key, "sso.example"));

        Assert.Equal(DirectoryHash.Email(key, "ada@example.com"), DirectoryHash.Email(key, "  Ada@Example.COM "));
        Assert.Equal(DirectoryHash.Domain(key, "sso.example"), DirectoryHash.Domain(key, " SSO.Example. "));
        Assert.NotEqual(DirectoryHash.Email(key, "ada@example.com"), DirectoryHash.Email(key, "ada@example.org"));
        Assert.NotEqual(DirectoryHash.Email(key, "ada@example.com"), DirectoryHash.Email([.. key.Reverse()], "ada@example.com"));
    }

    private static HashSet<string> Reachable(Assembly root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { root.GetName().Name! };
        var pending = new Stack<Assembly>([root]);
        while (pending.TryPop(out var assembly))
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (!seen.Add(reference.Name!))
                {
                    continue;
                }
                pending.Push(Assembly.Load(reference));
            }
        }
        return seen;
    }
}
