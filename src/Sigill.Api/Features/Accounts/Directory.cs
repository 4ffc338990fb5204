using System.Security.Cryptography;
using System.Text;


namespace Sigill.Api.Features.Accounts;

/// <summary>
/// The only installation-wide view of who has an account: a keyed hash of the normalized e-mail address
/// (HMAC-SHA256 under the installation's directory key). Each cell stores it next to its users; the web
/// tier, which holds the same key, asks each region's API whether it knows a hash before it sends a password
/// anywhere, so a sign-in reaches the right cell and no cell ever sees another cell's e-mail addresses.
/// Without the key the hashes cannot be tested against a list of addresses.
/// </summary>
public sealed class Directory
{
    private readonly byte[] _key;

    public Directory(byte[] key)
    {
        if (key.Length < 32)
        {
            throw new ArgumentException("The directory key must be at least 32 bytes.", nameof(key));
        }
        _key = key;
    }

    public static Directory FromBase64(string key) => new(Convert.FromBase64String(key));

    public string EmailHash(string email) => DirectoryHash.Email(_key, email);

    /// <summary>
    /// The directory hash of an e-mail domain: how a cell finds the organization whose single sign-on claims a work
    /// address's domain, without the domain travelling in clear.
    /// </summary>
    public string DomainHash(string domain) => DirectoryHash.Domain(_key, domain);

    /// <summary>A keyed hash for throttle keys that must not hold personal data (IP addresses).</summary>
    public string ThrottleKey(string kind, string value) =>
        kind + ":" + Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("sigill.throttle.v1\n" + kind + "\n" + value)))[..40];

    /// <summary>A plausible e-mail address: one '@', something on both sides, no spaces, at most 254 characters.</summary>
    public static bool IsPlausibleEmail(string? email)
    {
        if (string.IsNullOrWhiteSpace(email) || email.Length > 254)
        {
            return false;
        }
        var trimmed = email.Trim();
        var at = trimmed.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at == trimmed.LastIndexOf('@') && at < trimmed.Length - 3 && trimmed[(at + 1)..].Contains('.', StringComparison.Ordinal)
            && !trimmed.Any(char.IsWhiteSpace);
    }
}
