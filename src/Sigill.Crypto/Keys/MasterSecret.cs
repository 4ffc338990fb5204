using System.Security.Cryptography;

namespace Sigill.Crypto;

/// <summary>
/// Loads the file keyring's 32-byte master secret, from a file (mode 0600 or stricter, raw 32 bytes or base64) or
/// from an environment variable (base64). A file readable by group or others is refused: the master secret opens
/// every root key of the cell.
/// </summary>
public static class MasterSecret
{
    public const string DefaultEnvironmentVariable = "SIGILL_MASTER_KEY";

    private const UnixFileMode ForbiddenBits =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>A file path wins when given; otherwise the environment variable is read.</summary>
    public static byte[] Load(string? filePath, string environmentVariable = DefaultEnvironmentVariable)
    {
        if (!string.IsNullOrEmpty(filePath))
        {
            return LoadFile(filePath);
        }

        var value = Environment.GetEnvironmentVariable(environmentVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"No master key: set {environmentVariable} to 32 random bytes in base64 (openssl rand -base64 32), or configure a master key file with mode 0600.");
        }

        return Decode(value, $"environment variable {environmentVariable}");
    }

    public static byte[] LoadFile(string filePath)
    {
        if (!File.Exists(filePath))
        {
            throw new InvalidOperationException($"Master key file '{filePath}' does not exist.");
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(filePath);
            if ((mode & ForbiddenBits) != 0)
            {
                throw new InvalidOperationException(
                    $"Master key file '{filePath}' has mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}; it must be readable by its owner only (chmod 600).");
            }
        }

        var bytes = File.ReadAllBytes(filePath);
        try
        {
            return bytes.Length == 32 ? (byte[])bytes.Clone() : Decode(System.Text.Encoding.ASCII.GetString(bytes), $"file '{filePath}'");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static byte[] Decode(string value, string source)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(value.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"The master key in {source} is not valid base64.");
        }

        if (key.Length != 32)
        {
            CryptographicOperations.ZeroMemory(key);
            throw new InvalidOperationException($"The master key in {source} must decode to exactly 32 bytes.");
        }

        return key;
    }
}
