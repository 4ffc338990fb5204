namespace Sigill.Crypto;

/// <summary>Field-level encryption of personal data in rows, and blind indexes for lookups by value.</summary>
public sealed partial class CellKeyManager
{
    /// <summary>
    /// Encrypts a column value into a text token ("f1.…"). <paramref name="purpose"/> names the column (e.g.
    /// "recipient.email"); <paramref name="recordId"/>, when given, binds the token to its row so it cannot be copied
    /// into another row. Null stays null.
    /// </summary>
    public async Task<string?> EncryptFieldAsync(string organizationId, string purpose, string? value, string? recordId = null, CancellationToken cancellationToken = default)
    {
        if (value is null)
        {
            return null;
        }

        KeyIds.ValidateOrganizationId(organizationId, nameof(organizationId));
        Binding.ValidateIdentifier(purpose, nameof(purpose));
        try
        {
            var (version, key) = await GetKeyForWriteAsync(organizationId, cancellationToken);
            return FieldToken.Seal(_environment, _region, organizationId, purpose, recordId, key, version, value);
        }
        catch (CryptoIntegrityException ex)
        {
            Report(ex, organizationId, FieldObjectId(purpose, recordId));
            throw;
        }
    }

    /// <summary>Decrypts a token made by <see cref="EncryptFieldAsync"/> with the same organization, purpose and record id.</summary>
    public async Task<string?> DecryptFieldAsync(string organizationId, string purpose, string? token, string? recordId = null, CancellationToken cancellationToken = default)
    {
        if (token is null)
        {
            return null;
        }

        KeyIds.ValidateOrganizationId(organizationId, nameof(organizationId));
        Binding.ValidateIdentifier(purpose, nameof(purpose));
        try
        {
            var (version, raw) = FieldToken.Parse(token);
            var key = await GetKeyAsync(organizationId, OrgKeyKind.Content, version, cancellationToken);
            return FieldToken.Open(_environment, _region, organizationId, purpose, recordId, key, version, raw);
        }
        catch (CryptoIntegrityException ex)
        {
            Report(ex, organizationId, FieldObjectId(purpose, recordId));
            throw;
        }
    }

    /// <summary>The content-key version a field token names (for re-encryption of rows after rotation).</summary>
    public static int ReadFieldKeyVersion(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return FieldToken.Parse(token).Version;
    }

    /// <summary>
    /// A keyed HMAC of an already normalized value ("b1.…", 46 characters), for equality lookups such as e-mail.
    /// Keyed per organization and purpose with a key that does not rotate with the content key, so indexes stay
    /// valid across rotations; it is destroyed by crypto-shredding like every other key of the organization.
    /// </summary>
    public async Task<string> BlindIndexAsync(string organizationId, string purpose, string normalizedValue, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(normalizedValue);
        KeyIds.ValidateOrganizationId(organizationId, nameof(organizationId));
        Binding.ValidateIdentifier(purpose, nameof(purpose));
        try
        {
            var key = await GetKeyAsync(organizationId, OrgKeyKind.BlindIndex, 1, cancellationToken);
            return BlindIndexToken.Compute(_environment, _region, organizationId, purpose, key, normalizedValue);
        }
        catch (CryptoIntegrityException ex)
        {
            Report(ex, organizationId, FieldObjectId(purpose, null));
            throw;
        }
    }

    /// <summary>Normalization for e-mail blind indexes: trimmed, Unicode NFC, lower-case (invariant).</summary>
    public static string NormalizeEmail(string email)
    {
        ArgumentNullException.ThrowIfNull(email);
        return email.Trim().Normalize(System.Text.NormalizationForm.FormC).ToLowerInvariant();
    }

    private static string FieldObjectId(string purpose, string? recordId) => recordId is null ? $"field:{purpose}" : $"field:{purpose}:{recordId}";
}
