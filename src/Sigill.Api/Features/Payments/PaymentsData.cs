using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.Payments;

/// <summary>This feature's tables on a cell's context (<c>db.DocumentPayments</c>); their mapping is in the entities' configurations.</summary>
public static class PaymentsData
{
    extension(CellDbContext db)
    {
        public DbSet<PaymentAccount> PaymentAccounts => db.Set<PaymentAccount>();
        public DbSet<DocumentPayment> DocumentPayments => db.Set<DocumentPayment>();
        public DbSet<PaymentEventRow> PaymentEvents => db.Set<PaymentEventRow>();
    }
}
