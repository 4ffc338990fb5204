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
/// <remarks>
/// Attesting and saving decisions each begin their transaction with a conditional update of the review row (still open),
/// which takes its lock: two attestations, or a decision and an attestation, run one after the other, and the second sees
/// the first's outcome (a closed review: 409 <c>access_review_closed</c>). On SQLite the transaction is a writer's from its start.
/// </remarks>
public static class AccessReviewEndpoints
{
    public const string BasePath = "/api/v1/organization/access-reviews";

    public static void MapAccessReviews(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(BasePath).WithTags("Access reviews").RequireAuthorization(Policies.MembersWrite);
        group.MapGet("/", Overview);
        group.MapPost("/", Start);
        group.MapGet("/{id}", Get);
        group.MapPut("/{id}/items", Decide);
        group.MapPost("/{id}/attest", Attest);
    }

    /// <summary>The schedule and every review's counts, counted by the database: no items are loaded and nothing is decrypted.</summary>
    private static async Task<Ok<AccessReviewsOverview>> Overview(Caller caller, CellDbContext db, AccessReviewOptions options, TimeProvider time, CancellationToken ct)
    {
        var history = await SummariesAsync(db, db.AccessReviews.Where(r => r.OrganizationId == caller.OrganizationId), ct);
        var createdAt = await db.Organizations.Where(o => o.Id == caller.OrganizationId).Select(o => o.CreatedAt).SingleAsync(ct);
        var due = AccessReviewSchedule.DueAt(history.Max(h => h.AttestedAt), createdAt, options);
        var current = history.FirstOrDefault(h => h.Status == AccessReview.Open);
        return TypedResults.Ok(new AccessReviewsOverview(options.IntervalDays, due, time.GetUtcNow().UtcDateTime > due, current, history));
    }

