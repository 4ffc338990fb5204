using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.Templates;

/// <summary>This feature's tables on a cell's context (<c>db.Templates</c>); their mapping is in the entities' configurations.</summary>
public static class TemplatesData
{
    extension(CellDbContext db)
    {
        public DbSet<Template> Templates => db.Set<Template>();
        public DbSet<ContentBlock> ContentBlocks => db.Set<ContentBlock>();
        public DbSet<DirectLink> DirectLinks => db.Set<DirectLink>();
    }
}
