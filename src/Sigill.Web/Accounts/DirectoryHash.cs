using System.Security.Cryptography;
using System.Text;

namespace Sigill.Web.Accounts;

/// <summary>
/// The installation's directory hash of an e-mail address, so the web tier can ask each region's API whether it holds
/// an account without sending the address anywhere. A copy of <c>Sigill.Api.Features.Accounts.Directory.Hash</c> (the web tier
/// does not reference the API tier); the two must stay byte-identical — a test compares them.
/// </summary>
internal static class DirectoryHash
{
    public static string Of(string base64Key, string email)
    {
        var normalized = email.Trim().Normalize(NormalizationForm.FormC).ToLowerInvariant(); // CellKeyManager.NormalizeEmail
        return Convert.ToHexStringLower(HMACSHA256.HashData(Convert.FromBase64String(base64Key), Encoding.UTF8.GetBytes("sigill.directory.email.v1\n" + normalized)));
    }
}
