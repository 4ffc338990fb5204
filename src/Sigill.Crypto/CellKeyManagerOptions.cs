namespace Sigill.Crypto;

/// <summary>Tuning of a <see cref="CellKeyManager"/>. Defaults suit production.</summary>
public sealed class CellKeyManagerOptions
{
    /// <summary>log2 of the chunk size of new objects, 12..24. Default 16 (64 KiB).</summary>
    public int ChunkSizeExponent { get; set; } = 16;

    /// <summary>
    /// Uses (object data-key wraps plus field encryptions) allowed per content-key version. Every use derives a fresh
    /// key from a 128-bit random salt, so the real limit is the salt birthday bound; 2^32 keeps the chance of a
    /// repeated derived key below 2^-64.
    /// </summary>
    public long MaxUsesPerKeyVersion { get; set; } = 1L << 32;

    /// <summary>Uses reserved from the store at a time. Unused reservations are lost on restart, which only over-counts.</summary>
    public int UsageReservationBlock { get; set; } = 1024;

    /// <summary>Time between scheduling and executing crypto-shredding; cancellable meanwhile.</summary>
    public TimeSpan ShredDelay { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long unwrapped organization keys stay in memory. Shredding on another node takes effect here within this time.</summary>
    public TimeSpan KeyCacheLifetime { get; set; } = TimeSpan.FromMinutes(5);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ChunkSizeExponent, ObjectHeader.MinChunkExponent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ChunkSizeExponent, ObjectHeader.MaxChunkExponent);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxUsesPerKeyVersion, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(UsageReservationBlock, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ShredDelay, TimeSpan.Zero);
    }
}

public sealed record RootRotationProgress(int OrganizationsDone, int KeysRewrapped, string? LastOrganizationId);

public sealed record RootRotationResult(string RootKeyId, int Organizations, int KeysRewrapped);

public sealed record ReencryptionResult(int FromVersion, int ToVersion, long PlaintextLength);

public sealed record OrgKeyVersionStatus(int Version, OrgKeyKind Kind, string RootKeyId, DateTimeOffset CreatedAt, long UsesReserved);

public sealed record OrganizationKeyStatus(string OrganizationId, int CurrentVersion, IReadOnlyList<OrgKeyVersionStatus> Keys);

public sealed record CellKeyStatus(
    string Region,
    string Environment,
    string Provider,
    string? CurrentRootKeyId,
    IReadOnlyList<string> RootKeyIds,
    IReadOnlyList<OrganizationKeyStatus> Organizations,
    IReadOnlyList<ShredRecord> Shreds);
