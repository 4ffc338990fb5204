using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.ApiTokens;

/// <summary>This feature's tables on a cell's context (<c>db.ApiTokens</c>); their mapping is in the entities' configurations.</summary>
public static class ApiTokensData
{
    extension(CellDbContext db)
    {
        public DbSet<ApiToken> ApiTokens => db.Set<ApiToken>();
    }
}
