using System.Security.Cryptography;

namespace Sigill.Transparency;

/// <summary>
/// Proof verification exactly as specified in RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
/// (consistency). Every hash must be 32 bytes; anything malformed is a failed proof, never an
/// exception, because proofs come from untrusted parties.
/// </summary>
public static class MerkleVerifier
{
    /// <summary>True when <paramref name="proof"/> shows that the leaf with hash
    /// <paramref name="leafHash"/> is at <paramref name="index"/> in the tree of
    /// <paramref name="size"/> leaves whose root is <paramref name="root"/>.</summary>
    public static bool VerifyInclusion(
        ReadOnlySpan<byte> leafHash, long index, long size, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (leafHash.Length != MerkleHash.Size || root.Length != MerkleHash.Size || index < 0 || index >= size)
        {
            return false;
        }

        Span<byte> computed = stackalloc byte[MerkleHash.Size];
        return TryRootFromInclusionProof(leafHash, index, size, proof, computed)
            && CryptographicOperations.FixedTimeEquals(computed, root);
    }

    /// <summary>
    /// Runs the RFC 9162 §2.1.3.2 loop and writes the implied root; false when the proof has the
    /// wrong shape for (index, size). Used by callers that compare the root themselves.
    /// </summary>
    public static bool TryRootFromInclusionProof(
        ReadOnlySpan<byte> leafHash, long index, long size, IReadOnlyList<byte[]> proof, Span<byte> root)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (leafHash.Length != MerkleHash.Size || index < 0 || index >= size || root.Length < MerkleHash.Size)
        {
            return false;
        }

        ulong fn = (ulong)index;
        ulong sn = (ulong)(size - 1);
        Span<byte> r = stackalloc byte[MerkleHash.Size];
        leafHash.CopyTo(r);
        foreach (var p in proof)
        {
            if (p is null || p.Length != MerkleHash.Size || sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                MerkleHash.Node(p, r, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                MerkleHash.Node(r, p, r);
            }

            fn >>= 1;
            sn >>= 1;
        }

        if (sn != 0)
        {
            return false;
        }

        r.CopyTo(root);
        return true;
    }

    /// <summary>True when <paramref name="proof"/> shows that the tree of <paramref name="oldSize"/>
    /// leaves with root <paramref name="oldRoot"/> is a prefix of the tree of
    /// <paramref name="newSize"/> leaves with root <paramref name="newRoot"/>.</summary>
    public static bool VerifyConsistency(
        long oldSize, long newSize, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> oldRoot, ReadOnlySpan<byte> newRoot)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (oldSize < 0 || newSize < oldSize || oldRoot.Length != MerkleHash.Size || newRoot.Length != MerkleHash.Size)
        {
            return false;
        }

        if (oldSize == newSize)
        {
            return proof.Count == 0 && CryptographicOperations.FixedTimeEquals(oldRoot, newRoot);
        }

        if (oldSize == 0)
        {
            // Every tree extends the empty tree; a non-empty proof is malformed.
            return proof.Count == 0;
        }

        // Step 1: an empty path cannot prove anything for 0 < oldSize < newSize.
        if (proof.Count == 0)
        {
            return false;
        }

        foreach (var element in proof)
        {
            if (element is null || element.Length != MerkleHash.Size)
            {
                return false;
            }
        }

        // Step 2: if oldSize is a power of two the old root is itself a node of the new tree and
        // is implied as the first path element.
        int next = 0;
        Span<byte> fr = stackalloc byte[MerkleHash.Size];
        Span<byte> sr = stackalloc byte[MerkleHash.Size];
        ulong fn = (ulong)(oldSize - 1);
        ulong sn = (ulong)(newSize - 1);
        if ((oldSize & (oldSize - 1)) == 0)
        {
            oldRoot.CopyTo(fr);
        }
        else
        {
            proof[next++].CopyTo(fr);
        }

        // Step 4.
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        // Step 5.
        fr.CopyTo(sr);

        // Step 6.
        for (; next < proof.Count; next++)
        {
            var c = proof[next];
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                MerkleHash.Node(c, fr, fr);
                MerkleHash.Node(c, sr, sr);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                MerkleHash.Node(sr, c, sr);
            }

            fn >>= 1;
            sn >>= 1;
        }

        // Step 7: compare both roots (non-short-circuit so timing does not reveal which one differs).
        bool oldMatches = CryptographicOperations.FixedTimeEquals(fr, oldRoot);
        bool newMatches = CryptographicOperations.FixedTimeEquals(sr, newRoot);
        return sn == 0 & oldMatches & newMatches;
    }
}
