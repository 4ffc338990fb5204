using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Audit;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Features.Organizations;

namespace Sigill.Tests.Audit;

/// <summary>Events are written in the same transaction as the change they record, and sequenced after.</summary>
public sealed class AuditTransactionTests
{
    [Theory]
    [MemberData(nameof(AuditTestCell.Providers), MemberType = typeof(AuditTestCell))]
    public async Task Creating_an_organization_commits_its_events_with_it(string provider)
    {
        await using var cell = await AuditTestCell.CreateAsync(provider);
        var org = await cell.CreateOrganizationAsync();
        await using var db = cell.Cell.CreateDbContext();
        var actions = await db.Set<AuditEvent>().Where(e => e.OrganizationId == org).Select(e => e.Action).ToListAsync();
        Assert.Equal(["api_token.created", "organization.created"], actions.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(AuditTestCell.Providers), MemberType = typeof(AuditTestCell))]
    public async Task No_event_is_recorded_for_a_change_that_rolled_back(string provider)
    {
        await using var cell = await AuditTestCell.CreateAsync(provider);
        var org = await cell.CreateOrganizationAsync();
        long before = await cell.CountAsync();

        await using (var db = cell.Cell.CreateDbContext())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            await AuditRecorder.RecordAsync(db, cell.Cell, new AuditEventData("organization.renamed", org, AuditActor.System, org), DateTime.UtcNow, CancellationToken.None);
            await db.SaveChangesAsync();
            await tx.RollbackAsync();
        }
        // A change that fails to save (a duplicate organization) takes its event down with it.
        await using (var db = cell.Cell.CreateDbContext())
        {
            db.Organizations.Add(new Organization { Id = org, Region = "eu", NameToken = "x", CreatedAt = DateTime.UtcNow });
            await AuditRecorder.RecordAsync(db, cell.Cell, new AuditEventData("organization.created", org, AuditActor.System, org), DateTime.UtcNow, CancellationToken.None);
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }

        Assert.Equal(before, await cell.CountAsync());
    }

    [Theory]
    [MemberData(nameof(AuditTestCell.Providers), MemberType = typeof(AuditTestCell))]
    public async Task Sequencing_gives_contiguous_leaves_and_a_checkpoint_the_tree_reproduces(string provider)
    {
        await using var cell = await AuditTestCell.CreateAsync(provider);
        var org = await cell.CreateOrganizationAsync();
        await cell.RecordAsync(org, 10);
        Assert.Equal(12, await cell.SequenceAsync());
        await cell.RecordAsync(org, 5);
        Assert.Equal(5, await cell.SequenceAsync());
        Assert.Equal(0, await cell.SequenceAsync());

        Assert.Equal(17, cell.Log.Tree.Size);
        var checkpoint = Sigill.Transparency.Checkpoint.Open(cell.Log.Latest!.Note, cell.Log.Key!.Verifier, cell.Log.Key.Origin);
        Assert.True(checkpoint.IsValid, checkpoint.Detail);
        Assert.Equal(17, checkpoint.Checkpoint.Size);
        Assert.Equal(cell.Log.Tree.RootHash(), checkpoint.Checkpoint.RootHash.ToArray());
        Assert.Equal("sigill.local/test/audit/eu", cell.Log.Key.Origin);
        var report = await cell.VerifyAsync();
        Assert.True(report.Ok, report.Problem);
        Assert.Equal("audit log eu: OK, 17 events, checkpoint size 17", report.Summary);
    }

    [Theory]
    [MemberData(nameof(AuditTestCell.Providers), MemberType = typeof(AuditTestCell))]
    public async Task Events_committed_before_a_crash_are_sequenced_after_restart_and_verify(string provider)
    {
        await using var cell = await AuditTestCell.CreateAsync(provider);
        var org = await cell.CreateOrganizationAsync();
        await cell.SequenceAsync();
        // The change commits, then the process dies before the sequencer's next pass.
        await cell.RecordAsync(org, 7);
        Assert.Equal(7, await cell.CountAsync(q => q.Where(e => e.LeafIndex == null)));
        await cell.RestartLogAsync();

        Assert.Equal(7, await cell.SequenceAsync());
        Assert.Equal(9, cell.Log.Tree.Size);
        Assert.Equal(9, cell.Log.Latest!.Size);
        var report = await cell.VerifyAsync();
        Assert.True(report.Ok, report.Problem);
        Assert.Equal(9, report.CheckpointSize);
    }

    [Theory]
    [MemberData(nameof(AuditTestCell.Providers), MemberType = typeof(AuditTestCell))]
    public async Task Two_nodes_sequencing_one_cell_never_reuse_a_leaf(string provider)
    {
        await using var cell = await AuditTestCell.CreateAsync(provider);
        var org = await cell.CreateOrganizationAsync();
        var other = new CellAuditLog(cell.Cell);
        await other.InitializeAsync(cell.Options, TimeProvider.System, CancellationToken.None);
        for (int round = 0; round < 5; round++)
        {
            await cell.RecordAsync(org, 20);
            await Task.WhenAll(
                Task.Run(() => cell.SequenceAsync()),
                Task.Run(() => other.SequenceOnceAsync(1000, TimeProvider.System, CancellationToken.None)));
        }
        await other.SequenceOnceAsync(1000, TimeProvider.System, CancellationToken.None);
        await cell.SequenceAsync();
        Assert.Equal(102, cell.Log.Tree.Size);
        Assert.Equal(cell.Log.Tree.RootHash(), other.Tree.RootHash());
        var report = await cell.VerifyAsync();
        Assert.True(report.Ok, report.Problem);
        other.Dispose();
    }
}
