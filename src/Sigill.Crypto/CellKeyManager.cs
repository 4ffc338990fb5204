using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Sigill.Crypto;

/// <summary>
/// The encryption-at-rest facade of one region cell. Key hierarchy (docs/adr/0002-key-hierarchy.md):
/// region root key (in the key provider) and per-organization erasure key (in the key provider) → versioned
/// organization keys (wrapped by both, stored in <see cref="IOrgKeyStore"/>) → a fresh data key per object.
/// Thread-safe; register one instance per cell as a singleton.
/// </summary>
public sealed partial class CellKeyManager
{
    private readonly string _region;
    private readonly string _environment;
    private readonly IKeyProvider _provider;
    private readonly IOrgKeyStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<CellKeyManager> _logger;
    private readonly CellKeyManagerOptions _options;
    private readonly ConcurrentDictionary<(string Org, OrgKeyKind Kind, int Version), CachedKey> _keys = new();
    private readonly ConcurrentDictionary<string, CachedVersion> _current = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Org, int Version), UsageLease> _leases = new();
    private readonly SemaphoreSlim _rootGate = new(1, 1);
    private string? _currentRootKeyId;

    public CellKeyManager(
        string region,
        string environment,
        IKeyProvider provider,
        IOrgKeyStore store,
        TimeProvider time,
        ILogger<CellKeyManager> logger,
        CellKeyManagerOptions? options = null)
    {
        KeyIds.ValidateName(region, nameof(region));
        KeyIds.ValidateName(environment, nameof(environment));
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options ?? new CellKeyManagerOptions();
        _options.Validate();
        _region = region;
        _environment = environment;
        _provider = provider;
        _store = store;
        _time = time;
        _logger = logger;
    }

    public string Region => _region;

    public string Environment => _environment;

    /// <summary>Ensures the cell has a root key (creates <c>{env}/{region}/root/v1</c> on first use) and returns its id.</summary>
    public async Task<string> InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (_currentRootKeyId is not null)
        {
            return _currentRootKeyId;
        }

        await _rootGate.WaitAsync(cancellationToken);
        try
        {
            if (_environment == "production")
            {
                await RefuseOtherEnvironmentsAsync(cancellationToken);
            }
            var roots = await ListRootKeysAsync(cancellationToken);
            if (roots.Count == 0)
            {
                // Several processes may start a new cell at once: the first creates the root key, the others use it.
                var id = KeyIds.Root(_environment, _region, 1);
                if (await _provider.CreateKeyIfMissingAsync(id, cancellationToken))
                {
                    Log.RootKeyCreated(_logger, id, _provider.Name);
                }

                roots = [id];
            }

            _currentRootKeyId = roots[^1];
            return _currentRootKeyId;
        }
        finally
        {
            _rootGate.Release();
        }
    }

    /// <summary>
    /// Isolated environments: a production cell refuses a key provider that holds keys of another environment (a
    /// development or staging keyring copied or pointed at by mistake). Key identifiers start with the environment.
    /// </summary>
    private async Task RefuseOtherEnvironmentsAsync(CancellationToken cancellationToken)
    {
        var foreign = (await _provider.ListKeysAsync("", cancellationToken)).FirstOrDefault(id => !id.StartsWith(_environment + "/", StringComparison.Ordinal));
        if (foreign is not null)
        {
            throw new InvalidOperationException(
                $"the key provider holds keys of another environment ({foreign}): {_environment} refuses a keyring that is not its own");
        }
    }

    /// <summary>
    /// Creates the organization's erasure key, content key version 1 and blind-index key. Idempotent: returns the
    /// current version when the organization already has keys. Refuses an organization id that was shredded.
    /// </summary>
    public async Task<int> CreateOrganizationKeysAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        KeyIds.ValidateOrganizationId(organizationId, nameof(organizationId));
        var existing = await _store.GetKeysAsync(organizationId, cancellationToken);
        if (existing.Any(k => k.Kind == OrgKeyKind.Content))
        {
            return existing.Where(k => k.Kind == OrgKeyKind.Content).Max(k => k.Version);
        }

        if (await _store.GetShredAsync(organizationId, cancellationToken) is { IsExecuted: true })
        {
            throw new InvalidOperationException($"Organization '{organizationId}' was crypto-shredded; its identifier cannot be reused.");
        }

        var erasureKeyId = KeyIds.Erasure(_environment, _region, organizationId);
        await _provider.CreateKeyIfMissingAsync(erasureKeyId, cancellationToken);

        try
        {
            await AddNewKeyAsync(organizationId, OrgKeyKind.Content, 1, erasureKeyId, cancellationToken);
            if (!existing.Any(k => k.Kind == OrgKeyKind.BlindIndex))
            {
                await AddNewKeyAsync(organizationId, OrgKeyKind.BlindIndex, 1, erasureKeyId, cancellationToken);
            }
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Another process may have created the same keys at the same moment (the store's key refused the
            // duplicate): theirs are wrapped under the same erasure key, so they serve this process as well.
            var keys = await _store.GetKeysAsync(organizationId, cancellationToken);
            if (keys.Any(k => k.Kind == OrgKeyKind.Content) && keys.Any(k => k.Kind == OrgKeyKind.BlindIndex))
            {
                return 1;
            }

            throw;
        }

        Log.OrganizationKeysCreated(_logger, organizationId, _region);
        return 1;
    }

    /// <summary>The content-key version new writes of the organization use.</summary>
    public async Task<int> GetCurrentVersionAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        if (_current.TryGetValue(organizationId, out var cached) && cached.Expires > now)
        {
            return cached.Version;
        }

        var keys = await _store.GetKeysAsync(organizationId, cancellationToken);
        var content = keys.Where(k => k.Kind == OrgKeyKind.Content).ToList();
        if (content.Count == 0)
        {
            throw await NoKeysAsync(organizationId, cancellationToken);
        }

        var version = content.Max(k => k.Version);
        _current[organizationId] = new CachedVersion(version, now + _options.KeyCacheLifetime);
        return version;
    }

    private async Task AddNewKeyAsync(string organizationId, OrgKeyKind kind, int version, string erasureKeyId, CancellationToken ct)
    {
        var rootKeyId = await InitializeAsync(ct);
        var key = GC.AllocateUninitializedArray<byte>(32, pinned: true);
        RandomNumberGenerator.Fill(key);
        try
        {
            var inner = await _provider.WrapAsync(erasureKeyId, key, InnerAad(organizationId, kind, version, erasureKeyId), ct);
            var outer = await _provider.WrapAsync(rootKeyId, inner, OuterAad(organizationId, kind, version, rootKeyId), ct);
            await _store.AddKeyAsync(new OrgKeyRecord(organizationId, kind, version, rootKeyId, erasureKeyId, outer, _time.GetUtcNow()), ct);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Returns the unwrapped key (cached for <see cref="CellKeyManagerOptions.KeyCacheLifetime"/>). The array is shared: never modify it.</summary>
    private async ValueTask<byte[]> GetKeyAsync(string organizationId, OrgKeyKind kind, int version, CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        KeyAccess.Demand(organizationId, now);
        if (_keys.TryGetValue((organizationId, kind, version), out var cached) && cached.Expires > now)
        {
            return cached.Key;
        }

        var keys = await _store.GetKeysAsync(organizationId, ct);
        if (keys.Count == 0)
        {
            throw await NoKeysAsync(organizationId, ct);
        }

        var record = keys.FirstOrDefault(k => k.Kind == kind && k.Version == version)
            ?? throw new CryptoIntegrityException(CryptoFailureReason.UnknownVersion, $"Organization '{organizationId}' has no {kind} key version {version} in region {_region}.");
        CryptoMetrics.KeyUnwraps.Add(1, new KeyValuePair<string, object?>("region", _region));
        var inner = await _provider.UnwrapAsync(record.RootKeyId, record.WrappedKey, OuterAad(organizationId, kind, version, record.RootKeyId), ct);
        var plain = await _provider.UnwrapAsync(record.ErasureKeyId, inner, InnerAad(organizationId, kind, version, record.ErasureKeyId), ct);
        var key = GC.AllocateUninitializedArray<byte>(plain.Length, pinned: true);
        plain.CopyTo(key, 0);
        CryptographicOperations.ZeroMemory(plain);
        if (key.Length != 32)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.Tampered, $"Organization key {version} of '{organizationId}' has the wrong length.");
        }

        _keys[(organizationId, kind, version)] = new CachedKey(key, now + _options.KeyCacheLifetime);
        return key;
    }

    /// <summary>Current content key for a new write, after reserving one use of it.</summary>
    private async ValueTask<(int Version, byte[] Key)> GetKeyForWriteAsync(string organizationId, CancellationToken ct)
    {
        var version = await GetCurrentVersionAsync(organizationId, ct);
        var key = await GetKeyAsync(organizationId, OrgKeyKind.Content, version, ct);
        await ReserveUseAsync(organizationId, version, ct);
        return (version, key);
    }

    /// <summary>
    /// Makes sure the organization's next <paramref name="uses"/> encryptions need no reservation from the key store.
    /// Call it before a database transaction of the same cell that encrypts inside: a reservation is a write of its own,
    /// and SQLite, which has one writer, would make it wait on the open transaction until it timed out.
    /// </summary>
    public async ValueTask ReserveWritesAsync(string organizationId, int uses, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(uses, 1);
        var version = await GetCurrentVersionAsync(organizationId, ct);
        await GetKeyAsync(organizationId, OrgKeyKind.Content, version, ct);
        var lease = _leases.GetOrAdd((organizationId, version), _ => new UsageLease());
        if (lease.Remaining >= uses)
        {
            return;
        }
        await lease.Gate.WaitAsync(ct);
        try
        {
            if (lease.Remaining >= uses)
            {
                return;
            }
            var block = Math.Max(_options.UsageReservationBlock, uses);
            var total = await _store.ReserveUsageAsync(organizationId, version, block, ct);
            var end = Math.Min(total, _options.MaxUsesPerKeyVersion);
            if (total - block >= end)
            {
                Log.UsageLimitReached(_logger, _region, organizationId, version, _options.MaxUsesPerKeyVersion);
                throw new CryptoIntegrityException(CryptoFailureReason.UsageLimitExceeded,
                    $"Content key version {version} of organization '{organizationId}' reached its usage bound of {_options.MaxUsesPerKeyVersion}; rotate the organization key.");
            }
            lease.Grant(total - block, end); // nothing taken yet; what was left of the last block is given up: the bound only ever counts high
        }
        finally
        {
            lease.Gate.Release();
        }
    }

    private async ValueTask ReserveUseAsync(string organizationId, int version, CancellationToken ct)
    {
        var lease = _leases.GetOrAdd((organizationId, version), _ => new UsageLease());
        if (lease.TryTake())
        {
            return;
        }

        await lease.Gate.WaitAsync(ct);
        try
        {
            if (lease.TryTake())
            {
                return;
            }

            var block = _options.UsageReservationBlock;
            var total = await _store.ReserveUsageAsync(organizationId, version, block, ct);
            var start = total - block;
            var end = Math.Min(total, _options.MaxUsesPerKeyVersion);
            if (start >= end)
            {
                Log.UsageLimitReached(_logger, _region, organizationId, version, _options.MaxUsesPerKeyVersion);
                throw new CryptoIntegrityException(CryptoFailureReason.UsageLimitExceeded,
                    $"Content key version {version} of organization '{organizationId}' reached its usage bound of {_options.MaxUsesPerKeyVersion}; rotate the organization key.");
            }

            lease.Grant(start + 1, end);
        }
        finally
        {
            lease.Gate.Release();
        }
    }

    private async Task<CryptoIntegrityException> NoKeysAsync(string organizationId, CancellationToken ct)
    {
        var shred = await _store.GetShredAsync(organizationId, ct);
        return shred is { IsExecuted: true }
            ? new CryptoIntegrityException(CryptoFailureReason.KeyDestroyed, $"Organization '{organizationId}' was crypto-shredded.")
            : new CryptoIntegrityException(CryptoFailureReason.UnknownVersion, $"Organization '{organizationId}' has no keys in region {_region}.");
    }

    private void ForgetOrganization(string organizationId)
    {
        _current.TryRemove(organizationId, out _);
        foreach (var k in _keys.Keys.Where(k => k.Org == organizationId))
        {
            _keys.TryRemove(k, out _);
        }

        foreach (var k in _recordKeys.Keys.Where(k => k.Org == organizationId))
        {
            _recordKeys.TryRemove(k, out _);
        }
    }

    private byte[] InnerAad(string organizationId, OrgKeyKind kind, int version, string erasureKeyId)
        => Binding.Build("sigill/org-key/v1/inner", _environment, _region, organizationId, KindName(kind), version.ToString(CultureInfo.InvariantCulture), erasureKeyId);

    private byte[] OuterAad(string organizationId, OrgKeyKind kind, int version, string rootKeyId)
        => Binding.Build("sigill/org-key/v1/outer", _environment, _region, organizationId, KindName(kind), version.ToString(CultureInfo.InvariantCulture), rootKeyId);

    private static string KindName(OrgKeyKind kind) => kind == OrgKeyKind.Content ? "content" : "blind-index";

    private async Task<IReadOnlyList<string>> ListRootKeysAsync(CancellationToken ct)
    {
        var prefix = KeyIds.RootPrefix(_environment, _region);
        var ids = await _provider.ListKeysAsync(prefix, ct);
        return [.. ids.Where(i => KeyIds.RootVersion(i, prefix) > 0).OrderBy(i => KeyIds.RootVersion(i, prefix))];
    }

    /// <summary>Logs an alert-grade event for a refused operation; identifiers only.</summary>
    private void Report(CryptoIntegrityException ex, string organizationId, string objectId)
    {
        CryptoMetrics.IntegrityFailures.Add(1, new KeyValuePair<string, object?>("region", _region), new KeyValuePair<string, object?>("reason", ex.Reason.ToString()));
        if (ex.Reason == CryptoFailureReason.KeyDestroyed)
        {
            Log.ShreddedKeyAccess(_logger, _region, organizationId, objectId);
        }
        else
        {
            Log.IntegrityFailure(_logger, _region, organizationId, objectId, ex.Reason);
        }
    }

    private sealed record CachedKey(byte[] Key, DateTimeOffset Expires);

    private sealed record CachedVersion(int Version, DateTimeOffset Expires);

    private sealed class UsageLease
    {
        private long _next;
        private long _end;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public bool TryTake()
        {
            lock (this)
            {
                if (_next < _end)
                {
                    _next++;
                    return true;
                }

                return false;
            }
        }

        public long Remaining
        {
            get
            {
                lock (this)
                {
                    return _end - _next;
                }
            }
        }

        public void Grant(long next, long end)
        {
            lock (this)
            {
                _next = next;
                _end = end;
            }
        }
    }
}
