namespace Sigill.Crypto;

/// <summary>What an organization key is for. The blind-index key never rotates (see docs/adr/0002-key-hierarchy.md).</summary>
public enum OrgKeyKind
{
    /// <summary>Encrypts objects (through per-object data keys) and fields. Versioned; the highest version is current.</summary>
    Content = 0,

    /// <summary>Keys the HMAC of blind indexes. Exactly one, version 1.</summary>
    BlindIndex = 1,
}

/// <summary>
/// One wrapped organization key as persisted in the cell database. <see cref="WrappedKey"/> is
/// <c>outer = provider.Wrap(RootKeyId, inner)</c> where <c>inner = provider.Wrap(ErasureKeyId, key)</c>: opening it needs
/// both the region root key and the organization's erasure key, and destroying the erasure key makes every copy
/// of this row (backups included) useless. Nothing here is secret on its own.
/// </summary>
public sealed record OrgKeyRecord(
    string OrganizationId,
    OrgKeyKind Kind,
    int Version,
    string RootKeyId,
    string ErasureKeyId,
    ReadOnlyMemory<byte> WrappedKey,
    DateTimeOffset CreatedAt);

/// <summary>A crypto-shredding request: pending until <see cref="DueAt"/>, then executed; cancellable while pending.</summary>
public sealed record ShredRecord(
    string OrganizationId,
    DateTimeOffset RequestedAt,
    DateTimeOffset DueAt,
    DateTimeOffset? ExecutedAt)
{
    public bool IsExecuted => ExecutedAt is not null;
}

/// <summary>
/// Persistence of wrapped organization keys, usage counters and shred requests. The API tier implements it on the
/// cell database (one table of keys, one of usage counters or a column, one of shred requests); tests use
/// <see cref="InMemoryOrgKeyStore"/>. Implementations must make <see cref="AddKeyAsync"/>,
/// <see cref="ReplaceWrappedKeyAsync"/> and <see cref="ReserveUsageAsync"/> atomic.
/// </summary>
public interface IOrgKeyStore
{
    Task<IReadOnlyList<OrgKeyRecord>> GetKeysAsync(string organizationId, CancellationToken cancellationToken = default);

    /// <summary>Adds a key version. Must throw when (organization, kind, version) exists: two nodes rotating at once must not both win.</summary>
    Task AddKeyAsync(OrgKeyRecord record, CancellationToken cancellationToken = default);

    /// <summary>Replaces the wrapped bytes if the row is still wrapped under <paramref name="expectedRootKeyId"/>; false otherwise.</summary>
    Task<bool> ReplaceWrappedKeyAsync(string organizationId, OrgKeyKind kind, int version, string expectedRootKeyId, string newRootKeyId, ReadOnlyMemory<byte> newWrappedKey, CancellationToken cancellationToken = default);

    /// <summary>Atomically adds <paramref name="count"/> to the use counter of a content key version; returns the new total.</summary>
    Task<long> ReserveUsageAsync(string organizationId, int version, long count, CancellationToken cancellationToken = default);

    Task<long> GetUsageAsync(string organizationId, int version, CancellationToken cancellationToken = default);

    /// <summary>Organization ids holding keys, ordinal order, strictly after <paramref name="afterOrganizationId"/> (paging).</summary>
    Task<IReadOnlyList<string>> ListOrganizationsAsync(string? afterOrganizationId, int take, CancellationToken cancellationToken = default);

    /// <summary>Deletes every key row and usage counter of the organization (shred requests stay as evidence).</summary>
    Task DeleteKeysAsync(string organizationId, CancellationToken cancellationToken = default);

    Task<ShredRecord?> GetShredAsync(string organizationId, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces the organization's shred record.</summary>
    Task SaveShredAsync(ShredRecord record, CancellationToken cancellationToken = default);

    Task<bool> RemoveShredAsync(string organizationId, CancellationToken cancellationToken = default);

    /// <summary>Pending (not executed) shred records with DueAt at or before <paramref name="now"/>.</summary>
    Task<IReadOnlyList<ShredRecord>> ListDueShredsAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Every shred record, pending and executed (for status).</summary>
    Task<IReadOnlyList<ShredRecord>> ListShredsAsync(CancellationToken cancellationToken = default);
}
