using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.Accounts;

/// <summary>This feature's tables on a cell's context (<c>db.Users</c>); their mapping is in the entities' configurations.</summary>
public static class AccountsData
{
    extension(CellDbContext db)
    {
        public DbSet<User> Users => db.Set<User>();
        public DbSet<Membership> Memberships => db.Set<Membership>();
        public DbSet<Session> Sessions => db.Set<Session>();
        public DbSet<Invitation> Invitations => db.Set<Invitation>();
    }
}
