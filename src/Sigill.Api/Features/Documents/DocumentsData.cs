using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.Documents;

/// <summary>This feature's tables on a cell's context (<c>db.Documents</c>); their mapping is in the entities' configurations.</summary>
public static class DocumentsData
{
    extension(CellDbContext db)
    {
        public DbSet<Document> Documents => db.Set<Document>();
        public DbSet<Recipient> Recipients => db.Set<Recipient>();
        public DbSet<DocumentField> DocumentFields => db.Set<DocumentField>();
        public DbSet<DocumentEventRow> DocumentEvents => db.Set<DocumentEventRow>();
    }
}
