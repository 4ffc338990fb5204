namespace Sigill.Tests.Audit;

/// <summary>
/// Someone with database access edits, deletes, reorders or inserts an event: verification fails and
/// names the leaf. Runs the same code as <c>sigill audit verify</c>, on both providers.
/// </summary>
public sealed class AuditTamperTests
{
    public static TheoryData<string, string, string> Tampering()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var provider in new[] { "sqlite", "postgres" })
        {
            data.Add(provider, "edit a column", "leaf 17: event aev_|do not match its sealed content (edited)");
            data.Add(provider, "edit the sealed content", "leaf 17: event aev_|cannot be decrypted|(edited or inserted)");
            data.Add(provider, "edit the commitment", "leaf 17: stored commitment was changed|(edited)");
            data.Add(provider, "truncate the commitment", "leaf 17: stored commitment is 31 bytes, not 32 (edited)");
            data.Add(provider, "delete", "leaf 18 missing (deleted)");
            data.Add(provider, "delete the newest", "leaf 29 missing (deleted)");
            data.Add(provider, "reorder", "leaf 17: event aev_|(reordered or inserted)");
            data.Add(provider, "insert", "leaf 10: event aev_eu_forgedforgedforgedforgedfo cannot be decrypted|(edited or inserted)");
        }
        return data;
    }

    private static readonly Dictionary<string, string[]> Sql = new()
    {
        ["edit a column"] = ["""UPDATE audit_events SET "Action" = 'document.signed' WHERE "LeafIndex" = 17"""],
        ["edit the sealed content"] = ["""UPDATE audit_events SET "Sealed" = (SELECT s."Sealed" FROM audit_events s WHERE s."LeafIndex" = 16) WHERE "LeafIndex" = 17"""],
        ["edit the commitment"] = ["""UPDATE audit_events SET "Commitment" = (SELECT s."Commitment" FROM audit_events s WHERE s."LeafIndex" = 16) WHERE "LeafIndex" = 17"""],
        ["truncate the commitment"] = ["""UPDATE audit_events SET "Commitment" = substr("Commitment", 1, 31) WHERE "LeafIndex" = 17"""],
        ["delete"] = ["""DELETE FROM audit_events WHERE "LeafIndex" = 18"""],
        ["delete the newest"] = ["""DELETE FROM audit_events WHERE "LeafIndex" = 29"""],
        ["reorder"] =
        [
            """UPDATE audit_events SET "LeafIndex" = -1 WHERE "LeafIndex" = 17""",
            """UPDATE audit_events SET "LeafIndex" = 17 WHERE "LeafIndex" = 18""",
            """UPDATE audit_events SET "LeafIndex" = 18 WHERE "LeafIndex" = -1""",
        ],
        ["insert"] =
        [
            """UPDATE audit_events SET "LeafIndex" = -"LeafIndex" - 1 WHERE "LeafIndex" >= 10""",
            """UPDATE audit_events SET "LeafIndex" = -"LeafIndex" WHERE "LeafIndex" < 0""",
            """
            INSERT INTO audit_events ("Id", "OrganizationId", "Action", "OccurredAt", "Sealed", "Commitment", "LeafIndex", "PositionSeal")
            SELECT 'aev_eu_forgedforgedforgedforgedfo', "OrganizationId", "Action", "OccurredAt", "Sealed", "Commitment", 10, "PositionSeal"
            FROM audit_events WHERE "LeafIndex" = 9
            """,
        ],
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task Verification_fails_and_names_the_leaf_when_someone_with_database_access_tampers(string provider, string tampering, string expected)
    {
        await using var cell = await AuditTestCell.CreateAsync(provider);
        var org = await cell.CreateOrganizationAsync();
        await cell.RecordAsync(org, 8);
        await cell.SequenceAsync();
        await cell.RecordAsync(org, 10);
        await cell.SequenceAsync();
        await cell.RecordAsync(org, 10);
        await cell.SequenceAsync();
        var before = await cell.VerifyAsync();
        Assert.True(before.Ok, before.Problem);
        Assert.Equal(30, before.Events);

        foreach (var statement in Sql[tampering])
        {
            await cell.ExecuteSqlAsync(statement);
        }

        var after = await cell.VerifyAsync();
        Assert.False(after.Ok);
        foreach (var part in expected.Split('|'))
        {
            Assert.Contains(part, after.Problem, StringComparison.Ordinal);
        }
        Assert.StartsWith("audit log eu: FAILED: ", after.Summary, StringComparison.Ordinal);
    }
}
