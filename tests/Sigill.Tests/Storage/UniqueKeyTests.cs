using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Features.Accounts;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Storage;

/// <summary>
/// <see cref="UniqueKey"/> on both providers: a duplicate primary key or unique index is a race that answers 409; a write
/// refused for another reason (a missing value, a missing parent row) is a bug and must stay a 500.
/// </summary>
public sealed class UniqueKeyTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_duplicate_primary_key_or_unique_index_is_recognised_and_other_refused_writes_are_not(string provider)
    {
        using var cell = new Cell("eu", await TestServices.CellOptionsAsync(provider, _directory));
        await cell.MigrateAsync(CancellationToken.None);
        await using (var db = cell.CreateDbContext())
        {
            db.Add(new ThrottleRow { Key = "k" });
            db.Users.Add(NewUser("usr_1", "hash"));
            await db.SaveChangesAsync();
        }

        Assert.True(UniqueKey.IsViolation(await RefusedAsync(cell, db => db.Add(new ThrottleRow { Key = "k" }))), "primary key");
        Assert.True(UniqueKey.IsViolation(await RefusedAsync(cell, db => db.Users.Add(NewUser("usr_2", "hash")))), "unique index");
        Assert.False(UniqueKey.IsViolation(await RefusedAsync(cell, db => db.Users.Add(NewUser("usr_3", null!)))), "not null");
        Assert.False(UniqueKey.IsViolation(await RefusedAsync(cell, db => db.Sessions.Add(new Session
        {
            Id = "ses_1", UserId = "usr_missing", OrganizationId = "org_missing", SecretHash = new byte[32], Method = "password",
        }))), "foreign key");
    }

    private static async Task<DbUpdateException> RefusedAsync(Cell cell, Action<Sigill.Api.Platform.Persistence.CellDbContext> change)
    {
        await using var db = cell.CreateDbContext();
        change(db);
        return await Assert.ThrowsAnyAsync<DbUpdateException>(() => db.SaveChangesAsync());
    }

    private static User NewUser(string id, string emailHash) =>
        new() { Id = id, EmailHash = emailHash, EmailToken = "token", NameToken = "token", CreatedAt = DateTime.UtcNow };

    public void Dispose() => _directory.Dispose();
}
