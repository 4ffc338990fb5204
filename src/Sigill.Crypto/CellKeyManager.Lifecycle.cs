namespace Sigill.Crypto;

/// <summary>Rotation, crypto-shredding and status.</summary>
public sealed partial class CellKeyManager
{
    /// <summary>
    /// Creates a new root key version and rewraps the outer layer of every organization key under it. No object and
    /// no field is touched. Interrupted runs are resumed with <see cref="RewrapToCurrentRootAsync"/>. Old root keys
    /// stay in the provider: backups taken before the rotation still need them.
    /// </summary>
    public async Task<RootRotationResult> RotateRootAsync(IProgress<RootRotationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken);
        await _rootGate.WaitAsync(cancellationToken);
        try
        {
            var prefix = KeyIds.RootPrefix(_environment, _region);
            var roots = await ListRootKeysAsync(cancellationToken);
            var next = roots.Count == 0 ? 1 : KeyIds.RootVersion(roots[^1], prefix) + 1;
            var id = KeyIds.Root(_environment, _region, next);
            await _provider.CreateKeyAsync(id, cancellationToken);
            Log.RootKeyCreated(_logger, id, _provider.Name);
            _currentRootKeyId = id;
        }
        finally
        {
            _rootGate.Release();
        }

        return await RewrapToCurrentRootAsync(progress, cancellationToken);
    }

    /// <summary>Rewraps every organization key not yet under the current root key (resumable, idempotent).</summary>
    public async Task<RootRotationResult> RewrapToCurrentRootAsync(IProgress<RootRotationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        _currentRootKeyId = null;
        var root = await InitializeAsync(cancellationToken);
        string? after = null;
        int organizations = 0, rewrapped = 0;
        while (true)
        {
            var page = await _store.ListOrganizationsAsync(after, 500, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var org in page)
            {
                foreach (var record in await _store.GetKeysAsync(org, cancellationToken))
                {
                    if (record.RootKeyId == root)
                    {
                        continue;
                    }

                    // Only the outer layer changes: the inner layer (under the erasure key) is carried over opaque.
                    var inner = await _provider.UnwrapAsync(record.RootKeyId, record.WrappedKey, OuterAad(org, record.Kind, record.Version, record.RootKeyId), cancellationToken);
                    var outer = await _provider.WrapAsync(root, inner, OuterAad(org, record.Kind, record.Version, root), cancellationToken);
                    if (await _store.ReplaceWrappedKeyAsync(org, record.Kind, record.Version, record.RootKeyId, root, outer, cancellationToken))
                    {
                        rewrapped++;
                    }
                }

                organizations++;
                after = org;
            }

            progress?.Report(new RootRotationProgress(organizations, rewrapped, after));
        }

        Log.RootRewrapped(_logger, root, organizations, rewrapped);
        return new RootRotationResult(root, organizations, rewrapped);
    }

    /// <summary>
    /// Adds a new content-key version; new writes use it from now on (other nodes within the key-cache lifetime).
    /// Old versions stay readable; move objects with <see cref="ReencryptAsync"/> or <see cref="RewrapHeaderAsync"/>.
    /// </summary>
    public async Task<int> RotateOrganizationAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        KeyIds.ValidateOrganizationId(organizationId, nameof(organizationId));
        var keys = await _store.GetKeysAsync(organizationId, cancellationToken);
        var content = keys.Where(k => k.Kind == OrgKeyKind.Content).ToList();
        if (content.Count == 0)
        {
            throw await NoKeysAsync(organizationId, cancellationToken);
        }

        var version = content.Max(k => k.Version) + 1;
        await AddNewKeyAsync(organizationId, OrgKeyKind.Content, version, content[0].ErasureKeyId, cancellationToken);
        _current.TryRemove(organizationId, out _);
        Log.OrganizationKeyRotated(_logger, organizationId, _region, version);
        return version;
    }

    /// <summary>Schedules crypto-shredding after <see cref="CellKeyManagerOptions.ShredDelay"/>. Idempotent while pending.</summary>
    public async Task<ShredRecord> ScheduleShredAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        KeyIds.ValidateOrganizationId(organizationId, nameof(organizationId));
        var existing = await _store.GetShredAsync(organizationId, cancellationToken);
        if (existing is not null)
        {
            return existing;
        }

        var now = _time.GetUtcNow();
        var record = new ShredRecord(organizationId, now, now + _options.ShredDelay, null);
        await _store.SaveShredAsync(record, cancellationToken);
        Log.ShredScheduled(_logger, organizationId, _region, record.DueAt);
        return record;
    }

    /// <summary>Cancels a pending shred. False when none is pending; throws when it already ran (nothing can undo it).</summary>
    public async Task<bool> CancelShredAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        var existing = await _store.GetShredAsync(organizationId, cancellationToken);
        if (existing is null)
        {
            return false;
        }

        if (existing.IsExecuted)
        {
            throw new InvalidOperationException($"Organization '{organizationId}' was already crypto-shredded at {existing.ExecutedAt:O}; this cannot be undone.");
        }

        await _store.RemoveShredAsync(organizationId, cancellationToken);
        Log.ShredCancelled(_logger, organizationId, _region);
        return true;
    }

    /// <summary>
    /// Executes every shred whose delay has passed: destroys the organization's erasure key in the provider (which
    /// voids every copy of its wrapped keys, backups included), then deletes its key rows and marks the request executed.
    /// Run it from a periodic job. Returns the shredded organization ids.
    /// </summary>
    public Task<IReadOnlyList<string>> ExecuteDueShredsAsync(CancellationToken cancellationToken = default) =>
        ExecuteDueShredsAsync(null, cancellationToken);

    /// <summary>
    /// As <see cref="ExecuteDueShredsAsync(CancellationToken)"/>, asking <paramref name="mayShred"/> first for each due
    /// organization: one it refuses (a legal hold, a retention period still running) stays pending, and is asked again next run.
    /// </summary>
    public async Task<IReadOnlyList<string>> ExecuteDueShredsAsync(Func<string, CancellationToken, Task<bool>>? mayShred, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var done = new List<string>();
        foreach (var shred in await _store.ListDueShredsAsync(now, cancellationToken))
        {
            if (mayShred is not null && !await mayShred(shred.OrganizationId, cancellationToken))
            {
                continue;
            }
            var erasureKeyId = KeyIds.Erasure(_environment, _region, shred.OrganizationId);
            await _provider.DestroyKeyAsync(erasureKeyId, cancellationToken);
            await _store.DeleteKeysAsync(shred.OrganizationId, cancellationToken);
            await _store.SaveShredAsync(shred with { ExecutedAt = now }, cancellationToken);
            ForgetOrganization(shred.OrganizationId);
            Log.ShredExecuted(_logger, shred.OrganizationId, _region, erasureKeyId);
            done.Add(shred.OrganizationId);
        }

        return done;
    }

    /// <summary>The current root key's version (the <c>n</c> of <c>{environment}/{region}/root/v{n}</c>), 0 before the cell is initialized; cheap, unlike <see cref="StatusAsync"/>.</summary>
    public async Task<int> CurrentRootKeyVersionAsync(CancellationToken cancellationToken = default)
    {
        var roots = await ListRootKeysAsync(cancellationToken);
        return roots.Count > 0 ? KeyIds.RootVersion(roots[^1], KeyIds.RootPrefix(_environment, _region)) : 0;
    }

    /// <summary>Root keys, per-organization versions with use counts, and shred requests.</summary>
    public async Task<CellKeyStatus> StatusAsync(CancellationToken cancellationToken = default)
    {
        var roots = await ListRootKeysAsync(cancellationToken);
        var organizations = new List<OrganizationKeyStatus>();
        string? after = null;
        while (true)
        {
            var page = await _store.ListOrganizationsAsync(after, 500, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var org in page)
            {
                var keys = await _store.GetKeysAsync(org, cancellationToken);
                var versions = new List<OrgKeyVersionStatus>();
                foreach (var k in keys.OrderBy(k => k.Kind).ThenBy(k => k.Version))
                {
                    var uses = k.Kind == OrgKeyKind.Content ? await _store.GetUsageAsync(org, k.Version, cancellationToken) : 0;
                    versions.Add(new OrgKeyVersionStatus(k.Version, k.Kind, k.RootKeyId, k.CreatedAt, uses));
                }

                var current = keys.Where(k => k.Kind == OrgKeyKind.Content).Select(k => k.Version).DefaultIfEmpty(0).Max();
                organizations.Add(new OrganizationKeyStatus(org, current, versions));
                after = org;
            }
        }

        var shreds = await _store.ListShredsAsync(cancellationToken);
        return new CellKeyStatus(_region, _environment, _provider.Name, roots.Count > 0 ? roots[^1] : null, roots, organizations, shreds);
    }
}
