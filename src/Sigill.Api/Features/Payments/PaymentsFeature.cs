using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Platform.Jobs;
using Sigill.Http;

namespace Sigill.Api.Features.Payments;

/// <summary>Payments: the processor (Stripe), the event job and the exception handler. Endpoints: <see cref="PaymentEndpoints.MapPayments"/>.</summary>
public static class PaymentsFeature
{
    public static IServiceCollection AddPayments(this IServiceCollection services)
    {
        services.AddSigillOptions<PaymentOptions>("Payments");
        services.AddHttpClient(StripeProcessor.HttpClientName, (sp, c) => c.Timeout = sp.GetRequiredService<PaymentOptions>().Timeout);
        services.AddSingleton<IPaymentProcessor, StripeProcessor>();
        services.AddSingleton<PaymentServices>();
        services.AddSingleton<IJobHandler, PaymentEventJobHandler>();
        services.AddExceptionHandler<PaymentProcessorHandler>();
        return services;
    }
}
