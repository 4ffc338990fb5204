namespace Sigill.Crypto;

/// <summary>
/// Identifies one stored object. Every field is bound into the associated data of the object's
/// ciphertext: an object moved to another region, organization, object id, version or purpose
/// no longer decrypts.
/// </summary>
public readonly record struct ObjectContext(
    string Region,
    string OrganizationId,
    string ObjectId,
    int ObjectVersion,
    string Purpose);
