using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.AccessReviews;

/// <summary>This feature's tables on a cell's context (<c>db.AccessReviews</c>, <c>db.AccessReviewItems</c>).</summary>
public static class AccessReviewsData
{
    extension(CellDbContext db)
    {
        public DbSet<AccessReview> AccessReviews => db.Set<AccessReview>();
        public DbSet<AccessReviewItem> AccessReviewItems => db.Set<AccessReviewItem>();
    }
}
