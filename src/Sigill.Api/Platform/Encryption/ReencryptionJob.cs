using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Jobs;

namespace Sigill.Api.Platform.Encryption;

/// <summary>
/// The background half of an organization-key rotation: moves every stored object of the organization
/// to its current key version. Enqueued by <c>sigill keys rotate-org --background</c> (or any feature)
/// with <see cref="Request"/>. Resumable by construction: objects already on the current version are
/// skipped, so a job that crashes or is retried simply continues. Progress is logged every 100 objects.
/// </summary>
internal sealed partial class ReencryptionJobHandler(ILogger<ReencryptionJobHandler> logger) : IJobHandler
{
    public const string JobKind = "keys.reencrypt";

    public string Kind => JobKind;

    /// <summary>One job per organization and target version: enqueuing twice does nothing.</summary>
    public static JobRequest Request(string organizationId, int version) =>
        JobRequest.Text(JobKind, organizationId, idempotencyKey: $"reencrypt:{organizationId}:v{version}");

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var organizationId = job.PayloadText;
        if (!SigillId.TryParse(organizationId, "org", out var region) || region != job.Cell.Region)
        {
            throw new JobFailedException("payload is not an organization of this cell");
        }
        // The rotation may have happened in another process: read the current version from the store, not the cache.
        job.Cell.Keys.ForgetCachedKeys(organizationId);
        var version = await job.Cell.Keys.GetCurrentVersionAsync(organizationId, cancellationToken);
        var keys = new List<string>();
        await foreach (var key in job.Cell.Blobs.ListAsync(organizationId + "/", cancellationToken))
        {
            keys.Add(key);
        }
        int done = 0, moved = 0;
        foreach (var key in keys)
        {
            if (EncryptedObjects.TryParseBlobKey(job.Cell.Region, key, out var context)
                && await job.Cell.Objects.ReencryptIfStaleAsync(context, version, cancellationToken))
            {
                moved++;
            }
            if (++done % 100 == 0)
            {
                Progress(logger, organizationId, done, keys.Count);
            }
        }
        Finished(logger, organizationId, version, moved, keys.Count);
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Re-encrypting {OrganizationId}: {Done} of {Total} objects checked")]
    private static partial void Progress(ILogger logger, string organizationId, int done, int total);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Re-encryption of {OrganizationId} to key v{Version} finished: {Moved} of {Total} objects re-encrypted")]
    private static partial void Finished(ILogger logger, string organizationId, int version, int moved, int total);
}