    private static async Task<Results<Ok<AccessReviewView>, NotFound>> Get(string id, Caller caller, CellDbContext db, CancellationToken ct)
    {
        var review = await FindAsync(db, caller, id, ct);
        if (review is null) return TypedResults.NotFound();
        var items = await db.AccessReviewItems.Where(i => i.ReviewId == review.Id && i.OrganizationId == caller.OrganizationId).ToListAsync(ct);
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

    /// <summary>
    /// Saves decisions on any of the review's items at once: every one is checked first, and one refused (naming its item)
    /// saves none. An item sent with the decision it already has keeps its decision time and reviewer.
    /// </summary>
    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> Decide(string id, AccessReviewDecisions request,
        Caller caller, CellDbContext db, TimeProvider time, CancellationToken ct)
    {
        var review = await FindAsync(db, caller, id, ct);
        if (review is null) return TypedResults.NotFound();
        if (PersonProblem(caller) is { } person) return person;
        if (request?.Items is not { } decisions)
        {
            return Problems.Validation("items must list the decisions: [{id, decision, role}].");
        }
        if (decisions.GroupBy(d => d?.Id).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            return Problems.Validation($"{twice.Key}: the item is listed more than once.");
        }
        // The audit events inside encrypt: their key uses are reserved first (on SQLite, a reservation inside would wait on this transaction).
        await caller.Cell.Keys.ReserveWritesAsync(caller.OrganizationId, decisions.Count * 2 + 8, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // The lock on the still-open review (a write of the value it has): an attestation waits for these decisions, or they for it.
        if (await db.AccessReviews.Where(r => r.Id == review.Id && r.Status == AccessReview.Open)
                .ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, AccessReview.Open), ct) == 0)
        {
            return Problems.Conflict(ErrorCodes.AccessReviewClosed, "This review is attested; its decisions can no longer change.");
        }
        var items = await db.AccessReviewItems.Where(i => i.ReviewId == review.Id && i.OrganizationId == caller.OrganizationId).ToDictionaryAsync(i => i.Id, ct);
        var checkedDecisions = new List<(AccessReviewItem Item, string Decision, string? NewRole)>();
        foreach (var d in decisions)
        {
            if (d?.Id is null || !items.TryGetValue(d.Id, out var item))
            {
                return Problems.Validation($"{d?.Id ?? "(no id)"}: not an item of this review.");
            }
            if (DecisionProblem(caller, item, d, out var newRole) is { } problem)
            {
                problem.ProblemDetails.Detail = $"{item.Id}: {problem.ProblemDetails.Detail ?? problem.ProblemDetails.Title}";
                return problem;
            }
            checkedDecisions.Add((item, d.Decision!, newRole));
        }
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var (item, decision, newRole) in checkedDecisions.Where(c => c.Item.Decision != c.Decision || c.Item.NewRole != c.NewRole))
        {
            item.Decision = decision;
            item.NewRole = newRole;
            item.DecidedAt = now;
            item.DecidedBy = caller.UserId;
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>Whether <paramref name="request"/> is a decision this item can have and the caller's role can carry out; <paramref name="newRole"/> for a change.</summary>
    private static ProblemHttpResult? DecisionProblem(Caller caller, AccessReviewItem item, AccessReviewDecision request, out string? newRole)
    {
        newRole = null;
        switch (request.Decision)
        {
            case AccessReviewItem.Keep:
                return null;
            case AccessReviewItem.Change when item.Kind == AccessReviewItem.Member:
                if (!Roles.IsValid(request.Role) || request.Role == item.RoleAtStart)
                {
                    return Problems.Validation($"role must be a new role, one of: {string.Join(", ", Roles.All)}.");
                }
                newRole = request.Role;
                return MemberEndpoints.RoleProblem(caller, item.RoleAtStart!, request.Role!);
            case AccessReviewItem.Revoke:
                return item.Kind == AccessReviewItem.Member ? MemberEndpoints.RoleProblem(caller, item.RoleAtStart!, item.RoleAtStart!) : null;
            default:
                return Problems.Validation(item.Kind == AccessReviewItem.Member
                    ? "decision must be keep, change (with a role) or revoke."
                    : "decision must be keep or revoke (a token's scopes are not changed by a review).");
        }
    }

    private static async Task<Results<Ok<AccessReviewSummary>, NotFound, ProblemHttpResult>> Attest(string id, Caller caller, CellDbContext db,
        TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var review = await FindAsync(db, caller, id, ct);
        if (review is null) return TypedResults.NotFound();
        if (PersonProblem(caller) is { } person) return person;
        var now = time.GetUtcNow().UtcDateTime;
        var actor = AuditActor.From(http, caller.Actor);
        // The period this attestation closes starts at the previous one (read before this one is recorded).
        var periodStart = AccessReviewSchedule.PeriodStart(await AccessReviewSchedule.LastAttestedAtAsync(db, caller.OrganizationId, ct),
            await db.Organizations.Where(o => o.Id == caller.OrganizationId).Select(o => o.CreatedAt).SingleAsync(ct));
        // The audit events of the attestation and of each change encrypt: reserve their key uses before the transaction (SQLite: one writer).
        await caller.Cell.Keys.ReserveWritesAsync(caller.OrganizationId, await db.AccessReviewItems.CountAsync(i => i.ReviewId == review.Id, ct) * 4 + 16, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Claimed first: of two attestations at once, one closes the review and the other finds it closed. The items are read after.
        if (await db.AccessReviews.Where(r => r.Id == review.Id && r.Status == AccessReview.Open)
                .ExecuteUpdateAsync(u => u
                    .SetProperty(r => r.Status, AccessReview.Attested)
                    .SetProperty(r => r.OpenFor, (string?)null)
                    .SetProperty(r => r.AttestedAt, now)
                    .SetProperty(r => r.AttestedBy, caller.UserId), ct) == 0)
        {
            return Problems.Conflict(ErrorCodes.AccessReviewClosed, "This review is already attested.");
        }
        var items = await db.AccessReviewItems.Where(i => i.ReviewId == review.Id && i.OrganizationId == caller.OrganizationId).ToListAsync(ct);
        var undecided = items.Count(i => i.Decision is null);
        if (undecided > 0)
        {
            await transaction.RollbackAsync(ct);
            return Problems.Conflict(ErrorCodes.AccessReviewIncomplete, $"{undecided} of {items.Count} item(s) have no decision yet: keep, change or revoke each before attesting.");
        }
        // Each decision is saved before the next is checked, so a rule like "the last owner stays" sees the earlier ones; the
        // fixed order lets "make C owner, remove A" pass whatever the items' ids.
        foreach (var item in items.Where(i => i.Decision != AccessReviewItem.Keep).OrderBy(ApplyOrder).ThenBy(i => i.Id, StringComparer.Ordinal))
        {
            if (await ApplyAsync(db, caller, item, actor, now, ct) is { } problem)
            {
                await transaction.RollbackAsync(ct);
                return problem;
            }
            await db.SaveChangesAsync(ct);
        }
        var summary = (await SummariesAsync(db, db.AccessReviews.Where(r => r.Id == review.Id), ct)).Single();
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

    /// <summary>Promotions to owner first (so an owner may then step down or leave), other role changes, token revocations, and member removals last.</summary>
    private static int ApplyOrder(AccessReviewItem item) => item switch
    {
        { Kind: AccessReviewItem.Member, Decision: AccessReviewItem.Change, NewRole: Roles.Owner } => 0,
        { Kind: AccessReviewItem.Member, Decision: AccessReviewItem.Change } => 1,
        { Kind: AccessReviewItem.Token } => 2,
        _ => 3,
    };

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

    /// <summary>
    /// Reviews are a person's judgement: a token, even one with members:write, cannot start, decide or attest one (the
    /// group's members:write policy already limits people to owners and admins).
    /// </summary>
    private static ProblemHttpResult? PersonProblem(Caller caller) =>
        caller.Role is null ? MemberEndpoints.SessionRequired("Only a signed-in owner or admin can review access.") : null;

    private static Task<AccessReview?> FindAsync(CellDbContext db, Caller caller, string id, CancellationToken ct) =>
        db.AccessReviews.SingleOrDefaultAsync(r => r.Id == id && r.OrganizationId == caller.OrganizationId, ct);

    /// <summary>The summaries of <paramref name="reviews"/>, newest first, their items counted by the database.</summary>
    private static async Task<List<AccessReviewSummary>> SummariesAsync(CellDbContext db, IQueryable<AccessReview> reviews, CancellationToken ct)
    {
        var rows = await reviews.AsNoTracking().OrderByDescending(r => r.StartedAt).ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var counts = await db.AccessReviewItems.Where(i => ids.Contains(i.ReviewId)).GroupBy(i => i.ReviewId)
            .Select(g => new
            {
                Review = g.Key,
                Members = g.Count(i => i.Kind == AccessReviewItem.Member),
                Tokens = g.Count(i => i.Kind == AccessReviewItem.Token),
                Kept = g.Count(i => i.Decision == AccessReviewItem.Keep),
                Changed = g.Count(i => i.Decision == AccessReviewItem.Change),
                Revoked = g.Count(i => i.Decision == AccessReviewItem.Revoke),
            })
            .ToDictionaryAsync(c => c.Review, ct);
        return [.. rows.Select(r => counts.GetValueOrDefault(r.Id) is { } c
            ? new AccessReviewSummary(r.Id, r.Status, r.StartedAt, r.AttestedAt, c.Members, c.Tokens, c.Kept, c.Changed, c.Revoked)
            : new AccessReviewSummary(r.Id, r.Status, r.StartedAt, r.AttestedAt, 0, 0, 0, 0, 0))];
    }

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

    /// <summary>
    /// The review with each item's name and detail as they are now (a member removed since reads "(no longer a member)"):
    /// members by when they joined, then tokens by when they were created; those gone since come last of their kind.
    /// </summary>
    private static async Task<AccessReviewView> ViewAsync(CellDbContext db, Cell cell, AccessReview review, IReadOnlyList<AccessReviewItem> items, CancellationToken ct)
    {
        var userIds = items.Where(i => i.Kind == AccessReviewItem.Member).Select(i => i.SubjectId).ToList();
        var tokenIds = items.Where(i => i.Kind == AccessReviewItem.Token).Select(i => i.SubjectId).ToList();
        var members = await db.Memberships.Where(m => m.OrganizationId == review.OrganizationId && userIds.Contains(m.UserId)).ToDictionaryAsync(m => m.UserId, ct);
        var tokens = await db.ApiTokens.Where(t => t.OrganizationId == review.OrganizationId && tokenIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
        DateTime Since(AccessReviewItem i) => i.Kind == AccessReviewItem.Member
            ? members.GetValueOrDefault(i.SubjectId)?.CreatedAt ?? DateTime.MaxValue
            : tokens.GetValueOrDefault(i.SubjectId)?.CreatedAt ?? DateTime.MaxValue;
        var views = new List<AccessReviewItemView>();
        foreach (var i in items.OrderBy(i => i.Kind == AccessReviewItem.Member ? 0 : 1).ThenBy(Since).ThenBy(i => i.Id, StringComparer.Ordinal))
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
    /// <summary>Where the period under review starts: the last attestation, or the organization's creation.</summary>
    public static DateTime PeriodStart(DateTime? lastAttestedAt, DateTime organizationCreatedAt) =>
        DateTime.SpecifyKind(lastAttestedAt ?? organizationCreatedAt, DateTimeKind.Utc);

    public static DateTime DueAt(DateTime? lastAttestedAt, DateTime organizationCreatedAt, AccessReviewOptions options) =>
        PeriodStart(lastAttestedAt, organizationCreatedAt).AddDays(options.IntervalDays);

    public static async Task<DateTime?> LastAttestedAtAsync(CellDbContext db, string organizationId, CancellationToken ct) =>
        await db.AccessReviews.Where(r => r.OrganizationId == organizationId && r.AttestedAt != null).MaxAsync(r => r.AttestedAt, ct);
}
