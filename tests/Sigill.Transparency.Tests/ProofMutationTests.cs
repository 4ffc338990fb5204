using static Sigill.Transparency.Tests.Vectors;

namespace Sigill.Transparency.Tests;

/// <summary>
/// Every mutation of a valid proof must be rejected: each single bit of each hash, extra, missing,
/// reordered and foreign hashes, and wrong indexes, sizes and roots (the transparency-dev probes,
/// applied to every proof of every tree up to 32 leaves, not only the reference vectors).
/// </summary>
public sealed class ProofMutationTests
{
    private const int MaxSize = 32;
    private static readonly byte[] SomeHash = H("abacaba000000000000000000000000000000000000000000060061e00123456");

    private static readonly byte[][] Leaves = Vectors.Leaves(MaxSize);
    private static readonly MerkleTree Tree = MerkleTreeTests.BuildTree(Leaves);

    [Fact]
    public void Flipping_any_single_bit_of_any_inclusion_proof_hash_is_rejected()
    {
        ForEveryInclusionProof((index, size, leaf, proof, root) =>
        {
            foreach (var mutated in EveryBitFlip(proof, size))
            {
                Assert.False(MerkleVerifier.VerifyInclusion(leaf, index, size, mutated, root));
            }
        });
    }

    [Fact]
    public void Adding_removing_or_reordering_inclusion_proof_hashes_is_rejected()
    {
        ForEveryInclusionProof((index, size, leaf, proof, root) =>
        {
            foreach (var mutated in StructuralMutations(proof, root))
            {
                Assert.False(MerkleVerifier.VerifyInclusion(leaf, index, size, mutated, root));
            }
        });
    }

    [Fact]
    public void An_inclusion_proof_does_not_verify_for_any_other_index_of_the_same_tree()
    {
        ForEveryInclusionProof((index, size, leaf, proof, root) =>
        {
            for (long other = -1; other <= size; other++)
            {
                if (other != index)
                {
                    Assert.False(MerkleVerifier.VerifyInclusion(leaf, other, size, proof, root), $"{index} as {other} in {size}");
                }
            }
        });
    }

    [Fact]
    public void An_inclusion_proof_is_rejected_with_a_doubled_or_halved_size_a_wrong_leaf_or_a_wrong_root()
    {
        ForEveryInclusionProof((index, size, leaf, proof, root) =>
        {
            Assert.False(MerkleVerifier.VerifyInclusion(leaf, index, size * 2, proof, root));
            Assert.False(MerkleVerifier.VerifyInclusion(leaf, index, size / 2, proof, root));
            Assert.False(MerkleVerifier.VerifyInclusion(SomeHash, index, size, proof, root));
            Assert.False(MerkleVerifier.VerifyInclusion("WrongLeaf"u8, index, size, proof, root));
            Assert.False(MerkleVerifier.VerifyInclusion(leaf, index, size, proof, MerkleHash.EmptyRoot));
            Assert.False(MerkleVerifier.VerifyInclusion(leaf, index, size, proof, SomeHash));
        });
    }

    [Fact]
    public void The_reference_inclusion_probes_are_rejected()
    {
        var tree = ReferenceTree(8);
        foreach (var (index, size, expected) in InclusionProofs)
        {
            var proof = expected.Select(H).ToArray();
            var leaf = tree.LeafHash(index);
            var root = H(Roots[size]);
            Assert.True(MerkleVerifier.VerifyInclusion(leaf, index, size, proof, root));
            Assert.False(MerkleVerifier.VerifyInclusion(leaf, index - 1, size, proof, root));
            Assert.False(MerkleVerifier.VerifyInclusion(leaf, index + 1, size, proof, root));
            Assert.False(MerkleVerifier.VerifyInclusion(leaf, index ^ 2, size, proof, root));
            Assert.False(MerkleVerifier.VerifyInclusion(leaf, index, size * 2, proof, root));
            Assert.False(MerkleVerifier.VerifyInclusion(leaf, index, size / 2, proof, root));
            Assert.False(MerkleVerifier.VerifyInclusion(leaf, index, size, [.. proof, []], root));
            Assert.False(MerkleVerifier.VerifyInclusion(leaf, index, size, [.. proof, root], root));
            Assert.False(MerkleVerifier.VerifyInclusion(leaf, index, size, [[], .. proof], root));
            Assert.False(MerkleVerifier.VerifyInclusion(leaf, index, size, [root, .. proof], root));
        }
    }

