using Sigill.Http;

namespace Sigill.Api.Features.AccessReviews;

/// <summary>
/// Section <c>AccessReviews</c>. A review is due <see cref="IntervalDays"/> after the organization's last attested review
/// (or its creation): a rolling interval, not calendar quarters, so an organization that reviews late is not due again a
/// week later. Overdue organizations' owners and admins get one reminder a day, sent by a job due each day at
/// <see cref="RemindDailyAtUtc"/> (null: no reminders; the organization page still shows the notice).
/// </summary>
public sealed class AccessReviewOptions : IValidatedOptions
{
    public int IntervalDays { get; set; } = 90;

    public TimeSpan? RemindDailyAtUtc { get; set; } = TimeSpan.FromHours(8);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (IntervalDays is < 1 or > 366) problems.Add("AccessReviews:IntervalDays must be 1-366");
        if (RemindDailyAtUtc is { } at && (at < TimeSpan.Zero || at >= TimeSpan.FromDays(1))) problems.Add("AccessReviews:RemindDailyAtUtc must be a time of day (00:00-23:59)");
        return problems;
    }
}
