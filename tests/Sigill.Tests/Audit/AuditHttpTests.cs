using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Tests.Infrastructure;
using Sigill.Transparency;

namespace Sigill.Tests.Audit;

/// <summary>The public, read-only log through the web tier, as an independent auditor would use it.</summary>
public sealed class AuditHttpTests : IAsyncLifetime
{
    private SigillApp _app = null!;

    public async Task InitializeAsync() => _app = await SigillApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<(Checkpoint Checkpoint, string Note, NoteVerifier Verifier)> WaitForCheckpointAsync(HttpClient web, long atLeast)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            using var keyResponse = await web.GetAsync("/audit/eu/verifier-key");
            using var response = await web.GetAsync("/audit/eu/checkpoint");
            if (response.IsSuccessStatusCode && keyResponse.IsSuccessStatusCode)
            {
                var note = await response.Content.ReadAsStringAsync();
                var verifier = NoteVerifier.Parse((await keyResponse.Content.ReadAsStringAsync()).Trim());
                var opened = Checkpoint.Open(note, verifier);
                Assert.True(opened.IsValid, opened.Detail);
                if (opened.Checkpoint.Size >= atLeast)
                {
                    return (opened.Checkpoint, note, verifier);
                }
            }
            Assert.True(DateTime.UtcNow < deadline, $"no checkpoint of size {atLeast} within 10 s");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Setting_up_an_organization_is_in_a_signed_checkpoint_within_seconds()
    {
        var org = await _app.SetUpOrganizationAsync("Acme AB", "eu");
        using var web = _app.Web();
        // organization.created, user.created (the owner), member.added, api_token.created
        var (checkpoint, _, verifier) = await WaitForCheckpointAsync(web, 4);
        Assert.Equal(4, checkpoint.Size);
        Assert.EndsWith("/audit/eu", checkpoint.Origin, StringComparison.Ordinal);
        Assert.Equal(checkpoint.Origin, verifier.Name);
        await using var db = _app.Cells.Get("eu").CreateDbContext();
        Assert.Equal(4, await db.Set<AuditEvent>().CountAsync(e => e.OrganizationId == org.OrganizationId && e.LeafIndex != null));
    }

    [Fact]
    public async Task Tiles_let_an_independent_client_rebuild_the_root_of_the_served_checkpoint()
    {
        var org = await _app.SetUpOrganizationAsync("Acme AB", "eu");
        for (int i = 0; i < 6; i++)
        {
            await _app.SetUpOrganizationAsync($"Org {i}", "eu");
        }
        using var web = _app.Web();
        var (checkpoint, _, _) = await WaitForCheckpointAsync(web, 14);
        var reader = new TileHashReader(checkpoint.Size, path =>
        {
            using var response = web.GetAsync("/audit/eu/" + path).GetAwaiter().GetResult();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
        });
        Assert.Equal(checkpoint.RootHash.ToArray(), MerkleMath.RootHash(reader, checkpoint.Size));

        // The entry bundle holds the commitments whose leaf hashes the level-0 tile holds, and nothing else.
        var width = TlogTiles.EntryBundleWidth(checkpoint.Size, 0);
        var bundle = TlogTiles.DecodeEntryBundle(await web.GetByteArrayAsync("/audit/eu/" + TlogTiles.EntryBundlePath(0, width)))!;
        var tile = await web.GetByteArrayAsync("/audit/eu/" + TlogTiles.HashTilePath(0, 0, TlogTiles.HashTileWidth(checkpoint.Size, 0, 0)));
        Assert.Equal(width, bundle.Count);
        for (int i = 0; i < bundle.Count; i++)
        {
            Assert.Equal(32, bundle[i].Length);
            Assert.Equal(MerkleHash.Leaf(bundle[i]), tile.AsSpan(i * 32, 32).ToArray());
        }
        using var partial = await web.GetAsync("/audit/eu/" + TlogTiles.HashTilePath(0, 0, 1));
        Assert.Equal("no-cache", partial.Headers.CacheControl?.ToString());
        using var beyond = await web.GetAsync("/audit/eu/" + TlogTiles.HashTilePath(0, 0));
        Assert.Equal(HttpStatusCode.NotFound, beyond.StatusCode);
        using var unknownRegion = await web.GetAsync("/audit/mars/checkpoint");
        Assert.Equal(HttpStatusCode.NotFound, unknownRegion.StatusCode);
        _ = org;
    }

