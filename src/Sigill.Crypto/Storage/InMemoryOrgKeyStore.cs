namespace Sigill.Crypto;

/// <summary>An <see cref="IOrgKeyStore"/> in memory, for tests and tools. <see cref="Clone"/> takes a "backup".</summary>
public sealed class InMemoryOrgKeyStore : IOrgKeyStore
{
    private readonly object _gate = new();
    private readonly List<OrgKeyRecord> _keys = [];
    private readonly Dictionary<(string Org, int Version), long> _usage = [];
    private readonly Dictionary<string, ShredRecord> _shreds = new(StringComparer.Ordinal);

    /// <summary>A deep copy, as a database backup would be.</summary>
    public InMemoryOrgKeyStore Clone()
    {
        var copy = new InMemoryOrgKeyStore();
        lock (_gate)
        {
            copy._keys.AddRange(_keys.Select(k => k with { WrappedKey = k.WrappedKey.ToArray() }));
            foreach (var u in _usage)
            {
                copy._usage[u.Key] = u.Value;
            }

            foreach (var s in _shreds)
            {
                copy._shreds[s.Key] = s.Value;
            }
        }

        return copy;
    }

    public Task<IReadOnlyList<OrgKeyRecord>> GetKeysAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<OrgKeyRecord> result = [.. _keys.Where(k => k.OrganizationId == organizationId)];
            return Task.FromResult(result);
        }
    }

    public Task AddKeyAsync(OrgKeyRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            if (_keys.Any(k => k.OrganizationId == record.OrganizationId && k.Kind == record.Kind && k.Version == record.Version))
            {
                throw new InvalidOperationException($"Key version {record.Version} ({record.Kind}) of organization '{record.OrganizationId}' exists.");
            }

            _keys.Add(record with { WrappedKey = record.WrappedKey.ToArray() });
        }

        return Task.CompletedTask;
    }

    public Task<bool> ReplaceWrappedKeyAsync(string organizationId, OrgKeyKind kind, int version, string expectedRootKeyId, string newRootKeyId, ReadOnlyMemory<byte> newWrappedKey, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var i = _keys.FindIndex(k => k.OrganizationId == organizationId && k.Kind == kind && k.Version == version && k.RootKeyId == expectedRootKeyId);
            if (i < 0)
            {
                return Task.FromResult(false);
            }

            _keys[i] = _keys[i] with { RootKeyId = newRootKeyId, WrappedKey = newWrappedKey.ToArray() };
            return Task.FromResult(true);
        }
    }

    public Task<long> ReserveUsageAsync(string organizationId, int version, long count, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _usage.TryGetValue((organizationId, version), out var used);
            used += count;
            _usage[(organizationId, version)] = used;
            return Task.FromResult(used);
        }
    }

    public Task<long> GetUsageAsync(string organizationId, int version, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_usage.GetValueOrDefault((organizationId, version)));
        }
    }

    public Task<IReadOnlyList<string>> ListOrganizationsAsync(string? afterOrganizationId, int take, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<string> result = [.. _keys.Select(k => k.OrganizationId).Distinct()
                .Where(o => afterOrganizationId is null || string.CompareOrdinal(o, afterOrganizationId) > 0)
                .Order(StringComparer.Ordinal).Take(take)];
            return Task.FromResult(result);
        }
    }

    public Task DeleteKeysAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _keys.RemoveAll(k => k.OrganizationId == organizationId);
            foreach (var key in _usage.Keys.Where(k => k.Org == organizationId).ToList())
            {
                _usage.Remove(key);
            }
        }

        return Task.CompletedTask;
    }

    public Task<ShredRecord?> GetShredAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_shreds.GetValueOrDefault(organizationId));
        }
    }

    public Task SaveShredAsync(ShredRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            _shreds[record.OrganizationId] = record;
        }

        return Task.CompletedTask;
    }

    public Task<bool> RemoveShredAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_shreds.Remove(organizationId));
        }
    }

    public Task<IReadOnlyList<ShredRecord>> ListDueShredsAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<ShredRecord> result = [.. _shreds.Values.Where(s => !s.IsExecuted && s.DueAt <= now).OrderBy(s => s.DueAt)];
            return Task.FromResult(result);
        }
    }

    public Task<IReadOnlyList<ShredRecord>> ListShredsAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<ShredRecord> result = [.. _shreds.Values.OrderBy(s => s.OrganizationId, StringComparer.Ordinal)];
            return Task.FromResult(result);
        }
    }
}
