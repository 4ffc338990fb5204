namespace Sigill.Crypto;

public sealed partial class CellKeyManager
{
    /// <summary>
    /// Removes the keys of an organization whose creation failed before anything was stored under them
    /// (the caller's transaction rolled back). Unlike shredding there is no delay window: no data exists.
    /// Never call it for an organization that was stored; use <see cref="ScheduleShredAsync"/>.
    /// </summary>
    public async Task AbandonOrganizationKeysAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        KeyIds.ValidateOrganizationId(organizationId, nameof(organizationId));
        await _provider.DestroyKeyAsync(KeyIds.Erasure(_environment, _region, organizationId), cancellationToken);
        await _store.DeleteKeysAsync(organizationId, cancellationToken);
        ForgetOrganization(organizationId);
    }

    /// <summary>
    /// Drops this node's cached keys and current version of the organization, so the next use reads the key
    /// store again. For work that must see a rotation made by another process (the CLI) at once, instead of
    /// within <see cref="CellKeyManagerOptions.KeyCacheLifetime"/>.
    /// </summary>
    public void ForgetCachedKeys(string organizationId) => ForgetOrganization(organizationId);
}
