using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.ApiTokens;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Members;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Persistence;
using Sigill.Api.Platform.Security;
using Sigill.Contracts;

namespace Sigill.Api.Features.AccessReviews;

/// <summary>
/// An organization's periodic access reviews (docs/access-reviews.md). Owners and admins (members:write, from a signed-in
/// session: a person attests) start a review of every member and active token, decide keep, change or revoke for each,
/// and attest. Attesting applies the decisions through the members' and tokens' own code paths (<see cref="MemberEndpoints.ChangeRoleAsync"/>,
/// <see cref="MemberEndpoints.RemoveAsync"/>, <see cref="TokenEndpoints.RevokeAsync"/>), so their rules and audit events hold,
/// in one transaction: one refused decision (the last owner) refuses the attestation and changes nothing.
/// Another organization's review answers 404.
/// </summary>
public static class AccessReviewEndpoints
{
    public const string BasePath = "/api/v1/organization/access-reviews";

    public static void MapAccessReviews(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(BasePath).WithTags("Access reviews").RequireAuthorization(Policies.MembersWrite);
        group.MapGet("/", Overview);
        group.MapPost("/", Start);
        group.MapGet("/{id}", Get);
        group.MapPut("/{id}/items/{itemId}", Decide);
        group.MapPost("/{id}/attest", Attest);
    }

    private static async Task<Ok<AccessReviewsOverview>> Overview(Caller caller, CellDbContext db, AccessReviewOptions options, TimeProvider time, CancellationToken ct)
    {
        var reviews = await db.AccessReviews.Where(r => r.OrganizationId == caller.OrganizationId).OrderByDescending(r => r.StartedAt).ToListAsync(ct);
        var ids = reviews.Select(r => r.Id).ToList();
        var items = await db.AccessReviewItems.Where(i => i.OrganizationId == caller.OrganizationId && ids.Contains(i.ReviewId)).ToListAsync(ct);
        var due = await AccessReviewSchedule.DueAtAsync(db, caller.OrganizationId, options, ct);
        var open = reviews.FirstOrDefault(r => r.Status == AccessReview.Open);
        var history = reviews.Select(r =>
        {
            var of = items.Where(i => i.ReviewId == r.Id).ToList();
            return new AccessReviewSummary(r.Id, r.Status, r.StartedAt, r.AttestedAt, of.Count(i => i.Kind == AccessReviewItem.Member), of.Count(i => i.Kind == AccessReviewItem.Token),
                of.Count(i => i.Decision == AccessReviewItem.Keep), of.Count(i => i.Decision == AccessReviewItem.Change), of.Count(i => i.Decision == AccessReviewItem.Revoke));
        }).ToList();
        var current = open is null ? null : await ViewAsync(db, caller.Cell, open, [.. items.Where(i => i.ReviewId == open.Id)], ct);
        return TypedResults.Ok(new AccessReviewsOverview(options.IntervalDays, due, time.GetUtcNow().UtcDateTime > due, current, history));
    }

    private static async Task<Results<Ok<AccessReviewView>, NotFound>> Get(string id, Caller caller, CellDbContext db, CancellationToken ct)
    {
        var review = await FindAsync(db, caller, id, ct);
        if (review is null) return TypedResults.NotFound();
        var items = await db.AccessReviewItems.Where(i => i.ReviewId == review.Id).ToListAsync(ct);
        return TypedResults.Ok(await ViewAsync(db, caller.Cell, review, items, ct));
    }

