using System.Numerics;

namespace Sigill.Transparency;

/// <summary>
/// RFC 9162 §2.1 tree hashes and proofs computed over any <see cref="IMerkleNodeSource"/>.
/// The recursive definitions of MTH, PATH and SUBPROOF are followed literally, but every perfect
/// subtree is one node lookup, so a root, an inclusion proof or a consistency proof costs
/// O(log n) lookups plus at most O(log n) hashes for the one imperfect subtree on the right edge.
/// </summary>
public static class MerkleMath
{
    /// <summary>MTH(D[0:size]): the root hash of the first <paramref name="size"/> leaves.</summary>
    public static byte[] RootHash(IMerkleNodeSource source, long size)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        return size == 0 ? MerkleHash.EmptyRoot.ToArray() : SubtreeHash(source, 0, size);
    }

    /// <summary>
    /// PATH(index, D[0:size]) from RFC 9162 §2.1.3.1: the audit path, ordered from the leaf's sibling
    /// up to the child of the root.
    /// </summary>
    public static byte[][] InclusionProof(IMerkleNodeSource source, long index, long size)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, size);

        // Each step of the recursion contributes the hash of the half that does not contain the
        // leaf; the recursion's outermost step is the last element of PATH, so collect and reverse.
        var path = new List<byte[]>(64);
        long lo = 0, hi = size;
        while (hi - lo > 1)
        {
            long k = LargestPowerOfTwoBelow(hi - lo);
            if (index < lo + k)
            {
                path.Add(SubtreeHash(source, lo + k, hi));
                hi = lo + k;
            }
            else
            {
                path.Add(SubtreeHash(source, lo, lo + k));
                lo += k;
            }
        }

        path.Reverse();
        return [.. path];
    }

    /// <summary>
    /// PROOF(oldSize, D[0:newSize]) from RFC 9162 §2.1.4.1. Empty when oldSize is 0 or equal to newSize.
    /// </summary>
    public static byte[][] ConsistencyProof(IMerkleNodeSource source, long oldSize, long newSize)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(oldSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(oldSize, newSize);
        if (oldSize == 0 || oldSize == newSize)
        {
            return [];
        }

        // SUBPROOF(m, D[lo:hi], b), unrolled: the outermost step's hash is the last element.
        var proof = new List<byte[]>(64);
        long lo = 0, hi = newSize;
        bool startFromOldRoot = true;
        while (true)
        {
            long m = oldSize - lo;
            long n = hi - lo;
            if (m == n)
            {
                if (!startFromOldRoot)
                {
                    proof.Add(SubtreeHash(source, lo, hi));
                }

                break;
            }

            long k = LargestPowerOfTwoBelow(n);
            if (m <= k)
            {
                proof.Add(SubtreeHash(source, lo + k, hi));
                hi = lo + k;
            }
            else
            {
                proof.Add(SubtreeHash(source, lo, lo + k));
                lo += k;
                startFromOldRoot = false;
            }
        }

        proof.Reverse();
        return [.. proof];
    }

    /// <summary>
    /// MTH(D[lo:hi]) for a range that starts on a boundary of the tree's own decomposition
    /// (always the case for the ranges the RFC recursion produces). Perfect ranges are one lookup;
    /// otherwise the range is split into perfect subtrees, largest first, and folded right to left.
    /// </summary>
    internal static byte[] SubtreeHash(IMerkleNodeSource source, long lo, long hi)
    {
        Span<long> levels = stackalloc long[64];
        Span<long> indexes = stackalloc long[64];
        int count = 0;
        for (long start = lo; start < hi;)
        {
            int level = BitOperations.Log2((ulong)(hi - start));
            if (start != 0)
            {
                level = Math.Min(level, BitOperations.TrailingZeroCount(start));
            }

            levels[count] = level;
            indexes[count] = start >> level;
            count++;
            start += 1L << level;
        }

        var result = new byte[MerkleHash.Size];
        source.ReadNode((int)levels[count - 1], indexes[count - 1], result);
        Span<byte> left = stackalloc byte[MerkleHash.Size];
        for (int i = count - 2; i >= 0; i--)
        {
            source.ReadNode((int)levels[i], indexes[i], left);
            MerkleHash.Node(left, result, result);
        }

        return result;
    }

    /// <summary>The largest power of two strictly less than <paramref name="n"/> (n ≥ 2).</summary>
    internal static long LargestPowerOfTwoBelow(long n) => 1L << BitOperations.Log2((ulong)(n - 1));
}
