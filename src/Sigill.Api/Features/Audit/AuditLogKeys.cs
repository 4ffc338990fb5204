using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Cells;
using Sigill.Crypto;
using Sigill.Transparency;

namespace Sigill.Api.Features.Audit;

/// <summary>
/// The region's log key. A 32-byte Ed25519 seed generated once per cell, stored in
/// <c>audit_log_keys</c> encrypted (purpose <c>audit.log-key</c>) under the cell's pseudo-organization
/// <c>cell_&lt;region&gt;</c>, so it lives under the same key hierarchy (root key in the key provider) as
/// everything else and never appears in a log or a file. The origin is fixed with the key: changing
/// the configured host later does not rename an existing log.
/// </summary>
public sealed class AuditLogKeyMaterial : IDisposable
{
    private const string Purpose = "audit.log-key";
    private static readonly byte[] PositionSealInfo = Encoding.ASCII.GetBytes("sigill-audit-position-seal-v1");
    private static readonly byte[] ComplianceKeyInfo = Encoding.ASCII.GetBytes("sigill-compliance-manifest-key-v1");
    private readonly byte[] _sealKey;
    private readonly byte[] _complianceSeed;
    private readonly System.Collections.Concurrent.ConcurrentBag<IncrementalHash> _macs = [];

    private AuditLogKeyMaterial(string origin, byte[] seed)
    {
        Origin = origin;
        Signer = new NoteSigner(origin, seed);
        _sealKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, seed, 32, [], PositionSealInfo);
        _complianceSeed = HKDF.DeriveKey(HashAlgorithmName.SHA256, seed, 32, [], ComplianceKeyInfo);
        Verifier = Signer.ToVerifier();
    }

    public string Origin { get; }
    public NoteSigner Signer { get; }
    public NoteVerifier Verifier { get; }
    public string VerifierKey => Signer.VerifierKey;

    /// <summary>
    /// HMAC-SHA256(sealKey, leafIndex[8, big-endian] || commitment[32] || UTF-8 event id): binds a row to
    /// the position the sequencer gave it. Someone with database access but no keys cannot move,
    /// insert or re-point a sequenced row without <c>audit verify</c> naming it.
    /// </summary>
    public byte[] PositionSeal(long leafIndex, ReadOnlySpan<byte> commitment, string eventId)
    {
        var seal = new byte[32];
        PositionSeal(leafIndex, commitment, eventId, seal);
        return seal;
    }

    private void PositionSeal(long leafIndex, ReadOnlySpan<byte> commitment, string eventId, Span<byte> destination)
    {
        int length = 8 + commitment.Length + Encoding.UTF8.GetByteCount(eventId);
        Span<byte> input = length <= 256 ? stackalloc byte[256] : new byte[length];
        input = input[..length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(input, leafIndex);
        commitment.CopyTo(input[8..]);
        Encoding.UTF8.GetBytes(eventId, input[(8 + commitment.Length)..]);
        // A keyed hash object is reused (a one-shot HMAC sets the key up again each time: three times the cost, on every
        // event `audit verify` checks); instances are not thread-safe, so each call takes one from the pool.
        if (!_macs.TryTake(out var mac))
        {
            mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _sealKey);
        }
        mac.AppendData(input);
        mac.GetHashAndReset(destination);
        _macs.Add(mac);
    }

    /// <summary>
    /// The installation's compliance-manifest signer (docs/compliance.md): an Ed25519 key derived from this log's seed
    /// with HKDF-SHA256 (info <c>sigill-compliance-manifest-key-v1</c>), so it is as protected as the log key, never
    /// stored, and distinct from it — a manifest signature can never pass for a checkpoint signature. The caller disposes it.
    /// </summary>
    public NoteSigner ComplianceSigner(string name) => new(name, _complianceSeed);

    public bool PositionSealMatches(long leafIndex, ReadOnlySpan<byte> commitment, string eventId, ReadOnlySpan<byte> seal)
    {
        if (seal.Length != 32)
        {
            return false;
        }
        Span<byte> expected = stackalloc byte[32];
        PositionSeal(leafIndex, commitment, eventId, expected);
        return CryptographicOperations.FixedTimeEquals(expected, seal);
    }

    /// <summary>Loads the cell's log key; null when none was created yet.</summary>
    public static async Task<AuditLogKeyMaterial?> LoadAsync(Cell cell, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        await using var db = cell.CreateDbContext();
        var row = await db.Set<AuditLogKey>().AsNoTracking().SingleOrDefaultAsync(k => k.Region == cell.Region, ct);
        if (row is null)
        {
            return null;
        }
        var seed = await cell.Keys.DecryptBytesAsync(Context(cell.Region), row.SealedSeed, ct);
        try
        {
            var key = new AuditLogKeyMaterial(row.Origin, seed);
            if (key.VerifierKey != row.VerifierKey)
            {
                key.Dispose();
                throw new CryptographicException($"The stored verifier key of the {cell.Region} audit log does not match its seed.");
            }
            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Loads the cell's log key, creating it with <paramref name="origin"/> on first use (race-safe: the first writer wins).</summary>
    public static async Task<AuditLogKeyMaterial> LoadOrCreateAsync(Cell cell, string origin, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cell);
        if (await LoadAsync(cell, ct) is { } existing)
        {
            return existing;
        }
        await AuditRecorder.EnsureCellKeysAsync(cell, ct);
        var seed = RandomNumberGenerator.GetBytes(32);
        try
        {
            using var probe = new AuditLogKeyMaterial(origin, seed);
            var sealedSeed = await cell.Keys.EncryptBytesAsync(Context(cell.Region), seed, ct);
            await using var db = cell.CreateDbContext();
            db.Set<AuditLogKey>().Add(new AuditLogKey
            {
                Region = cell.Region,
                Origin = origin,
                VerifierKey = probe.VerifierKey,
                SealedSeed = sealedSeed,
                CreatedAt = time.GetUtcNow().UtcDateTime,
            });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Another node created it first; use theirs.
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
        return await LoadAsync(cell, ct) ?? throw new InvalidOperationException($"The {cell.Region} audit log key could not be created.");
    }

    private static ObjectContext Context(string region) =>
        new(region, AuditRecorder.CellOrganization(region), "audit-log-key", 1, Purpose);

    public void Dispose()
    {
        Signer.Dispose();
        CryptographicOperations.ZeroMemory(_sealKey);
        CryptographicOperations.ZeroMemory(_complianceSeed);
        while (_macs.TryTake(out var mac))
        {
            mac.Dispose();
        }
    }
}
