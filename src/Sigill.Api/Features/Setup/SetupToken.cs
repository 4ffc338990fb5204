using System.Security.Cryptography;
using System.Text;

namespace Sigill.Api.Features.Setup;

/// <summary>
/// The one-time token in the first administrator's setup link. The installation stores only its
/// SHA-256 (hex) in a file. Redeeming it is claim-then-commit: the file is renamed away atomically
/// (only one concurrent caller can win), the organization is created, and the claim is deleted — or
/// renamed back if creation failed, so a failure never burns the link.
/// </summary>
public sealed class SetupToken(string file)
{
    public bool IsPending => file.Length > 0 && File.Exists(file);

    /// <summary>Writes a fresh token's hash (replacing any earlier one) and returns the token.</summary>
    public static string Issue(string file)
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var temp = file + ".tmp";
        File.WriteAllText(temp, Hash(token));
        File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, file, overwrite: true);
        return token;
    }

    public Claim? TryClaim(string presented)
    {
        if (!IsPending || string.IsNullOrEmpty(presented) || presented.Length > 128)
        {
            return null;
        }
        string stored;
        try
        {
            stored = File.ReadAllText(file).Trim();
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stored), Encoding.ASCII.GetBytes(Hash(presented))))
        {
            return null;
        }
        var claimed = file + ".claimed-" + Guid.NewGuid().ToString("N");
        try
        {
            File.Move(file, claimed);
        }
        catch (FileNotFoundException)
        {
            return null; // someone else redeemed it a moment ago
        }
        return new Claim(file, claimed);
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public sealed class Claim(string file, string claimed)
    {
        public void Commit() => File.Delete(claimed);

        public void Release() => File.Move(claimed, file, overwrite: false);
    }
}
