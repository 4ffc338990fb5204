using System.Buffers.Binary;
using System.Security.Cryptography;


namespace Sigill.Api.Features.Accounts;

/// <summary>
/// TOTP (RFC 6238) with the parameters every authenticator app supports: HMAC-SHA1, 6 digits, 30-second steps.
/// A code is accepted for the current step and one step either side (clock drift), and only for a step later
/// than the last one accepted, so a code can never be used twice.
/// </summary>
public static class Totp
{
    public const int Digits = 6;
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(20);

    public static long StepAt(DateTimeOffset time) => time.ToUnixTimeSeconds() / (long)Step.TotalSeconds;

    public static string Code(byte[] secret, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> mac = stackalloc byte[20];
#pragma warning disable CA5350 // RFC 6238 TOTP is defined over HMAC-SHA1, which authenticator apps expect; HMAC-SHA1 is not broken as a MAC
        HMACSHA1.HashData(secret, counter, mac);
#pragma warning restore CA5350
        var offset = mac[^1] & 0x0f;
        var value = (BinaryPrimitives.ReadInt32BigEndian(mac[offset..]) & 0x7fffffff) % 1_000_000;
        return value.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The step the code matches (within ±1 of now and after <paramref name="lastAcceptedStep"/>), or null.</summary>
    public static long? Match(byte[] secret, string? code, DateTimeOffset now, long lastAcceptedStep)
    {
        if (code is null || code.Length != Digits || !code.All(char.IsAsciiDigit))
        {
            return null;
        }
        var current = StepAt(now);
        long? matched = null;
        for (var step = current - 1; step <= current + 1; step++)
        {
            // Compare every candidate (no early exit) so timing does not reveal which step matched.
            if (CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(Code(secret, step)), System.Text.Encoding.ASCII.GetBytes(code))
                && step > lastAcceptedStep)
            {
                matched = step;
            }
        }
        return matched;
    }

    /// <summary>The otpauth:// URI authenticator apps scan from a QR code.</summary>
    public static string Uri(byte[] secret, string issuer, string account) =>
        $"otpauth://totp/{System.Uri.EscapeDataString(issuer)}:{System.Uri.EscapeDataString(account)}?secret={Base32Rfc4648(secret)}&issuer={System.Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits=6&period=30";

    /// <summary>RFC 4648 base32 (upper case, no padding), as authenticator apps expect.</summary>
    public static string Base32Rfc4648(ReadOnlySpan<byte> data)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var chars = new System.Text.StringBuilder((data.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars.Append(alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0)
        {
            chars.Append(alphabet[(buffer << (5 - bits)) & 31]);
        }
        return chars.ToString();
    }
}