    [Fact]
    public void A_single_leaf_tree_needs_matching_32_byte_leaf_and_root()
    {
        var hash = MerkleHash.Leaf("data"u8);
        Assert.True(MerkleVerifier.VerifyInclusion(hash, 0, 1, [], hash));
        Assert.False(MerkleVerifier.VerifyInclusion([], 0, 1, [], hash));
        Assert.False(MerkleVerifier.VerifyInclusion(hash, 0, 1, [], []));
        Assert.False(MerkleVerifier.VerifyInclusion([], 0, 1, [], []));
        foreach (var (index, size) in new[] { (0L, 0L), (1L, 0L), (2L, 1L) })
        {
            Assert.False(MerkleVerifier.VerifyInclusion(SomeHash, index, size, [], MerkleHash.EmptyRoot));
            Assert.False(MerkleVerifier.VerifyInclusion(MerkleHash.EmptyRoot, index, size, [], MerkleHash.EmptyRoot));
        }
    }

    [Fact]
    public void Flipping_any_single_bit_of_any_consistency_proof_hash_is_rejected()
    {
        ForEveryConsistencyProof((m, n, proof, oldRoot, newRoot) =>
        {
            foreach (var mutated in EveryBitFlip(proof, n))
            {
                Assert.False(MerkleVerifier.VerifyConsistency(m, n, mutated, oldRoot, newRoot));
            }
        });
    }

    [Fact]
    public void Adding_removing_or_reordering_consistency_proof_hashes_is_rejected()
    {
        ForEveryConsistencyProof((m, n, proof, oldRoot, newRoot) =>
        {
            foreach (var mutated in StructuralMutations(proof, oldRoot).Concat(StructuralMutations(proof, newRoot)))
            {
                Assert.False(MerkleVerifier.VerifyConsistency(m, n, mutated, oldRoot, newRoot));
            }

            Assert.False(MerkleVerifier.VerifyConsistency(m, n, [], oldRoot, newRoot));
            Assert.False(MerkleVerifier.VerifyConsistency(m, n, [proof[0], .. proof], oldRoot, newRoot));
        });
    }

    [Fact]
    public void A_consistency_proof_is_rejected_with_wrong_sizes_or_roots()
    {
        ForEveryConsistencyProof((m, n, proof, oldRoot, newRoot) =>
        {
            Assert.False(MerkleVerifier.VerifyConsistency(m - 1, n, proof, oldRoot, newRoot));
            Assert.False(MerkleVerifier.VerifyConsistency(m + 1, n, proof, oldRoot, newRoot));
            Assert.False(MerkleVerifier.VerifyConsistency(m ^ 2, n, proof, oldRoot, newRoot));
            Assert.False(MerkleVerifier.VerifyConsistency(m, n * 2, proof, oldRoot, newRoot));
            Assert.False(MerkleVerifier.VerifyConsistency(m, n / 2, proof, oldRoot, newRoot));
            Assert.False(MerkleVerifier.VerifyConsistency(m, n, proof, "WrongRoot"u8, newRoot));
            Assert.False(MerkleVerifier.VerifyConsistency(m, n, proof, oldRoot, "WrongRoot"u8));
            Assert.False(MerkleVerifier.VerifyConsistency(m, n, proof, SomeHash, newRoot));
            Assert.False(MerkleVerifier.VerifyConsistency(m, n, proof, oldRoot, SomeHash));
            Assert.False(MerkleVerifier.VerifyConsistency(m, n, proof, newRoot, oldRoot));
        });
    }

