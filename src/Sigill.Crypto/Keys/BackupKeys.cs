using System.Globalization;

namespace Sigill.Crypto;

/// <summary>
/// The region's backup key: <c>{environment}/{region}/backup/v{n}</c>, held in the cell's key provider like the
/// root key. It wraps the fresh data key of each backup archive (docs/formats/backup-archive.md); it never wraps
/// organization keys, so it opens an archive's envelope and nothing inside the database.
/// </summary>
public static class BackupKeys
{
    public static string Id(string environment, string region, int version = 1)
    {
        KeyIds.ValidateName(environment, nameof(environment));
        KeyIds.ValidateName(region, nameof(region));
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        return $"{environment}/{region}/backup/v" + version.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Creates the key in the provider when it does not exist yet; returns its identifier.</summary>
    public static async Task<string> EnsureAsync(IKeyProvider provider, string environment, string region, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var id = Id(environment, region);
        await provider.CreateKeyIfMissingAsync(id, cancellationToken);
        return id;
    }
}
