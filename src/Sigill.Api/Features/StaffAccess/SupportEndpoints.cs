using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.Organizations;


namespace Sigill.Api.Features.StaffAccess;

/// <summary>
/// Staff access with zero standing access. Operators request a grant for one organization (justification, ticket);
/// an organization admin approves (read-only by default, at most four hours) or denies; revoking ends it at once.
/// Break-glass needs a second operator's confirmation and e-mails the organization's owners and admins immediately.
/// Every request under a grant is recorded in the organization's audit log and listed on its access-transparency page.
/// </summary>
public static class SupportEndpoints
{
    public sealed record GrantRequest(string? OrganizationId, string? Justification, string? Ticket, string? Access, int? DurationMinutes);
    public sealed record ApproveRequest(int? DurationMinutes);

    public static void MapSupport(this IEndpointRouteBuilder app)
    {
        var staff = app.MapGroup("/api/v1/support").WithTags("Staff access").RequireAuthorization(Policies.Support);
        staff.MapPost("/grants", Request);
        staff.MapGet("/grants", OperatorGrants);
        staff.MapPost("/break-glass", RequestBreakGlass);
        staff.MapPost("/break-glass/{id}/confirm", ConfirmBreakGlass);

        var customer = app.MapGroup("/api/v1/organization").WithTags("Staff access");
        customer.MapGet("/support-grants", OrganizationGrants).RequireAuthorization(Policies.OrganizationRead);
        customer.MapPost("/support-grants/{id}/approve", Approve).RequireAuthorization(Policies.OrganizationWrite);
        customer.MapPost("/support-grants/{id}/deny", Deny).RequireAuthorization(Policies.OrganizationWrite);
        customer.MapPost("/support-grants/{id}/revoke", Revoke).RequireAuthorization(Policies.OrganizationWrite);
        customer.MapGet("/access-log", AccessLog).RequireAuthorization(Policies.OrganizationRead);
    }

    private static async Task<GrantView> ViewAsync(Cell cell, SupportGrant g, CancellationToken ct) => new(g.Id, g.OrganizationId, g.OperatorId, g.Kind, g.Access,
        g.Status == "approved" && g.ExpiresAt <= DateTime.UtcNow ? "expired" : g.Status,
        (await cell.Keys.DecryptFieldAsync(AuditRecorder.CellOrganization(cell.Region), SupportGrant.JustificationPurpose, g.JustificationToken, g.Id, ct))!,
        g.TicketReference, g.DurationMinutes, g.RequestedAt, g.DecidedBy, g.DecidedAt, g.ExpiresAt);

    private static async Task<Results<Created<GrantView>, ProblemHttpResult>> Request(GrantRequest request, Caller caller, CellDbContext db,
        IdentityOptions options, TimeProvider time, HttpContext http, CancellationToken ct) =>
        await CreateAsync("support", request, caller, db, options, time, http, ct);

    private static async Task<Results<Created<GrantView>, ProblemHttpResult>> RequestBreakGlass(GrantRequest request, Caller caller, CellDbContext db,
        IdentityOptions options, TimeProvider time, HttpContext http, CancellationToken ct) =>
        await CreateAsync("break_glass", request with { DurationMinutes = (int)options.BreakGlassGrant.TotalMinutes }, caller, db, options, time, http, ct);

