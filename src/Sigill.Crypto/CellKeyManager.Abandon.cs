namespace Sigill.Crypto;

public sealed partial class CellKeyManager
{
    /// <summary>
    /// Destroys a key owner's keys at once, with no delay window: for an owner whose creation failed before anything was
    /// stored under them (the caller's transaction rolled back), or whose data is being erased on purpose and for good
    /// (a pending sign-up or privacy request that ended, a deleted account). An organization a customer might still want
    /// back is shredded with <see cref="ScheduleShredAsync"/>, which leaves a window to cancel.
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
