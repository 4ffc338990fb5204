using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;


namespace Sigill.Api.Features.Accounts;

/// <summary>
/// Password hashing with Argon2id (libsodium through NSec), stored as a PHC string
/// <c>$argon2id$v=19$m=19456,t=2,p=1$salt$hash</c> — OWASP's minimum recommended parameters, raised by
/// configuration where the hardware allows. Parameters live in each hash, so they can be raised later and
/// old hashes still verify (and are re-hashed on the next sign-in).
/// </summary>
public sealed class PasswordHasher(int memoryKiB = 19456, int passes = 2)
{
    public const int MinimumLength = 10;
    public const int MaximumLength = 256;

    public string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Derive(password, salt, memoryKiB, passes);
        return $"$argon2id$v=19$m={memoryKiB},t={passes},p=1${B64(salt)}${B64(hash)}";
    }

    /// <summary>Constant-time check; a malformed stored hash never verifies.</summary>
    public bool Verify(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 6 || parts[1] != "argon2id" || parts[2] != "v=19")
        {
            return false;
        }
        var settings = parts[3].Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        var salt = FromB64(parts[4]);
        var expected = FromB64(parts[5]);
        var actual = Derive(password, salt, settings["m"], settings["t"], expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>True when a stored hash uses weaker parameters than this hasher: re-hash after a successful sign-in.</summary>
    public bool NeedsRehash(string stored) => !stored.Contains($"m={memoryKiB},t={passes},p=1", StringComparison.Ordinal);

    /// <summary>Spends the same work as a real check, for unknown accounts, so timing does not reveal which exist.</summary>
    public void Burn(string password) => Derive(password, new byte[16], memoryKiB, passes);

    private static byte[] Derive(string password, byte[] salt, int memory, int passes, int length = 32)
    {
        var algorithm = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
        {
            DegreeOfParallelism = 1,
            MemorySize = memory,
            NumberOfPasses = passes,
        });
        return algorithm.DeriveBytes(Encoding.UTF8.GetBytes(password), salt, length);
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static byte[] FromB64(string text) => Convert.FromBase64String(text.PadRight(text.Length + (4 - text.Length % 4) % 4, '='));
}
