using Sigill.Web.Api;

namespace Sigill.Web.Accounts;

internal static class AccountRegions
{
    /// <summary>Every region this installation serves: those of the default API deployment and those with their own (<c>Web:RegionApis</c>).</summary>
    public static async Task<IReadOnlyList<string>> AllAsync(ApiClient api, WebTierOptions options, CancellationToken ct) =>
        [.. (await api.GetSetupStatusAsync(ct)).Regions.Union(options.RegionApis.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>
    /// The region a presented link names (<c>{prefix}_{region}_{id}_{secret}</c>), when this installation serves it;
    /// null when the link is not one of ours.
    /// </summary>
    public static async Task<string?> OfLinkAsync(string presented, string prefix, ApiClient api, WebTierOptions options, CancellationToken ct)
    {
        var parts = presented.Split('_');
        if (presented.Length > 128 || parts.Length != 4 || parts[0] != prefix) return null;
        return (await AllAsync(api, options, ct)).Contains(parts[1], StringComparer.Ordinal) ? parts[1] : null;
    }

    /// <summary>The region holding the account with this e-mail address (asked by directory hash only), or null when none does.</summary>
    public static async Task<string?> LocateAsync(ApiClient api, WebTierOptions options, IReadOnlyList<string> regions, string email, CancellationToken ct)
    {
        var hash = DirectoryHash.Email(Convert.FromBase64String(options.DirectoryKey), email);
        foreach (var region in regions)
        {
            if (await api.LocateAsync(region, hash, ct)) return region;
        }
        return null;
    }
}
