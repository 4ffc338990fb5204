namespace Sigill.Contracts;

// Periodic access reviews (/api/v1/organization/access-reviews, docs/access-reviews.md).

/// <summary>
/// The organization's reviews: when the next is due (<see cref="DueAt"/>, <see cref="IntervalDays"/> after the last
/// attestation or the organization's creation), whether it is overdue, the open review if any, and every review, newest
/// first. Summaries (counts) only: a review's items are read with <c>GET /{id}</c>.
/// </summary>
public sealed record AccessReviewsOverview(int IntervalDays, DateTime DueAt, bool Overdue, AccessReviewSummary? Current, IReadOnlyList<AccessReviewSummary> History);

public sealed record AccessReviewSummary(string Id, string Status, DateTime StartedAt, DateTime? AttestedAt, int Members, int Tokens, int Kept, int Changed, int Revoked);

public sealed record AccessReviewView(string Id, string Status, DateTime StartedAt, DateTime? AttestedAt, IReadOnlyList<AccessReviewItemView> Items);

/// <summary>
/// One member or token under review. <see cref="Label"/> is the member's name or the token's name; <see cref="Detail"/>
/// the member's e-mail or the token's scopes; <see cref="Role"/> the member's role when the review started (or the token's
/// creator's id is in <see cref="Owner"/>). <see cref="Decision"/> is null until decided: keep, change (to <see cref="NewRole"/>) or revoke.
/// </summary>
public sealed record AccessReviewItemView(string Id, string Kind, string SubjectId, string Label, string Detail, string? Role, string? Owner,
    DateTime? LastUsedAt, DateTime? ExpiresAt, string? Decision, string? NewRole);

/// <summary>Decisions on some or all of a review's items, saved together (all or none).</summary>
public sealed record AccessReviewDecisions(IReadOnlyList<AccessReviewDecision>? Items);

/// <summary>A decision on the item <paramref name="Id"/>: <c>keep</c>, <c>change</c> (members; <paramref name="Role"/> is the new role) or <c>revoke</c>.</summary>
public sealed record AccessReviewDecision(string? Id, string? Decision, string? Role);
