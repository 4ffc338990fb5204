using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.Webhooks;

/// <summary>This feature's tables on a cell's context (<c>db.WebhookSubscriptions</c>); their mapping is in the entities' configurations.</summary>
public static class WebhooksData
{
    extension(CellDbContext db)
    {
        public DbSet<WebhookSubscription> WebhookSubscriptions => db.Set<WebhookSubscription>();
        public DbSet<WebhookDelivery> WebhookDeliveries => db.Set<WebhookDelivery>();
    }
}
