using System.Globalization;

namespace Sigill.Crypto;

/// <summary>Key identifiers: <c>{environment}/{region}/root/v{n}</c> and <c>{environment}/{region}/erasure/{organizationId}</c>.</summary>
internal static class KeyIds
{
    public static string RootPrefix(string environment, string region) => $"{environment}/{region}/root/v";

    public static string Root(string environment, string region, int version)
        => RootPrefix(environment, region) + version.ToString(CultureInfo.InvariantCulture);

    public static string Erasure(string environment, string region, string organizationId)
        => $"{environment}/{region}/erasure/{organizationId}";

    public static int RootVersion(string keyId, string prefix)
        => keyId.StartsWith(prefix, StringComparison.Ordinal)
           && int.TryParse(keyId.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;

    /// <summary>Environment and region names: 1-32 characters of a-z, 0-9 and '-'.</summary>
    public static void ValidateName(string value, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, paramName);
        if (value.Length > 32 || !value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            throw new ArgumentException("Use 1-32 characters of a-z, 0-9 and '-'.", paramName);
        }
    }

    /// <summary>Organization identifiers become part of key identifiers: no '/', no control characters.</summary>
    public static void ValidateOrganizationId(string value, string paramName)
    {
        Binding.ValidateIdentifier(value, paramName);
        if (value.Contains('/', StringComparison.Ordinal) || value.Length > 128)
        {
            throw new ArgumentException("Organization identifiers are at most 128 characters and contain no '/'.", paramName);
        }
    }
}
