namespace Sigill.Transparency;

/// <summary>
/// An append-only in-memory Merkle tree that keeps every perfect-subtree node, so roots and proofs
/// for any earlier size are O(log n) lookups. Level h holds floor(n / 2^h) hashes, about 2n hashes
/// (64 bytes per leaf) in total, in 1 MiB chunks.
/// Thread-safe: appends and reads take one short lock; the lock is what keeps a proof consistent
/// with the size it was asked for while another thread appends.
/// </summary>
public sealed class MerkleTree : IMerkleNodeSource
{
    // 32 768 hashes per chunk = 1 MiB arrays: large enough that chunk lists stay short, small enough
    // to avoid one huge reallocation per level when the log grows.
    private const int ChunkShift = 15;
    private const int ChunkHashes = 1 << ChunkShift;
    private const int ChunkMask = ChunkHashes - 1;

    private readonly List<List<byte[]>> levels = [];
    private readonly List<long> levelCounts = [];
    private readonly Lock gate = new();
    private long size;

    /// <summary>The number of leaves appended so far.</summary>
    public long Size
    {
        get
        {
            lock (gate)
            {
                return size;
            }
        }
    }

    /// <summary>Appends leaf data (for audit events: the 32-byte <see cref="LeafCommitment"/>),
    /// hashing it as an RFC 6962 leaf. Returns the leaf's index.</summary>
    public long AppendLeafData(ReadOnlySpan<byte> leafData)
    {
        Span<byte> hash = stackalloc byte[MerkleHash.Size];
        MerkleHash.Leaf(leafData, hash);
        return AppendLeafHash(hash);
    }

    /// <summary>Appends an already computed 32-byte leaf hash. Returns the leaf's index.</summary>
    public long AppendLeafHash(ReadOnlySpan<byte> leafHash)
    {
        if (leafHash.Length != MerkleHash.Size)
        {
            throw new ArgumentException("A leaf hash is 32 bytes.", nameof(leafHash));
        }

        lock (gate)
        {
            long index = size;
            Span<byte> current = stackalloc byte[MerkleHash.Size];
            Span<byte> left = stackalloc byte[MerkleHash.Size];
            leafHash.CopyTo(current);
            long position = index;
            for (int level = 0; ; level++)
            {
                Store(level, position, current);

                // A node that is a right child completes its parent.
                if ((position & 1) == 0)
                {
                    break;
                }

                Load(level, position - 1, left);
                MerkleHash.Node(left, current, current);
                position >>= 1;
            }

            size = index + 1;
            return index;
        }
    }

    /// <summary>The root hash of the whole tree.</summary>
    public byte[] RootHash()
    {
        lock (gate)
        {
            return MerkleMath.RootHash(this, size);
        }
    }

    /// <summary>The root hash of the first <paramref name="treeSize"/> leaves.</summary>
    public byte[] RootHash(long treeSize)
    {
        lock (gate)
        {
            EnsureSize(treeSize);
            return MerkleMath.RootHash(this, treeSize);
        }
    }

    /// <summary>The RFC 9162 inclusion proof of leaf <paramref name="index"/> in the tree of
    /// <paramref name="treeSize"/> leaves.</summary>
    public byte[][] InclusionProof(long index, long treeSize)
    {
        lock (gate)
        {
            EnsureSize(treeSize);
            return MerkleMath.InclusionProof(this, index, treeSize);
        }
    }

    /// <summary>The RFC 9162 consistency proof from <paramref name="oldSize"/> to
    /// <paramref name="newSize"/>.</summary>
    public byte[][] ConsistencyProof(long oldSize, long newSize)
    {
        lock (gate)
        {
            EnsureSize(newSize);
            return MerkleMath.ConsistencyProof(this, oldSize, newSize);
        }
    }

    /// <summary>The hash of the leaf at <paramref name="index"/>.</summary>
    public byte[] LeafHash(long index)
    {
        var result = new byte[MerkleHash.Size];
        ReadNode(0, index, result);
        return result;
    }

    /// <inheritdoc />
    public void ReadNode(int level, long index, Span<byte> destination)
    {
        lock (gate)
        {
            if (level < 0 || level >= levels.Count || index < 0 || index >= levelCounts[level])
            {
                throw new ArgumentOutOfRangeException(nameof(index), $"Node ({level}, {index}) is not in the tree.");
            }

            Load(level, index, destination);
        }
    }

    private void EnsureSize(long treeSize)
    {
        if (treeSize < 0 || treeSize > size)
        {
            throw new ArgumentOutOfRangeException(nameof(treeSize), $"Tree size {treeSize} exceeds the {size} leaves appended.");
        }
    }

    private void Store(int level, long index, ReadOnlySpan<byte> hash)
    {
        if (level == levels.Count)
        {
            levels.Add([]);
            levelCounts.Add(0);
        }

        var chunks = levels[level];
        int chunk = (int)(index >> ChunkShift);
        if (chunk == chunks.Count)
        {
            // The first chunk of a level starts small and doubles, so the sparse upper levels of a
            // small tree do not each pin a whole chunk.
            chunks.Add(new byte[(chunk == 0 ? 16 : ChunkHashes) * MerkleHash.Size]);
        }

        int offset = (int)(index & ChunkMask) * MerkleHash.Size;
        var array = chunks[chunk];
        if (offset + MerkleHash.Size > array.Length)
        {
            Array.Resize(ref array, Math.Min(array.Length * 2, ChunkHashes * MerkleHash.Size));
            chunks[chunk] = array;
        }

        hash.CopyTo(array.AsSpan(offset, MerkleHash.Size));
        levelCounts[level] = index + 1;
    }

    private void Load(int level, long index, Span<byte> destination) =>
        levels[level][(int)(index >> ChunkShift)]
            .AsSpan((int)(index & ChunkMask) * MerkleHash.Size, MerkleHash.Size)
            .CopyTo(destination);
}
