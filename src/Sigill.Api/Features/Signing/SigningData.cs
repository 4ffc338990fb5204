using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.Signing;

/// <summary>This feature's tables on a cell's context (<c>db.CellCertificateAuthorities</c>); their mapping is in the entities' configurations.</summary>
public static class SigningData
{
    extension(CellDbContext db)
    {
        public DbSet<CellCertificateAuthority> CellCertificateAuthorities => db.Set<CellCertificateAuthority>();
        public DbSet<OrganizationSigningKey> OrganizationSigningKeys => db.Set<OrganizationSigningKey>();
    }
}
