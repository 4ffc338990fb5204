using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.Organizations;

/// <summary>This feature's tables on a cell's context (<c>db.Organizations</c>); their mapping is in the entities' configurations.</summary>
public static class OrganizationsData
{
    extension(CellDbContext db)
    {
        public DbSet<Organization> Organizations => db.Set<Organization>();
    }
}
