using System.Security.Cryptography;
using System.Text;
using Sigill.Api.Platform.Cells;


namespace Sigill.Api.Features.Accounts;

/// <summary>TOTP codes and one-time recovery codes. Both are single use: the user row records what was consumed.</summary>
public static class SecondFactors
{
    public const int RecoveryCodeCount = 10;

    /// <summary>Wrong codes a pending authenticator key survives while it is being set up (a typo, a slow clock) before it is dropped.</summary>
    public const int PendingAttempts = 5;

    /// <summary>"totp" or "recovery" when the code is good (and consumes it on the tracked user), else null.</summary>
    public static async Task<string?> VerifyAsync(Cell cell, User user, string? code, TimeProvider time, CancellationToken ct)
    {
        if (user.TotpEnabledAt is null || user.TotpSecretToken is null || string.IsNullOrWhiteSpace(code) || code.Length > 32)
        {
            return null;
        }
        var trimmed = code.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (trimmed.Length == Totp.Digits)
        {
            var secret = Convert.FromBase64String((await cell.Keys.DecryptFieldAsync(user.Id, User.TotpPurpose, user.TotpSecretToken, user.Id, ct))!);
            if (Totp.Match(secret, trimmed, time.GetUtcNow(), user.TotpLastStep) is { } step)
            {
                user.TotpLastStep = step;
                return "totp";
            }
            return null;
        }
        var hash = RecoveryHash(trimmed);
        var remaining = user.RecoveryCodeHashes.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (remaining.Remove(hash))
        {
            user.RecoveryCodeHashes = string.Join(' ', remaining);
            return "recovery";
        }
        return null;
    }

    /// <summary>Fresh recovery codes (shown once) and the hashes to store.</summary>
    public static (IReadOnlyList<string> Codes, string Hashes) NewRecoveryCodes()
    {
        var codes = Enumerable.Range(0, RecoveryCodeCount)
            .Select(_ => SigillId.Base32(RandomNumberGenerator.GetBytes(10))) // 80 bits, 16 characters
            .Select(c => $"{c[..4]}-{c[4..8]}-{c[8..12]}-{c[12..16]}")
            .ToList();
        return (codes, string.Join(' ', codes.Select(c => RecoveryHash(c.Replace("-", "", StringComparison.Ordinal)))));
    }

    private static string RecoveryHash(string code) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(code.ToLowerInvariant())))[..32];
}
