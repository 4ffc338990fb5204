using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.StaffAccess;

/// <summary>This feature's tables on a cell's context (<c>db.Operators</c>); their mapping is in the entities' configurations.</summary>
public static class StaffAccessData
{
    extension(CellDbContext db)
    {
        public DbSet<Operator> Operators => db.Set<Operator>();
        public DbSet<SupportGrant> SupportGrants => db.Set<SupportGrant>();
    }
}
