using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Sigill.Api.Platform.Cells;

namespace Sigill.Api.Platform.Security;

/// <summary>
/// Every bearer secret Sigill hands out has one shape: <c>{prefix}_{region}_{26-char id}_{52-char secret}</c>.
/// The prefix tells secret scanners (and people) what leaked; the region routes the request to its cell
/// without any global lookup; the id finds the row; only SHA-256(secret) is stored. The secret has 256 bits
/// of entropy, so a fast hash is enough (there is no dictionary to attack) and lookups stay cheap.
/// </summary>
public sealed record PresentedSecret(string Prefix, string IdKind)
{
    /// <summary>API tokens for integrators: <c>sgl_…</c>.</summary>
    public static readonly PresentedSecret ApiToken = new("sgl", "tok");
    /// <summary>Browser sessions, held by the web tier in a cookie: <c>sgs_…</c>.</summary>
    public static readonly PresentedSecret Session = new("sgs", "ses");
    /// <summary>The short-lived step between password and second factor: <c>sgc_…</c>.</summary>
    public static readonly PresentedSecret SignInChallenge = new("sgc", "chl");
    /// <summary>The link a sign-up e-mails to its address, to prove the address before the account exists: <c>sgv_…</c>.</summary>
    public static readonly PresentedSecret SignUp = new("sgv", "psu");
    /// <summary>The link a password reset e-mails to the account's address: <c>sgp_…</c>.</summary>
    public static readonly PresentedSecret PasswordReset = new("sgp", "pwr");
    /// <summary>Invitation links: <c>sgi_…</c>.</summary>
    public static readonly PresentedSecret Invitation = new("sgi", "inv");
    /// <summary>The OAuth <c>state</c> of a single sign-on in progress: <c>sga_…</c>.</summary>
    public static readonly PresentedSecret SsoState = new("sga", "ssa");
    /// <summary>Operator (staff) credentials: <c>sgo_…</c>.</summary>
    public static readonly PresentedSecret Operator = new("sgo", "opr");
    /// <summary>The link the public privacy-request form e-mails, to prove the address before anything happens: <c>sgq_…</c>.</summary>
    public static readonly PresentedSecret PrivacyRequest = new("sgq", "ppr");

    public (string Presented, string Id, byte[] SecretHash) Issue(string region)
    {
        var id = SigillId.New(IdKind, region);
        Span<byte> secret = stackalloc byte[32];
        RandomNumberGenerator.Fill(secret);
        var secretText = SigillId.Base32(secret);
        var presented = $"{Prefix}_{region}_{id[(IdKind.Length + 1 + region.Length + 1)..]}_{secretText}";
        return (presented, id, Hash(secretText));
    }

    public bool TryParse(string? presented, [NotNullWhen(true)] out string? id, [NotNullWhen(true)] out string? region, [NotNullWhen(true)] out string? secret)
    {
        id = region = secret = null;
        if (presented is null || presented.Length > 128 || !presented.StartsWith(Prefix + "_", StringComparison.Ordinal))
        {
            return false;
        }
        var parts = presented[(Prefix.Length + 1)..].Split('_');
        if (parts.Length != 3 || parts[2].Length != 52)
        {
            return false;
        }
        var candidate = $"{IdKind}_{parts[0]}_{parts[1]}";
        if (!SigillId.TryParse(candidate, IdKind, out region))
        {
            return false;
        }
        id = candidate;
        secret = parts[2];
        return true;
    }

    /// <summary>Parses and checks a presented secret against the stored hash in constant time.</summary>
    public static bool Matches(byte[] storedHash, string secret) =>
        CryptographicOperations.FixedTimeEquals(storedHash, Hash(secret));

    public static byte[] Hash(string secret) => SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(secret));
}