    private static async Task<Results<Created<GrantView>, ProblemHttpResult>> CreateAsync(string kind, GrantRequest request, Caller caller, CellDbContext db,
        IdentityOptions options, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var cell = caller.Cell;
        var access = request.Access ?? "read";
        var minutes = request.DurationMinutes ?? 60;
        if (request.Justification?.Trim() is not { Length: >= 10 and <= 2000 } justification)
        {
            return Problems.Validation("justification is required (10-2000 characters): say what you need to see and why.");
        }
        if (request.Ticket?.Trim() is not { Length: > 0 and <= 100 } ticket)
        {
            return Problems.Validation("ticket is required: the support ticket this access is for.");
        }
        if (access is not ("read" or "write"))
        {
            return Problems.Validation("access must be read or write.");
        }
        if (minutes < 1 || minutes > options.MaxSupportGrant.TotalMinutes)
        {
            return Problems.Validation($"durationMinutes must be between 1 and {(int)options.MaxSupportGrant.TotalMinutes}.");
        }
        if (request.OrganizationId is null || !await db.Organizations.AnyAsync(o => o.Id == request.OrganizationId, ct))
        {
            return Problems.Create(StatusCodes.Status404NotFound, ErrorCodes.OrganizationNotFound, "There is no such organization in this region.");
        }
        var now = time.GetUtcNow().UtcDateTime;
        var id = SigillId.New("grt", cell.Region);
        var grant = new SupportGrant
        {
            Id = id,
            OrganizationId = request.OrganizationId,
            OperatorId = caller.OperatorId!,
            Kind = kind,
            JustificationToken = (await cell.Keys.EncryptFieldAsync(AuditRecorder.CellOrganization(cell.Region), SupportGrant.JustificationPurpose, justification, id, ct))!,
            TicketReference = ticket,
            Access = access,
            DurationMinutes = minutes,
            Status = "requested",
            RequestedAt = now,
        };
        db.SupportGrants.Add(grant);
        await AuditRecorder.RecordAsync(db, cell, new($"support.{kind}_requested", grant.OrganizationId, AuditActor.From(http, grant.OperatorId), id,
            new Dictionary<string, string> { ["ticket"] = ticket, ["access"] = access, ["minutes"] = minutes.ToString(System.Globalization.CultureInfo.InvariantCulture) }), now, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/support/grants/{id}", await ViewAsync(cell, grant, ct));
    }

    private static async Task<Ok<List<GrantView>>> OperatorGrants(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var views = new List<GrantView>();
        foreach (var g in await db.SupportGrants.Where(g => g.OperatorId == caller.OperatorId).OrderByDescending(g => g.RequestedAt).ToListAsync(ct))
        {
            views.Add(await ViewAsync(caller.Cell, g, ct));
        }
        return TypedResults.Ok(views);
    }

    private static async Task<Results<Ok<GrantView>, NotFound, ProblemHttpResult>> ConfirmBreakGlass(string id, Caller caller, CellDbContext db,
        IMailer mailer, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var cell = caller.Cell;
        var grant = await db.SupportGrants.SingleOrDefaultAsync(g => g.Id == id && g.Kind == "break_glass" && g.Status == "requested", ct);
        if (grant is null)
        {
            return TypedResults.NotFound();
        }
        var confirmer = caller.OperatorId!;
        if (confirmer == grant.OperatorId)
        {
            return Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.SecondOperatorRequired, "Break-glass access needs a second operator.",
                "Another operator must confirm this request.");
        }
        var now = time.GetUtcNow().UtcDateTime;
        grant.Status = "approved";
        grant.DecidedBy = confirmer;
        grant.DecidedAt = now;
        grant.ExpiresAt = now.AddMinutes(grant.DurationMinutes);
        await AuditRecorder.RecordAsync(db, cell, new("support.break_glass_confirmed", grant.OrganizationId, AuditActor.From(http, confirmer), id,
            new Dictionary<string, string> { ["requestedBy"] = grant.OperatorId, ["expiresAt"] = grant.ExpiresAt.Value.ToString("O", System.Globalization.CultureInfo.InvariantCulture) }), now, ct);
        await db.SaveChangesAsync(ct);
        // The organization's owners and admins hear about it at once. Reading their addresses is the system's
        // doing on the organization's behalf, not the operators': nothing of it reaches the operator.
        using var notify = Sigill.Crypto.KeyAccess.Include(grant.OrganizationId);
        var words = new MailWords(await db.Organizations.Where(o => o.Id == grant.OrganizationId).Select(o => o.DefaultLanguage).SingleOrDefaultAsync(ct), MailWords.Notices);
        foreach (var m in await db.Memberships.Where(m => m.OrganizationId == grant.OrganizationId && (m.Role == Roles.Owner || m.Role == Roles.Admin)).ToListAsync(ct))
        {
            var email = (await cell.Keys.DecryptFieldAsync(m.OrganizationId, Membership.EmailPurpose, m.EmailToken, m.UserId, ct))!;
            await mailer.SendAsync(new MailMessage(cell.Region, email, email, words["BreakGlass.Subject"], words.Format("BreakGlass.Text", grant.OperatorId, confirmer,
                grant.Access, grant.TicketReference, grant.ExpiresAt.Value.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture))), ct);
        }
        return TypedResults.Ok(await ViewAsync(cell, grant, ct));
    }

    private static async Task<Ok<List<GrantView>>> OrganizationGrants(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var cell = caller.Cell;
        var views = new List<GrantView>();
        foreach (var g in await db.SupportGrants.Where(g => g.OrganizationId == caller.OrganizationId).OrderByDescending(g => g.RequestedAt).ToListAsync(ct))
        {
            views.Add(await ViewAsync(cell, g, ct));
        }
        return TypedResults.Ok(views);
    }

    private static async Task<Results<Ok<GrantView>, NotFound, ProblemHttpResult>> Approve(string id, ApproveRequest? request, Caller caller, CellDbContext db, IdentityOptions options, TimeProvider time, HttpContext http, CancellationToken ct) =>
        await DecideAsync(id, caller, db, time, http, ct, g => g.Status == "requested" && g.Kind == "support", (g, now) =>
        {
            var minutes = request?.DurationMinutes ?? g.DurationMinutes;
            if (minutes < 1 || minutes > options.MaxSupportGrant.TotalMinutes)
            {
                return Problems.Validation($"durationMinutes must be between 1 and {(int)options.MaxSupportGrant.TotalMinutes}.");
            }
            g.Status = "approved";
            g.ExpiresAt = now.AddMinutes(minutes);
            return null;
        }, "support.approved");

    private static async Task<Results<Ok<GrantView>, NotFound, ProblemHttpResult>> Deny(string id, Caller caller, CellDbContext db, TimeProvider time, HttpContext http, CancellationToken ct) =>
        await DecideAsync(id, caller, db, time, http, ct, g => g.Status == "requested", (g, _) => { g.Status = "denied"; return null; }, "support.denied");

    private static async Task<Results<Ok<GrantView>, NotFound, ProblemHttpResult>> Revoke(string id, Caller caller, CellDbContext db, TimeProvider time, HttpContext http, CancellationToken ct) =>
        await DecideAsync(id, caller, db, time, http, ct, g => g.Status is "approved" or "requested", (g, now) =>
        {
            g.Status = "revoked";
            g.ExpiresAt = g.ExpiresAt is { } e && e < now ? e : now;
            return null;
        }, "support.revoked");

    private static async Task<Results<Ok<GrantView>, NotFound, ProblemHttpResult>> DecideAsync(string id, Caller caller, CellDbContext db, TimeProvider time, HttpContext http, CancellationToken ct, Func<SupportGrant, bool> applies,
        Func<SupportGrant, DateTime, ProblemHttpResult?> decide, string action)
    {
        if (caller.UserId is null || caller.OperatorId is not null)
        {
            return Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.SessionRequired, "Only the organization's own admins decide on staff access.");
        }
        var grant = await db.SupportGrants.SingleOrDefaultAsync(g => g.Id == id && g.OrganizationId == caller.OrganizationId, ct);
        if (grant is null || !applies(grant))
        {
            return TypedResults.NotFound();
        }
        var now = time.GetUtcNow().UtcDateTime;
        if (decide(grant, now) is { } problem)
        {
            return problem;
        }
        grant.DecidedBy = caller.UserId;
        grant.DecidedAt = now;
        var cell = caller.Cell;
        await AuditRecorder.RecordAsync(db, cell, new(action, caller.OrganizationId, AuditActor.From(http, caller.UserId), id,
            grant.ExpiresAt is { } until ? new Dictionary<string, string> { ["expiresAt"] = until.ToString("O", System.Globalization.CultureInfo.InvariantCulture) } : null), now, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await ViewAsync(cell, grant, ct));
    }

    // The access-transparency page: every staff-access event of this organization, straight from its audit log.
    private static async Task<Ok<List<AccessLogEntry>>> AccessLog(Caller caller, CellDbContext db, CancellationToken ct)
    {
        var cell = caller.Cell;
        var rows = await db.Set<AuditEvent>().Where(e => e.OrganizationId == caller.OrganizationId && e.Action.StartsWith("support."))
            .OrderByDescending(e => e.OccurredAt).Take(500).ToListAsync(ct);
        var entries = new List<AccessLogEntry>();
        foreach (var row in rows)
        {
            if (row.Sealed.AsSpan().StartsWith(Privacy.Erasure.RedactedPrefix))
            {
                // It named a person since erased (ADR 0016): when and what stay, who and the details are gone.
                entries.Add(new(row.Id, row.Action, "erased", null, row.OccurredAt, new Dictionary<string, string>(), row.LeafIndex));
                continue;
            }
            var (_, canonical) = await AuditReceipts.OpenAsync(cell, row, ct);
            using var json = JsonDocument.Parse(canonical);
            var root = json.RootElement;
            var details = root.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.Object
                ? d.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "")
                : [];
            entries.Add(new(row.Id, row.Action, root.GetProperty("actor").GetString()!, root.TryGetProperty("target", out var t) ? t.GetString() : null,
                row.OccurredAt, details, row.LeafIndex));
        }
        return TypedResults.Ok(entries);
    }
}
