using System.Collections.Concurrent;

namespace Sigill.Crypto;

/// <summary>Sealed records: small values sealed and opened in bulk under a cached per-purpose record key (<see cref="SealedRecord"/>).</summary>
public sealed partial class CellKeyManager
{
    private readonly ConcurrentDictionary<(string Org, int Version, string Purpose), SealedRecord> _recordKeys = new();

    /// <summary>
    /// Seals a small value (an audit event) under the organization's current key version, bound to
    /// <paramref name="context"/>. Each record counts one use of the key version. Open it with <see cref="OpenRecordAsync"/>.
    /// </summary>
    public async ValueTask<byte[]> SealRecordAsync(ObjectContext context, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken = default)
    {
        ValidateContext(context);
        try
        {
            var (version, key) = await GetKeyForWriteAsync(context.OrganizationId, cancellationToken);
            return RecordKey(context, version, key).Seal(_environment, context, version, plaintext.Span);
        }
        catch (CryptoIntegrityException ex)
        {
            Report(ex, context.OrganizationId, context.ObjectId);
            throw;
        }
    }

    /// <summary>
    /// Opens a record made by <see cref="SealRecordAsync"/> with the same context. Throws <see cref="CryptoIntegrityException"/>
    /// (<c>KeyDestroyed</c> after crypto-shredding) like every other read.
    /// </summary>
    public async ValueTask<byte[]> OpenRecordAsync(ObjectContext context, ReadOnlyMemory<byte> record, CancellationToken cancellationToken = default)
    {
        var plaintext = GC.AllocateUninitializedArray<byte>(RecordPlaintextLength(record.Length));
        await OpenRecordAsync(context, record, plaintext, cancellationToken);
        return plaintext;
    }

    /// <summary>
    /// Opens a record into <paramref name="destination"/> (at least <see cref="RecordPlaintextLength"/> bytes) and returns
    /// the plaintext length: bulk reads (<c>audit verify</c>) reuse one buffer instead of allocating per record. Completes
    /// synchronously once the organization key is cached. On failure nothing readable is left in the destination.
    /// </summary>
    public async ValueTask<int> OpenRecordAsync(ObjectContext context, ReadOnlyMemory<byte> record, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        ValidateContext(context);
        try
        {
            var version = SealedRecord.ReadVersion(record.Span);
            var key = await GetKeyAsync(context.OrganizationId, OrgKeyKind.Content, version, cancellationToken);
            return RecordKey(context, version, key).Open(_environment, context, record.Span, destination.Span);
        }
        catch (CryptoIntegrityException ex)
        {
            Report(ex, context.OrganizationId, context.ObjectId);
            throw;
        }
    }

    /// <summary>The plaintext length of a record of <paramref name="recordLength"/> bytes (0 for anything shorter than a record).</summary>
    public static int RecordPlaintextLength(int recordLength) => Math.Max(0, recordLength - SealedRecord.Overhead);

    /// <summary>The record key of (organization, version, purpose), derived again whenever the organization key was reloaded.</summary>
    private SealedRecord RecordKey(in ObjectContext context, int version, byte[] orgKey)
    {
        var id = (context.OrganizationId, version, context.Purpose);
        if (_recordKeys.TryGetValue(id, out var cached) && ReferenceEquals(cached.Source, orgKey))
        {
            return cached;
        }

        var derived = SealedRecord.Derive(_environment, _region, context.OrganizationId, context.Purpose, orgKey);
        _recordKeys[id] = derived;
        return derived;
    }
}
