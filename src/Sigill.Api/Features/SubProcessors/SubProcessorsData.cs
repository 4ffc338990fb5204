using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.SubProcessors;

/// <summary>This feature's tables on a cell's context (<c>db.SubProcessorVersions</c>).</summary>
public static class SubProcessorsData
{
    extension(CellDbContext db)
    {
        public DbSet<SubProcessorVersion> SubProcessorVersions => db.Set<SubProcessorVersion>();
        public DbSet<SubProcessorAcceptance> SubProcessorAcceptances => db.Set<SubProcessorAcceptance>();
    }
}