    private static async Task<Results<Created<AccessReviewView>, ProblemHttpResult>> Start(Caller caller, CellDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (PersonProblem(caller) is { } person) return person;
        if (await db.AccessReviews.AnyAsync(r => r.OpenFor == caller.OrganizationId, ct))
        {
            return Problems.Conflict(ErrorCodes.AccessReviewOpen, "A review is already open: finish and attest it first.");
        }
        var now = time.GetUtcNow().UtcDateTime;
        var review = new AccessReview
        {
            Id = SigillId.New("arv", caller.Region),
            OrganizationId = caller.OrganizationId,
            OpenFor = caller.OrganizationId,
            Status = AccessReview.Open,
            StartedAt = now,
            StartedBy = caller.UserId!,
        };
        db.AccessReviews.Add(review);
        var items = new List<AccessReviewItem>();
        foreach (var m in await db.Memberships.Where(m => m.OrganizationId == caller.OrganizationId).OrderBy(m => m.CreatedAt).ToListAsync(ct))
        {
            items.Add(Item(caller.Region, review, AccessReviewItem.Member, m.UserId, m.Role));
        }
        foreach (var t in await db.ApiTokens.Where(t => t.OrganizationId == caller.OrganizationId && t.RevokedAt == null && t.ExpiresAt > now).OrderBy(t => t.CreatedAt).ToListAsync(ct))
        {
            items.Add(Item(caller.Region, review, AccessReviewItem.Token, t.Id, null));
        }
        db.AccessReviewItems.AddRange(items);
        await AuditRecorder.RecordAsync(db, caller.Cell, new("access_review.started", caller.OrganizationId, AuditActor.From(http, caller.Actor), review.Id,
            new Dictionary<string, string>
            {
                ["members"] = Count(items.Count(i => i.Kind == AccessReviewItem.Member)),
                ["tokens"] = Count(items.Count(i => i.Kind == AccessReviewItem.Token)),
            }), now, ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (UniqueKey.IsViolation(e))
        {
            return Problems.Conflict(ErrorCodes.AccessReviewOpen, "A review is already open: finish and attest it first.");
        }
        return TypedResults.Created($"{BasePath}/{review.Id}", await ViewAsync(db, caller.Cell, review, items, ct));
    }

    private static async Task<Results<Ok<AccessReviewItemView>, NotFound, ProblemHttpResult>> Decide(string id, string itemId, AccessReviewDecision request,
        Caller caller, CellDbContext db, TimeProvider time, CancellationToken ct)
    {
        var review = await FindAsync(db, caller, id, ct);
        var item = review is null ? null : await db.AccessReviewItems.SingleOrDefaultAsync(i => i.Id == itemId && i.ReviewId == review.Id, ct);
        if (review is null || item is null) return TypedResults.NotFound();
        if (PersonProblem(caller) is { } person) return person;
        if (review.Status != AccessReview.Open)
        {
            return Problems.Conflict(ErrorCodes.AccessReviewClosed, "This review is attested; its decisions can no longer change.");
        }
        string? newRole = null;
        switch (request.Decision)
        {
            case AccessReviewItem.Keep:
                break;
            case AccessReviewItem.Change when item.Kind == AccessReviewItem.Member:
                if (!Roles.IsValid(request.Role) || request.Role == item.RoleAtStart)
                {
                    return Problems.Validation($"role must be a new role, one of: {string.Join(", ", Roles.All)}.");
                }
                if (MemberEndpoints.RoleProblem(caller, item.RoleAtStart!, request.Role!) is { } changeProblem) return changeProblem;
                newRole = request.Role;
                break;
            case AccessReviewItem.Revoke:
                if (item.Kind == AccessReviewItem.Member && MemberEndpoints.RoleProblem(caller, item.RoleAtStart!, item.RoleAtStart!) is { } removeProblem) return removeProblem;
                break;
            default:
                return Problems.Validation(item.Kind == AccessReviewItem.Member
                    ? "decision must be keep, change (with a role) or revoke."
                    : "decision must be keep or revoke (a token's scopes are not changed by a review).");
        }
        item.Decision = request.Decision;
        item.NewRole = newRole;
        item.DecidedAt = time.GetUtcNow().UtcDateTime;
        item.DecidedBy = caller.UserId;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok((await ViewAsync(db, caller.Cell, review, [item], ct)).Items[0]);
    }

    private static async Task<Results<Ok<AccessReviewSummary>, NotFound, ProblemHttpResult>> Attest(string id, Caller caller, CellDbContext db,
        TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var review = await FindAsync(db, caller, id, ct);
        if (review is null) return TypedResults.NotFound();
        if (PersonProblem(caller) is { } person) return person;
        if (review.Status != AccessReview.Open)
        {
            return Problems.Conflict(ErrorCodes.AccessReviewClosed, "This review is already attested.");
        }
        var items = await db.AccessReviewItems.Where(i => i.ReviewId == review.Id).ToListAsync(ct);
        var undecided = items.Count(i => i.Decision is null);
        if (undecided > 0)
        {
            return Problems.Conflict(ErrorCodes.AccessReviewIncomplete, $"{undecided} of {items.Count} item(s) have no decision yet: keep, change or revoke each before attesting.");
        }
        var now = time.GetUtcNow().UtcDateTime;
        var actor = AuditActor.From(http, caller.Actor);
        var periodStart = await AccessReviewSchedule.LastAttestedAtAsync(db, caller.OrganizationId, ct)
            ?? (await db.Organizations.SingleAsync(o => o.Id == caller.OrganizationId, ct)).CreatedAt;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Each decision is saved before the next is checked, so a rule like "the last owner stays" sees the earlier ones.
        foreach (var item in items.Where(i => i.Decision != AccessReviewItem.Keep))
        {
            if (await ApplyAsync(db, caller, item, actor, now, ct) is { } problem)
            {
                await transaction.RollbackAsync(ct);
                return problem;
            }
            await db.SaveChangesAsync(ct);
        }
        review.Status = AccessReview.Attested;
        review.OpenFor = null;
        review.AttestedAt = now;
        review.AttestedBy = caller.UserId;
        var summary = new AccessReviewSummary(review.Id, review.Status, review.StartedAt, now,
            items.Count(i => i.Kind == AccessReviewItem.Member), items.Count(i => i.Kind == AccessReviewItem.Token),
            items.Count(i => i.Decision == AccessReviewItem.Keep), items.Count(i => i.Decision == AccessReviewItem.Change), items.Count(i => i.Decision == AccessReviewItem.Revoke));
        // Read by the compliance report (CC6.2, CC6.3) by this action's name: identifiers and counts, no names or addresses.
        await AuditRecorder.RecordAsync(db, caller.Cell, new("access_review.attested", caller.OrganizationId, actor, review.Id,
            new Dictionary<string, string>
            {
                ["review"] = review.Id,
                ["periodStart"] = periodStart.ToString("O", CultureInfo.InvariantCulture),
                ["periodEnd"] = now.ToString("O", CultureInfo.InvariantCulture),
                ["startedAt"] = review.StartedAt.ToString("O", CultureInfo.InvariantCulture),
                ["members"] = Count(summary.Members),
                ["tokens"] = Count(summary.Tokens),
                ["kept"] = Count(summary.Kept),
                ["changed"] = Count(summary.Changed),
                ["revoked"] = Count(summary.Revoked),
            }), now, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.Ok(summary);
    }

    /// <summary>Carries out one decision through the members' or tokens' own path; a subject gone since the review started needs nothing.</summary>
    private static async Task<ProblemHttpResult?> ApplyAsync(CellDbContext db, Caller caller, AccessReviewItem item, AuditActor actor, DateTime now, CancellationToken ct)
    {
        if (item.Kind == AccessReviewItem.Token)
        {
            var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == item.SubjectId && t.OrganizationId == item.OrganizationId && t.RevokedAt == null, ct);
            if (token is not null) await TokenEndpoints.RevokeAsync(db, caller.Cell, token, actor, now, ct);
            return null;
        }
        var member = await db.Memberships.SingleOrDefaultAsync(m => m.OrganizationId == item.OrganizationId && m.UserId == item.SubjectId, ct);
        if (member is null) return null;
        if (item.Decision == AccessReviewItem.Revoke) return await MemberEndpoints.RemoveAsync(db, caller, member, actor, now, ct);
        return member.Role == item.NewRole ? null : await MemberEndpoints.ChangeRoleAsync(db, caller, member, item.NewRole, actor, now, ct);
    }

    /// <summary>Reviews are a person's judgement: a token, even one with members:write, cannot start, decide or attest one.</summary>
    private static ProblemHttpResult? PersonProblem(Caller caller) =>
        caller.Role is Roles.Owner or Roles.Admin && caller.UserId is not null
            ? null
            : Problems.Create(StatusCodes.Status403Forbidden, ErrorCodes.SessionRequired, "Only a signed-in owner or admin can review access.");

    private static Task<AccessReview?> FindAsync(CellDbContext db, Caller caller, string id, CancellationToken ct) =>
        db.AccessReviews.SingleOrDefaultAsync(r => r.Id == id && r.OrganizationId == caller.OrganizationId, ct);

    private static AccessReviewItem Item(string region, AccessReview review, string kind, string subject, string? role) => new()
    {
        Id = SigillId.New("ari", region),
        ReviewId = review.Id,
        OrganizationId = review.OrganizationId,
        Kind = kind,
        SubjectId = subject,
        RoleAtStart = role,
    };

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>The review with each item's name and detail as they are now (a member removed since reads "(no longer a member)").</summary>
    private static async Task<AccessReviewView> ViewAsync(CellDbContext db, Cell cell, AccessReview review, IReadOnlyList<AccessReviewItem> items, CancellationToken ct)
    {
        var userIds = items.Where(i => i.Kind == AccessReviewItem.Member).Select(i => i.SubjectId).ToList();
        var tokenIds = items.Where(i => i.Kind == AccessReviewItem.Token).Select(i => i.SubjectId).ToList();
        var members = await db.Memberships.Where(m => m.OrganizationId == review.OrganizationId && userIds.Contains(m.UserId)).ToDictionaryAsync(m => m.UserId, ct);
        var tokens = await db.ApiTokens.Where(t => t.OrganizationId == review.OrganizationId && tokenIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
        var views = new List<AccessReviewItemView>();
        foreach (var i in items.OrderBy(i => i.Kind == AccessReviewItem.Member ? 0 : 1))
        {
            if (i.Kind == AccessReviewItem.Member)
            {
                var m = members.GetValueOrDefault(i.SubjectId);
                var name = m is null ? "(no longer a member)" : await cell.Keys.DecryptFieldAsync(m.OrganizationId, Membership.NamePurpose, m.NameToken, m.UserId, ct) ?? "";
                var email = m is null ? "" : await cell.Keys.DecryptFieldAsync(m.OrganizationId, Membership.EmailPurpose, m.EmailToken, m.UserId, ct) ?? "";
                views.Add(new(i.Id, i.Kind, i.SubjectId, name, email, i.RoleAtStart, null, null, null, i.Decision, i.NewRole));
            }
            else
            {
                var t = tokens.GetValueOrDefault(i.SubjectId);
                views.Add(new(i.Id, i.Kind, i.SubjectId, t?.Name ?? "(deleted token)", t is null ? "" : t.Scopes.Replace(' ', ','), null, t?.UserId,
                    t?.LastUsedAt, t?.ExpiresAt, i.Decision, i.NewRole));
            }
        }
        return new AccessReviewView(review.Id, review.Status, review.StartedAt, review.AttestedAt, views);
    }
}

/// <summary>When an organization's next review is due: <see cref="AccessReviewOptions.IntervalDays"/> after its last attestation, or its creation.</summary>
internal static class AccessReviewSchedule
{
    public static async Task<DateTime?> LastAttestedAtAsync(CellDbContext db, string organizationId, CancellationToken ct) =>
        await db.AccessReviews.Where(r => r.OrganizationId == organizationId && r.AttestedAt != null).MaxAsync(r => r.AttestedAt, ct);

    public static async Task<DateTime> DueAtAsync(CellDbContext db, string organizationId, AccessReviewOptions options, CancellationToken ct)
    {
        var from = await LastAttestedAtAsync(db, organizationId, ct) ?? (await db.Organizations.SingleAsync(o => o.Id == organizationId, ct)).CreatedAt;
        return DateTime.SpecifyKind(from, DateTimeKind.Utc).AddDays(options.IntervalDays);
    }
}
