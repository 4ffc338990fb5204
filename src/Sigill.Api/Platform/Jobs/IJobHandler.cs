using Sigill.Api.Platform.Cells;

namespace Sigill.Api.Platform.Jobs;

/// <summary>
/// Runs the jobs of one kind. Register implementations as <c>IJobHandler</c> singletons; the host's
/// <see cref="JobRunner"/> claims only kinds that have a handler. Handlers must be idempotent: a job can run again
/// after a crash (lease expiry) even if its work had finished.
/// </summary>
public interface IJobHandler
{
    /// <summary>The job kind, e.g. <c>backup.cell</c> or <c>email.send</c>.</summary>
    string Kind { get; }

    Task HandleAsync(JobContext job, CancellationToken cancellationToken);
}

/// <summary>
/// What a handler sees of a claimed job. <see cref="Payload"/> is already decrypted when it was sealed.
/// <see cref="Time"/> is the worker's clock: handlers read "now" from it, so tests drive due dates with a fake clock.
/// </summary>
public sealed record JobContext(Cell Cell, string JobId, string Kind, string? OrganizationId, ReadOnlyMemory<byte> Payload, int Attempt, int MaxAttempts, TimeProvider Time)
{
    /// <summary>True on the attempt after which a failure dead-letters the job.</summary>
    public bool IsLastAttempt => Attempt >= MaxAttempts;

    public string PayloadText => System.Text.Encoding.UTF8.GetString(Payload.Span);
}

/// <summary>A new job. <paramref name="OrganizationId"/> set means the payload can hold customer data and is sealed under that organization's key.</summary>
public sealed record JobRequest(string Kind, ReadOnlyMemory<byte> Payload = default, string? IdempotencyKey = null, DateTimeOffset? RunAfter = null, string? OrganizationId = null, int? MaxAttempts = null)
{
    public static JobRequest Text(string kind, string payload, string? idempotencyKey = null, DateTimeOffset? runAfter = null, string? organizationId = null) =>
        new(kind, System.Text.Encoding.UTF8.GetBytes(payload), idempotencyKey, runAfter, organizationId);
}

/// <summary>A failure whose message is safe to store in <c>jobs.LastError</c> (no personal data, no secrets).</summary>
public sealed class JobFailedException : Exception
{
    public JobFailedException()
    {
    }

    public JobFailedException(string safeMessage)
        : base(safeMessage)
    {
    }

    public JobFailedException(string safeMessage, Exception innerException)
        : base(safeMessage, innerException)
    {
    }
}
