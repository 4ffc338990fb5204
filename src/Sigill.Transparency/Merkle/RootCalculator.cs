namespace Sigill.Transparency;

/// <summary>
/// A streaming compact range [0, n): keeps only the roots of the perfect subtrees that make up the
/// leaves seen so far (one per set bit of n), so the root of any number of leaves is computed in
/// O(log n) memory and about 2n hashes. This is what full-log verification runs on.
/// Not thread-safe.
/// </summary>
public sealed class RootCalculator
{
    // peaks[i] is the root of a perfect subtree of 2^heights[i] leaves; heights strictly decrease.
    private readonly byte[][] peaks = new byte[64][];
    private readonly int[] heights = new int[64];
    private int count;

    /// <summary>The number of leaves appended.</summary>
    public long Size { get; private set; }

    /// <summary>Hashes <paramref name="leafData"/> as an RFC 6962 leaf and appends it.</summary>
    public void AppendLeafData(ReadOnlySpan<byte> leafData)
    {
        Span<byte> hash = stackalloc byte[MerkleHash.Size];
        MerkleHash.Leaf(leafData, hash);
        AppendLeafHash(hash);
    }

    /// <summary>Appends a 32-byte leaf hash.</summary>
    public void AppendLeafHash(ReadOnlySpan<byte> leafHash)
    {
        if (leafHash.Length != MerkleHash.Size)
        {
            throw new ArgumentException("A leaf hash is 32 bytes.", nameof(leafHash));
        }

        int height = 0;
        var current = peaks[count] ??= new byte[MerkleHash.Size];
        leafHash.CopyTo(current);

        // Merge equal-height neighbours: exactly the carries of incrementing Size in binary.
        while (count > 0 && heights[count - 1] == height)
        {
            var left = peaks[count - 1];
            MerkleHash.Node(left, current, left);
            peaks[count] = current;
            current = left;
            count--;
            height++;
        }

        peaks[count] = current;
        heights[count] = height;
        count++;
        Size++;
    }

    /// <summary>The root hash of the leaves appended so far (SHA-256("") when none).</summary>
    public byte[] RootHash()
    {
        if (count == 0)
        {
            return MerkleHash.EmptyRoot.ToArray();
        }

        var root = (byte[])peaks[count - 1].Clone();
        for (int i = count - 2; i >= 0; i--)
        {
            MerkleHash.Node(peaks[i], root, root);
        }

        return root;
    }
}
