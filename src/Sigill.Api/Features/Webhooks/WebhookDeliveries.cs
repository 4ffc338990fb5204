using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Features.Documents;

namespace Sigill.Api.Features.Webhooks;

/// <summary>
/// Webhook events. Every document state change recorded through <see cref="DocumentWorkflow.RecordAsync"/>
/// becomes one delivery row and one <c>webhook.deliver</c> job per subscribed endpoint, added to the same
/// transaction as the change (an outbox: a rolled-back change sends nothing, a committed one is delivered
/// even if the node dies right after). Payloads carry identifiers and states only, never names or e-mail.
/// </summary>
public static class WebhookEvents
{
    public const string JobKind = "webhook.deliver";

    /// <summary>Attempts per delivery before it is dead-lettered (the job queue's backoff spaces them: 10 s doubling, capped at an hour).</summary>
    public const int MaxAttempts = 8;

    public static readonly IReadOnlyList<string> Types =
    [
        "document.created", "document.sent", "document.viewed", "document.reminded", "document.signed", "document.approved",
        "document.completed", "document.declined", "document.voided", "document.expired", "document.paid", "document.refunded",
    ];

    internal static async Task EnqueueAsync(CellDbContext db, Cell cell, Document document, string type, string? recipientId, DateTime now, CancellationToken ct)
    {
        if (!Types.Contains(type, StringComparer.Ordinal))
        {
            return;
        }
        var subscriptions = await db.ReadOnceAsync("webhook-subscriptions:" + document.OrganizationId,
            () => db.WebhookSubscriptions.AsNoTracking().Where(w => w.OrganizationId == document.OrganizationId).ToListAsync(ct));
        foreach (var subscription in subscriptions.Where(s => s.Wants(type)))
        {
            var delivery = new WebhookDelivery
            {
                Id = SigillId.New("msg", cell.Region),
                SubscriptionId = subscription.Id,
                OrganizationId = document.OrganizationId,
                EventType = type,
                DocumentId = document.Id,
                DocumentStatus = document.Status,
                RecipientId = recipientId,
                OccurredAt = now,
                Status = "pending",
            };
            db.WebhookDeliveries.Add(delivery);
            await JobQueue.EnqueueAsync(db, cell, new JobRequest(JobKind, Encoding.UTF8.GetBytes(delivery.Id), "webhook:" + delivery.Id,
                new DateTimeOffset(DateTime.SpecifyKind(now, DateTimeKind.Utc)), MaxAttempts: MaxAttempts), TimeProvider.System, ct: ct);
        }
    }

    /// <summary>The Standard Webhooks payload: <c>{"type", "timestamp", "data"}</c>.</summary>
    public static byte[] Body(WebhookDelivery d) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        type = d.EventType,
        timestamp = DateTime.SpecifyKind(d.OccurredAt, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
        data = new { documentId = d.DocumentId, status = d.DocumentStatus, recipientId = d.RecipientId },
    });

    /// <summary>A new secret: <c>whsec_</c> + base64 of 32 random bytes (the HMAC key).</summary>
    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// The <c>webhook-signature</c> value of the Standard Webhooks specification: <c>v1,</c> + base64 of
    /// HMAC-SHA256, keyed with the secret's base64-decoded part, over <c>{webhook-id}.{webhook-timestamp}.{body}</c>.
    /// </summary>
    public static string Sign(string secret, string id, long timestamp, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(body);
        var key = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret[6..] : secret);
        var prefix = Encoding.UTF8.GetBytes(FormattableString.Invariant($"{id}.{timestamp}."));
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content, prefix.Length);
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }
}

/// <summary>
/// Delivers one webhook. A 2xx answer succeeds; anything else, a timeout or a connection failure is logged on
/// the delivery and thrown back to the job queue, which retries with exponential backoff and dead-letters the job
/// after <see cref="WebhookEvents.MaxAttempts"/>. A target refused by the <see cref="SsrfGuard"/> is not retried.
/// </summary>
internal sealed class WebhookDeliveryJob(SsrfGuard guard) : IJobHandler, IDisposable
{
    private readonly HttpClient _client = guard.CreateClient();

    public string Kind => WebhookEvents.JobKind;

    public void Dispose() => _client.Dispose();

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var cell = job.Cell;
        await using var db = cell.CreateDbContext();
        var delivery = await db.WebhookDeliveries.SingleOrDefaultAsync(d => d.Id == job.PayloadText, cancellationToken);
        if (delivery is null || delivery.Status is "succeeded" or "cancelled" or "refused")
        {
            return;
        }
        var subscription = await db.WebhookSubscriptions.AsNoTracking()
            .SingleOrDefaultAsync(s => s.Id == delivery.SubscriptionId && s.OrganizationId == delivery.OrganizationId, cancellationToken);
        if (subscription is null)
        {
            delivery.Status = "cancelled"; // the endpoint was deleted meanwhile
            await db.SaveChangesAsync(cancellationToken);
            return;
        }
        var url = (await cell.Keys.DecryptFieldAsync(subscription.OrganizationId, WebhookSubscription.UrlPurpose, subscription.UrlToken, subscription.Id, cancellationToken))!;
        var secret = (await cell.Keys.DecryptFieldAsync(subscription.OrganizationId, WebhookSubscription.SecretPurpose, subscription.SecretToken, subscription.Id, cancellationToken))!;
        var now = job.Time.GetUtcNow();
        var timestamp = now.ToUnixTimeSeconds();
        var body = WebhookEvents.Body(delivery);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("webhook-id", delivery.Id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookEvents.Sign(secret, delivery.Id, timestamp, body));
        request.Headers.UserAgent.ParseAdd("Sigill-Webhooks/1");
        delivery.Attempts = job.Attempt;
        delivery.LastAttemptAt = now.UtcDateTime;
        delivery.LastStatusCode = null;
        string error;
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            delivery.LastStatusCode = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                delivery.Status = "succeeded";
                delivery.DeliveredAt = now.UtcDateTime;
                delivery.LastError = null;
                await db.SaveChangesAsync(CancellationToken.None);
                return;
            }
            error = $"the endpoint answered {(int)response.StatusCode}";
        }
        catch (HttpRequestException e) when (Refused(e) is { } refused)
        {
            delivery.Status = "refused";
            delivery.LastError = refused.Message;
            await db.SaveChangesAsync(CancellationToken.None);
            return;
        }
        catch (HttpRequestException e)
        {
            error = $"the request failed ({e.HttpRequestError})";
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error = "the endpoint did not answer in time";
        }
        delivery.LastError = error;
        delivery.Status = job.IsLastAttempt ? "dead" : "retrying";
        await db.SaveChangesAsync(CancellationToken.None);
        throw new JobFailedException(error);
    }

    private static WebhookTargetRefusedException? Refused(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is WebhookTargetRefusedException refused) return refused;
        }
        return null;
    }
}
