namespace Sigill.Api.Platform.Blobs;

/// <summary>
/// Blob keys are relative, slash-separated paths of lower-case ASCII segments. Anything else —
/// <c>..</c>, absolute paths, backslashes, empty segments — is refused before it reaches a store,
/// so a key can never escape a cell's folder or bucket prefix.
/// </summary>
public static class BlobKey
{
    public static void Validate(string key)
    {
        if (!IsValid(key))
        {
            throw new ArgumentException("A blob key is 1-512 characters of [a-z0-9._-] in '/'-separated segments, none of them '.' or '..'.", nameof(key));
        }
    }

    public static bool IsValid(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 512)
        {
            return false;
        }
        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0 || segment is "." or ".." || segment.StartsWith('.')
                || !segment.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    public static void ValidatePrefix(string prefix)
    {
        if (prefix.Length > 0 && !IsValid(prefix.TrimEnd('/')))
        {
            throw new ArgumentException("A blob prefix must be empty or a valid key, optionally ending in '/'.", nameof(prefix));
        }
    }
}
