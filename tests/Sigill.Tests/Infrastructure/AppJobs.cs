using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sigill.Api.Platform.Jobs;

namespace Sigill.Tests.Infrastructure;

/// <summary>
/// Runs a <see cref="SigillApp"/>'s job queue with a fake clock: start the app with <see cref="Config"/> (its own
/// worker off), move <see cref="Time"/> forward, then <see cref="DrainAsync"/> runs whatever is due by then.
/// The fake clock never lags the real one (requests stamp jobs with real time): draining first catches it up.
/// The daily access-review reminders are off in <see cref="Config"/>, so a test that moves time by days drains only the
/// jobs it caused (AccessReviewTests covers that the setting reaches the app).
/// </summary>
internal sealed class AppJobs(SigillApp app, string region)
{
    public const string Config = """ "Jobs": { "RunWorker": false, "PruneFinished": false }, "AccessReviews": { "Reminders": false }, "Privacy": { "Retention": { "Enabled": false } } """;

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>Runs the jobs due by <see cref="Time"/>, at most <paramref name="max"/> of them.</summary>
    public Task<int> DrainAsync(int max = 100)
    {
        if (Time.GetUtcNow() < DateTimeOffset.UtcNow)
        {
            Time.SetUtcNow(DateTimeOffset.UtcNow);
        }
        return new JobWorker(app.Cells.Get(region), app.ApiServices.GetServices<IJobHandler>(), app.ApiServices.GetRequiredService<JobOptions>(), Time, NullLogger.Instance)
            .DrainAsync(max, CancellationToken.None);
    }
}
