using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Sigill.Api.Cells;

namespace Sigill.Api.Features.ApiTokens;

/// <summary>
/// The presented form of an API token: <c>sgl_{region}_{26-char id}_{52-char secret}</c>.
/// The <c>sgl_</c> prefix lets secret scanners recognise leaked tokens; the region routes the lookup
/// to the right cell; the id finds the row; only SHA-256(secret) is stored.
/// </summary>
public static class ApiTokenSecret
{
    public const string Prefix = "sgl_";

    public static (string Presented, string Id, byte[] SecretHash) Issue(string region)
    {
        var id = SigillId.New("tok", region);
        Span<byte> secret = stackalloc byte[32];
        RandomNumberGenerator.Fill(secret);
        var secretText = SigillId.Base32(secret);
        var presented = $"{Prefix}{region}_{id[(4 + region.Length + 1)..]}_{secretText}";
        return (presented, id, Hash(secretText));
    }

    public static bool TryParse(string? presented, [NotNullWhen(true)] out string? id, [NotNullWhen(true)] out string? region, [NotNullWhen(true)] out string? secret)
    {
        id = region = secret = null;
        if (presented is null || !presented.StartsWith(Prefix, StringComparison.Ordinal) || presented.Length > 128)
        {
            return false;
        }
        var parts = presented[Prefix.Length..].Split('_');
        if (parts.Length != 3 || parts[2].Length != 52)
        {
            return false;
        }
        var candidate = $"tok_{parts[0]}_{parts[1]}";
        if (!SigillId.TryParse(candidate, "tok", out region))
        {
            return false;
        }
        id = candidate;
        secret = parts[2];
        return true;
    }

    public static byte[] Hash(string secret) => SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(secret));
}
