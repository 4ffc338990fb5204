using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using Sigill.Api.Features.Audit;
using Sigill.Crypto;

namespace Sigill.Tests.Audit;

/// <summary>Leaf order is fixed by what was recorded, and crypto-shredding an organization never breaks the log.</summary>
public sealed class AuditOrderAndShreddingTests
{
    [Theory]
    [MemberData(nameof(AuditTestCell.Providers), MemberType = typeof(AuditTestCell))]
    public async Task Events_recorded_in_one_transaction_at_the_same_instant_take_their_leaves_in_recording_order(string provider)
    {
        await using var cell = await AuditTestCell.CreateAsync(provider);
        var org = await cell.CreateOrganizationAsync();
        await cell.SequenceAsync();
        var instant = new DateTime(2026, 11, 27, 10, 0, 0, DateTimeKind.Utc);
        var first = await cell.RecordAsync(org, 40, at: instant);
        var second = await cell.RecordAsync(org, 40, at: instant.AddSeconds(-1)); // committed later, stamped earlier
        await cell.SequenceAsync();

        await using var db = cell.Cell.CreateDbContext();
        var byLeaf = await db.Set<AuditEvent>().Where(e => e.LeafIndex >= 2).OrderBy(e => e.LeafIndex).Select(e => e.Id).ToListAsync();
        // One pass took both transactions: time first, then recording order within the same time.
        Assert.Equal([.. second, .. first], byLeaf);

        // The order is the log's, not the database's: the export lists the same sequence.
        using var export = new MemoryStream();
        await AuditExport.WriteAsync(cell.Cell, org, export, CancellationToken.None);
        var exported = System.Text.Encoding.UTF8.GetString(export.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("eventId").GetString()!).Skip(2).ToList();
        Assert.Equal(byLeaf, exported);
    }

    [Theory]
    [MemberData(nameof(AuditTestCell.Providers), MemberType = typeof(AuditTestCell))]
    public async Task A_crypto_shredded_organizations_events_still_verify_with_the_tree_intact_and_their_content_unreadable(string provider)
    {
        var keyTime = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var cell = await AuditTestCell.CreateAsync(provider, keyTime);
        var leaving = await cell.CreateOrganizationAsync("Leaving AB");
        var staying = await cell.CreateOrganizationAsync("Staying AB");
        var leavingEvents = await cell.RecordAsync(leaving, 6);
        var stayingEvents = await cell.RecordAsync(staying, 4);
        await cell.SequenceAsync();
        var root = cell.Log.Tree.RootHash();
        var checkpoint = cell.Log.Latest!.Note;
        var before = await cell.VerifyAsync();
        Assert.True(before.Ok, before.Problem);
        Assert.Equal(0, before.Shredded);
        long leavingCount = await cell.CountAsync(q => q.Where(e => e.OrganizationId == leaving));

        await cell.Cell.Keys.ScheduleShredAsync(leaving);
        keyTime.Advance(TimeSpan.FromDays(8)); // past the 7-day shred delay
        Assert.Equal([leaving], await cell.Cell.Keys.ExecuteDueShredsAsync());

        // `audit verify` passes: every leaf, seal and checkpoint still checks; the shredded content is counted, not read.
        var after = await cell.VerifyAsync();
        Assert.True(after.Ok, after.Problem);
        Assert.Equal(before.Events, after.Events);
        Assert.Equal(leavingCount, after.Shredded);
        Assert.EndsWith($", {leavingCount} shredded (content unverifiable)", after.Summary, StringComparison.Ordinal);

        // The tree is intact: a restarted node rebuilds the same root and serves the same checkpoint.
        await cell.RestartLogAsync();
        Assert.Equal(0, await cell.SequenceAsync());
        Assert.Equal(root, cell.Log.Tree.RootHash());
        Assert.Equal(checkpoint, cell.Log.Latest!.Note);

        // The details are gone; the other organization's are not.
        await using (var db = cell.Cell.CreateDbContext())
        {
            var shredded = await db.Set<AuditEvent>().AsNoTracking().SingleAsync(e => e.Id == leavingEvents[0]);
            var failure = await Assert.ThrowsAsync<CryptoIntegrityException>(() => AuditReceipts.OpenAsync(cell.Cell, shredded, CancellationToken.None));
            Assert.Equal(CryptoFailureReason.KeyDestroyed, failure.Reason);
            var kept = await db.Set<AuditEvent>().AsNoTracking().SingleAsync(e => e.Id == stayingEvents[0]);
            var (_, canonical) = await AuditReceipts.OpenAsync(cell.Cell, kept, CancellationToken.None);
            Assert.Contains("\"organization\":\"" + staying + "\"", System.Text.Encoding.UTF8.GetString(canonical), StringComparison.Ordinal);
        }
        using (var export = new MemoryStream())
        {
            var result = await AuditExport.WriteAsync(cell.Cell, leaving, export, CancellationToken.None);
            Assert.Equal((0, leavingCount), (result.Exported, result.Shredded));
            Assert.Equal(0, export.Length);
        }

        // The tree still protects the shredded leaves: moving one is caught although nobody can read it.
        await cell.ExecuteSqlAsync("""UPDATE audit_events SET "Commitment" = (SELECT s."Commitment" FROM audit_events s WHERE s."Id" = {0}) WHERE "Id" = {1}""",
            leavingEvents[1], leavingEvents[0]);
        var tampered = await cell.VerifyAsync();
        Assert.False(tampered.Ok);
        Assert.Contains($"event {leavingEvents[0]} is not the event the sequencer put at this position", tampered.Problem, StringComparison.Ordinal);
    }
}
