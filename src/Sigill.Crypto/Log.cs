using Microsoft.Extensions.Logging;

namespace Sigill.Crypto;

/// <summary>
/// Log events of Sigill.Crypto (event ids 3000-3099). They carry identifiers only: never plaintext, names,
/// e-mail addresses or key bytes. 3001 is the alerting event: every refused decryption raises it.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3001, EventName = "CryptoIntegrityFailure", Level = LogLevel.Error,
        Message = "Integrity failure in region {Region}: organization {OrganizationId}, object {ObjectId}, reason {Reason}")]
    public static partial void IntegrityFailure(ILogger logger, string region, string organizationId, string objectId, CryptoFailureReason reason);

    [LoggerMessage(EventId = 3002, EventName = "CryptoShreddedKeyAccess", Level = LogLevel.Warning,
        Message = "Access to data of a shredded organization in region {Region}: organization {OrganizationId}, object {ObjectId}")]
    public static partial void ShreddedKeyAccess(ILogger logger, string region, string organizationId, string objectId);

    [LoggerMessage(EventId = 3003, EventName = "CryptoUsageLimitReached", Level = LogLevel.Error,
        Message = "Organization key version {Version} of {OrganizationId} in region {Region} reached its usage bound {Limit}; rotate it")]
    public static partial void UsageLimitReached(ILogger logger, string region, string organizationId, int version, long limit);

    [LoggerMessage(EventId = 3010, EventName = "CryptoRootKeyCreated", Level = LogLevel.Information,
        Message = "Root key {RootKeyId} created in provider {Provider}")]
    public static partial void RootKeyCreated(ILogger logger, string rootKeyId, string provider);

    [LoggerMessage(EventId = 3011, EventName = "CryptoOrganizationKeysCreated", Level = LogLevel.Information,
        Message = "Keys created for organization {OrganizationId} in region {Region}")]
    public static partial void OrganizationKeysCreated(ILogger logger, string organizationId, string region);

    [LoggerMessage(EventId = 3012, EventName = "CryptoRootRewrapped", Level = LogLevel.Information,
        Message = "Root rewrap to {RootKeyId} finished: {Organizations} organizations, {Keys} keys rewrapped")]
    public static partial void RootRewrapped(ILogger logger, string rootKeyId, int organizations, int keys);

    [LoggerMessage(EventId = 3013, EventName = "CryptoOrganizationKeyRotated", Level = LogLevel.Information,
        Message = "Organization {OrganizationId} in region {Region} now writes with key version {Version}")]
    public static partial void OrganizationKeyRotated(ILogger logger, string organizationId, string region, int version);

    [LoggerMessage(EventId = 3020, EventName = "CryptoShredScheduled", Level = LogLevel.Warning,
        Message = "Crypto-shredding of organization {OrganizationId} in region {Region} scheduled for {DueAt}")]
    public static partial void ShredScheduled(ILogger logger, string organizationId, string region, DateTimeOffset dueAt);

    [LoggerMessage(EventId = 3021, EventName = "CryptoShredCancelled", Level = LogLevel.Warning,
        Message = "Crypto-shredding of organization {OrganizationId} in region {Region} cancelled")]
    public static partial void ShredCancelled(ILogger logger, string organizationId, string region);

    [LoggerMessage(EventId = 3022, EventName = "CryptoShredExecuted", Level = LogLevel.Warning,
        Message = "Organization {OrganizationId} in region {Region} crypto-shredded: erasure key {ErasureKeyId} destroyed")]
    public static partial void ShredExecuted(ILogger logger, string organizationId, string region, string erasureKeyId);
}
