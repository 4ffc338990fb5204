using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Api.Features.Audit;

namespace Sigill.Api.Features.Webhooks;

/// <summary>An organization's webhook endpoints and their delivery log.</summary>
public static class WebhookEndpoints
{
    public sealed record CreateRequest(string? Url, IReadOnlyList<string>? Events);

    public sealed record WebhookView(string Id, string Url, IReadOnlyList<string> Events, DateTime CreatedAt);

    /// <summary>The only time the secret is shown.</summary>
    public sealed record CreatedWebhook(string Id, string Url, IReadOnlyList<string> Events, DateTime CreatedAt, string Secret);

    public sealed record DeliveryView(string Id, string EventType, string DocumentId, string? RecipientId, DateTime OccurredAt, string Status,
        int Attempts, int? LastStatusCode, string? LastError, DateTime? LastAttemptAt, DateTime? DeliveredAt);

    public static RouteGroupBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/v1/webhooks").WithTags("Webhooks").RequireAuthorization(Policies.OrganizationRead);
        read.MapGet("/", List);
        read.MapGet("/{id}/deliveries", Deliveries);
        var write = app.MapGroup("/api/v1/webhooks").WithTags("Webhooks").RequireAuthorization(Policies.OrganizationWrite);
        write.MapPost("/", Create);
        write.MapDelete("/{id}", Delete);
        return write;
    }

    private static async Task<Results<Created<CreatedWebhook>, ProblemHttpResult>> Create(CreateRequest request, HttpContext http, Caller caller, CellDbContext db, SsrfGuard guard, TimeProvider time, CancellationToken ct)
    {
        if (request.Url is not { Length: <= 2000 } text || !Uri.TryCreate(text, UriKind.Absolute, out var url)
            || url.Scheme is not ("https" or "http") || url.UserInfo.Length > 0 || url.Fragment.Length > 0)
        {
            return Problems.Validation("url must be an absolute http(s) URL without user name or fragment (at most 2000 characters).");
        }
        // Obvious internal targets are refused here; every delivery checks the resolved addresses again.
        if ((url.IsLoopback || IPAddress.TryParse(url.IdnHost.Trim('[', ']'), out _)) && !await AllowedAsync(guard, url.IdnHost, ct))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.WebhookTargetRefused, "The webhook target is not allowed.",
                "Loopback, private, link-local and metadata addresses are refused unless the installation allows them (Webhooks:AllowedNetworks).");
        }
        var events = request.Events?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (events.Count is 0 or > 20 || events.Any(e => e != "*" && !WebhookEvents.Types.Contains(e, StringComparer.Ordinal)) || (events.Contains("*") && events.Count > 1))
        {
            return Problems.Validation("events must list event types (" + string.Join(", ", WebhookEvents.Types) + "), or be [\"*\"] for all.");
        }
        if (await db.WebhookSubscriptions.CountAsync(w => w.OrganizationId == caller.OrganizationId, ct) >= 20)
        {
            return Problems.Validation("An organization has at most 20 webhook endpoints.");
        }
        var cell = caller.Cell;
        var now = time.GetUtcNow().UtcDateTime;
        var id = SigillId.New("whk", cell.Region);
        var secret = WebhookEvents.NewSecret();
        var subscription = new WebhookSubscription
        {
            Id = id,
            OrganizationId = caller.OrganizationId,
            UrlToken = (await cell.Keys.EncryptFieldAsync(caller.OrganizationId, WebhookSubscription.UrlPurpose, url.AbsoluteUri, id, ct))!,
            SecretToken = (await cell.Keys.EncryptFieldAsync(caller.OrganizationId, WebhookSubscription.SecretPurpose, secret, id, ct))!,
            Events = string.Join(' ', events),
            CreatedAt = now,
        };
        db.WebhookSubscriptions.Add(subscription);
        await AuditRecorder.RecordAsync(db, cell, new AuditEventData("webhook.created", caller.OrganizationId, AuditActor.From(http, caller.Actor), id,
            new Dictionary<string, string> { ["events"] = subscription.Events }), now, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/webhooks/{id}", new CreatedWebhook(id, url.AbsoluteUri, events, now, secret));
    }

    private static async Task<bool> AllowedAsync(SsrfGuard guard, string host, CancellationToken ct)
    {
        try
        {
            await guard.ResolveAsync(host, ct);
            return true;
        }
        catch (WebhookTargetRefusedException)
        {
            return false;
        }
    }

    private static async Task<Ok<WebhookView[]>> List(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var cell = caller.Cell;
        var views = new List<WebhookView>();
        foreach (var w in await db.WebhookSubscriptions.AsNoTracking().Where(w => w.OrganizationId == caller.OrganizationId).OrderBy(w => w.CreatedAt).ToListAsync(ct))
        {
            views.Add(new WebhookView(w.Id, (await cell.Keys.DecryptFieldAsync(w.OrganizationId, WebhookSubscription.UrlPurpose, w.UrlToken, w.Id, ct))!, w.Events.Split(' '), w.CreatedAt));
        }
        return TypedResults.Ok(views.ToArray());
    }

    private static async Task<Results<Ok<DeliveryView[]>, NotFound>> Deliveries(string id, Caller caller, CellDbContext db, CancellationToken ct)
    {
        if (!await db.WebhookSubscriptions.AnyAsync(w => w.Id == id && w.OrganizationId == caller.OrganizationId, ct)) return TypedResults.NotFound();
        var rows = await db.WebhookDeliveries.AsNoTracking().Where(d => d.SubscriptionId == id && d.OrganizationId == caller.OrganizationId)
            .OrderByDescending(d => d.OccurredAt).Take(200).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(d => new DeliveryView(d.Id, d.EventType, d.DocumentId, d.RecipientId, d.OccurredAt, d.Status, d.Attempts,
            d.LastStatusCode, d.LastError, d.LastAttemptAt, d.DeliveredAt)).ToArray());
    }

    private static async Task<Results<NoContent, NotFound>> Delete(string id, HttpContext http, Caller caller, CellDbContext db, TimeProvider time, CancellationToken ct)
    {
        var subscription = await db.WebhookSubscriptions.SingleOrDefaultAsync(w => w.Id == id && w.OrganizationId == caller.OrganizationId, ct);
        if (subscription is null) return TypedResults.NotFound();
        db.WebhookSubscriptions.Remove(subscription);
        var now = time.GetUtcNow().UtcDateTime;
        await AuditRecorder.RecordAsync(db, caller.Cell, new AuditEventData("webhook.deleted", caller.OrganizationId, AuditActor.From(http, caller.Actor), id), now, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
