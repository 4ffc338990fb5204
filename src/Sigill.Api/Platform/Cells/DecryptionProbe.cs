using Sigill.Crypto;

namespace Sigill.Api.Platform.Cells;

/// <summary>What became of an attempt to decrypt stored content, for checks that count rather than read (the backup drill, the doctor).</summary>
public enum DecryptionOutcome
{
    Ok,
    /// <summary>The organization was crypto-shredded: unreadable on purpose.</summary>
    Shredded,
    /// <summary>Tampered with, truncated, or its key is gone.</summary>
    Failed,
}

public static class DecryptionProbe
{
    public static async Task<DecryptionOutcome> TryAsync<T>(Func<Task<T>> decrypt)
    {
        ArgumentNullException.ThrowIfNull(decrypt);
        try
        {
            await decrypt();
            return DecryptionOutcome.Ok;
        }
        catch (CryptoIntegrityException e) when (e.Reason == CryptoFailureReason.KeyDestroyed)
        {
            return DecryptionOutcome.Shredded;
        }
        catch (CryptoIntegrityException)
        {
            return DecryptionOutcome.Failed;
        }
    }
}
