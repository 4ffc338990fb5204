using Sigill.Http;

namespace Sigill.Api.Features.AccessReviews;

/// <summary>
/// Section <c>AccessReviews</c>. A review is due <see cref="IntervalDays"/> after the organization's last attested review
/// (or its creation): a rolling interval, not calendar quarters, so an organization that reviews late is not due again a
/// week later. Overdue organizations' owners and admins get one reminder a day, sent by a job due each day at
/// <see cref="RemindDailyAtUtc"/>, unless <see cref="Reminders"/> is false (the organization page still shows the notice).
/// Reminders are a switch of their own, not a null time: the API tier's configuration keeps only keys with a value
/// (SigillConfiguration.ForApi), so a null in a config file would leave the default time in force.
/// </summary>
public sealed class AccessReviewOptions : IValidatedOptions
{
    public int IntervalDays { get; set; } = 90;

    /// <summary>Whether overdue organizations are reminded by e-mail (false: no daily scan is queued at all).</summary>
    public bool Reminders { get; set; } = true;

    public TimeSpan RemindDailyAtUtc { get; set; } = TimeSpan.FromHours(8);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (IntervalDays is < 1 or > 366) problems.Add("AccessReviews:IntervalDays must be 1-366");
        if (RemindDailyAtUtc < TimeSpan.Zero || RemindDailyAtUtc >= TimeSpan.FromDays(1)) problems.Add("AccessReviews:RemindDailyAtUtc must be a time of day (00:00-23:59)");
        return problems;
    }
}
