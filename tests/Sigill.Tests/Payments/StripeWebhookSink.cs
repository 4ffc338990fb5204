using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sigill.Tests.Payments;

/// <summary>A receiver on loopback for the fake's webhooks: records each request and answers the next of <see cref="Statuses"/> (then 200).</summary>
internal sealed class StripeWebhookSink : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StripeWebhookSink(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public sealed record Received(string Body, string Signature, string ContentType, string UserAgent);

    public Uri Url { get; }
    public ConcurrentQueue<Received> Requests { get; } = new();
    public ConcurrentQueue<int> Statuses { get; } = new();

    public static async Task<StripeWebhookSink> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        StripeWebhookSink? sink = null;
        app.MapPost("/stripe", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            sink!.Requests.Enqueue(new Received(body, http.Request.Headers["Stripe-Signature"].ToString(), http.Request.ContentType ?? "",
                http.Request.Headers.UserAgent.ToString()));
            return Results.StatusCode(sink.Statuses.TryDequeue(out var status) ? status : 200);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        sink = new StripeWebhookSink(app, new Uri(address.TrimEnd('/') + "/stripe"));
        return sink;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