    [Fact]
    public void Trivial_consistency_cases_follow_the_reference_rules()
    {
        byte[] root1 = SomeHash;
        byte[] root2 = MerkleHash.EmptyRoot.ToArray();
        Assert.False(MerkleVerifier.VerifyConsistency(0, 0, [], root1, root2));
        Assert.False(MerkleVerifier.VerifyConsistency(1, 1, [], root1, root2));
        Assert.True(MerkleVerifier.VerifyConsistency(0, 0, [], root1, root1));
        Assert.True(MerkleVerifier.VerifyConsistency(1, 1, [], root2, root2));
        Assert.False(MerkleVerifier.VerifyConsistency(1, 0, [], root1, root2));
        Assert.False(MerkleVerifier.VerifyConsistency(2, 1, [], root1, root2));
        Assert.False(MerkleVerifier.VerifyConsistency(1, 2, [], root1, root2));
        Assert.False(MerkleVerifier.VerifyConsistency(0, 0, [root2], root2, root2));
        Assert.False(MerkleVerifier.VerifyConsistency(1, 1, [root2], root2, root2));
        Assert.False(MerkleVerifier.VerifyConsistency(0, 1, [root2], root2, root2));
    }

    private static void ForEveryInclusionProof(Action<long, long, byte[], byte[][], byte[]> check)
    {
        for (long size = 1; size <= MaxSize; size++)
        {
            var root = Tree.RootHash(size);
            for (long index = 0; index < size; index++)
            {
                check(index, size, Tree.LeafHash(index), Tree.InclusionProof(index, size), root);
            }
        }
    }

    private static void ForEveryConsistencyProof(Action<long, long, byte[][], byte[], byte[]> check)
    {
        for (long n = 2; n <= MaxSize; n++)
        {
            for (long m = 1; m < n; m++)
            {
                check(m, n, Tree.ConsistencyProof(m, n), Tree.RootHash(m), Tree.RootHash(n));
            }
        }
    }

    // Flips bits in place and restores them after the caller has looked. Every bit of every hash
    // for proofs in trees up to 16 leaves; above that one bit per byte (rotating through the bit
    // positions), which keeps the suite fast while still touching every byte.
    private static IEnumerable<byte[][]> EveryBitFlip(byte[][] proof, long treeSize)
    {
        var copy = proof.Select(p => (byte[])p.Clone()).ToArray();
        bool exhaustive = treeSize <= 16;
        for (int element = 0; element < copy.Length; element++)
        {
            for (int bit = 0; bit < MerkleHash.Size * 8; bit++)
            {
                if (!exhaustive && bit % 8 != (bit / 8) % 8)
                {
                    continue;
                }

                copy[element][bit / 8] ^= (byte)(1 << (bit % 8));
                yield return copy;
                copy[element][bit / 8] ^= (byte)(1 << (bit % 8));
            }
        }
    }

    private static IEnumerable<byte[][]> StructuralMutations(byte[][] proof, byte[] root)
    {
        yield return [.. proof, []];
        yield return [.. proof, root];
        yield return [.. proof, SomeHash];
        yield return [[], .. proof];
        yield return [root, .. proof];
        yield return [SomeHash, .. proof];
        for (int i = 0; i < proof.Length; i++)
        {
            yield return [.. proof[..i], .. proof[(i + 1)..]];
            yield return [.. proof[..i], SomeHash, .. proof[i..]];
            yield return [.. proof[..i], proof[i], .. proof[i..]];
            yield return [.. proof[..i], proof[i][..31], .. proof[(i + 1)..]];
            yield return [.. proof[..i], [.. proof[i], 0], .. proof[(i + 1)..]];
            for (int j = i + 1; j < proof.Length; j++)
            {
                if (!proof[i].AsSpan().SequenceEqual(proof[j]))
                {
                    var swapped = (byte[][])proof.Clone();
                    (swapped[i], swapped[j]) = (swapped[j], swapped[i]);
                    yield return swapped;
                }
            }
        }
    }
}
