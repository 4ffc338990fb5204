using System.Security.Cryptography;
using System.Text;

namespace Sigill.Contracts;

/// <summary>
/// The installation's directory hashes (HMAC-SHA256 under the directory key): of a normalized e-mail address, and of an
/// e-mail domain. Each cell stores the e-mail hash next to its users; the web tier, which holds the same key, asks each
/// region's API whether it knows a hash before it sends a password anywhere, and finds single sign-on by domain hash,
/// so no address or domain travels in clear. One implementation for both tiers: a stored hash must never change.
/// </summary>
public static class DirectoryHash
{
    public static string Email(byte[] key, string email) => Hash(key, "sigill.directory.email.v1\n" + NormalizeEmail(email));

    public static string Domain(byte[] key, string domain) => Hash(key, "sigill.directory.domain.v1\n" + domain.Trim().TrimEnd('.').ToLowerInvariant());

    /// <summary>
    /// Trimmed, <c>Normalize(FormC)</c>, lower case: the same rule as the cells' blind index of an address. The hosts run
    /// with invariant globalization, under which the normalization leaves composed and decomposed forms as they are.
    /// </summary>
    public static string NormalizeEmail(string email)
    {
        ArgumentNullException.ThrowIfNull(email);
        return email.Trim().Normalize(NormalizationForm.FormC).ToLowerInvariant();
    }

    private static string Hash(byte[] key, string input) => Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(input)));
}