    [Fact]
    public async Task Inclusion_and_consistency_proofs_from_the_endpoints_verify()
    {
        await _app.SetUpOrganizationAsync("Acme AB", "eu");
        using var web = _app.Web();
        var (first, _, _) = await WaitForCheckpointAsync(web, 2);
        await _app.SetUpOrganizationAsync("Globex", "eu");
        var (second, _, _) = await WaitForCheckpointAsync(web, 4);

        for (long index = 0; index < second.Size; index++)
        {
            var inclusion = (await web.GetFromJsonAsync<AuditEndpoints.InclusionProofView>($"/audit/eu/proof/inclusion?index={index}&size={second.Size}"))!;
            Assert.True(MerkleVerifier.VerifyInclusion(Convert.FromBase64String(inclusion.LeafHash), index, second.Size,
                [.. inclusion.Proof.Select(Convert.FromBase64String)], second.RootHash.Span));
        }
        var consistency = (await web.GetFromJsonAsync<AuditEndpoints.ConsistencyProofView>($"/audit/eu/proof/consistency?from={first.Size}&to={second.Size}"))!;
        Assert.True(MerkleVerifier.VerifyConsistency(first.Size, second.Size, [.. consistency.Proof.Select(Convert.FromBase64String)],
            first.RootHash.Span, second.RootHash.Span));

        using var bad = await web.GetAsync($"/audit/eu/proof/inclusion?index=0&size={second.Size + 100}");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task The_public_log_reveals_no_organization_name_or_event_content()
    {
        const string name = "Zanzibar Quantum Widgets";
        await _app.SetUpOrganizationAsync(name, "eu");
        using var web = _app.Web();
        var (checkpoint, note, _) = await WaitForCheckpointAsync(web, 2);
        var served = new List<byte[]>
        {
            Encoding.UTF8.GetBytes(note),
            await web.GetByteArrayAsync("/audit/eu/" + TlogTiles.EntryBundlePath(0, (int)checkpoint.Size)),
            await web.GetByteArrayAsync("/audit/eu/" + TlogTiles.HashTilePath(0, 0, (int)checkpoint.Size)),
            await web.GetByteArrayAsync($"/audit/eu/proof/inclusion?index=0&size={checkpoint.Size}"),
        };
        foreach (var body in served)
        {
            foreach (var secret in new[] { name, "organization.created", "api_token.created", "org_eu_", "tok_eu_", "aev_eu_", "127.0.0.1" })
            {
                Assert.False(body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) >= 0, $"the public log served '{secret}'");
            }
        }
    }

    [Fact]
    public async Task A_member_gets_a_receipt_for_its_own_event_and_404_for_another_organizations()
    {
        var acme = await _app.SetUpOrganizationAsync("Acme AB", "eu");
        var globex = await _app.SetUpOrganizationAsync("Globex", "eu");
        using var anonymous = _app.Web();
        await WaitForCheckpointAsync(anonymous, 4);
        await using var db = _app.Cells.Get("eu").CreateDbContext();
        var acmeEvent = await db.Set<AuditEvent>().Where(e => e.OrganizationId == acme.OrganizationId).Select(e => e.Id).FirstAsync();

        using var acmeClient = _app.Web(acme.ApiToken);
        var receipt = await acmeClient.GetStringAsync($"/api/v1/audit/events/{acmeEvent}/receipt");
        var verifierKey = (await anonymous.GetStringAsync("/audit/eu/verifier-key")).Trim();
        var result = ReceiptVerifier.Verify(receipt, verifierKey);
        Assert.True(result.IsValid, result.Detail);

        using var globexClient = _app.Web(globex.ApiToken);
        using var foreign = await globexClient.GetAsync($"/api/v1/audit/events/{acmeEvent}/receipt");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        using var unauthenticated = await anonymous.GetAsync($"/api/v1/audit/events/{acmeEvent}/receipt");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
    }

    [Fact]
    public async Task The_certificate_api_gives_leaf_index_and_checkpoint_for_event_ids()
    {
        var acme = await _app.SetUpOrganizationAsync("Acme AB", "eu");
        using var web = _app.Web();
        var (_, note, _) = await WaitForCheckpointAsync(web, 4);
        // A second node's view of the cell: it catches up from the database.
        using var log = new CellAuditLog(_app.Cells.Get("eu"));
        await log.InitializeAsync(new AuditOptions(), TimeProvider.System, CancellationToken.None);
        await log.SequenceOnceAsync(100, TimeProvider.System, CancellationToken.None);
        await using var db = _app.Cells.Get("eu").CreateDbContext();
        var ids = await db.Set<AuditEvent>().Where(e => e.OrganizationId == acme.OrganizationId).Select(e => e.Id).ToListAsync();

        var inclusions = await AuditReceipts.ForEventsAsync(log, acme.OrganizationId, [.. ids, "aev_eu_0000000000000000000000000a"], CancellationToken.None);
        Assert.Equal(4, inclusions.Count);
        Assert.Equal([0L, 1L, 2L, 3L], inclusions.Select(i => i.LeafIndex!.Value));
        Assert.All(inclusions, i => Assert.Equal(note, i.Checkpoint));
        Assert.Empty(await AuditReceipts.ForEventsAsync(log, "org_eu_someoneelse00000000000000", ids, CancellationToken.None));
    }
}
