using static Sigill.Transparency.Tests.Vectors;

namespace Sigill.Transparency.Tests;

public sealed class MerkleTreeTests
{
    private const int SweepSize = 70;

    [Fact]
    public void The_empty_tree_has_the_sha256_of_the_empty_string_as_its_root()
    {
        Assert.Equal(Roots[0], Hex(new MerkleTree().RootHash()));
        Assert.Equal(Roots[0], Hex(new RootCalculator().RootHash()));
        Assert.Equal(Roots[0], Hex(MerkleHash.EmptyRoot));
    }

    [Fact]
    public void Leaf_hashes_match_the_rfc6962_reference_leaves()
    {
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(LeafHashes[i], Hex(MerkleHash.Leaf(LeafInputs[i])));
        }
    }

    [Fact]
    public void Roots_of_sizes_1_to_8_match_the_reference_roots()
    {
        var tree = new MerkleTree();
        var calculator = new RootCalculator();
        for (int size = 1; size <= 8; size++)
        {
            tree.AppendLeafData(LeafInputs[size - 1]);
            calculator.AppendLeafData(LeafInputs[size - 1]);
            Assert.Equal(Roots[size], Hex(tree.RootHash()));
            Assert.Equal(Roots[size], Hex(calculator.RootHash()));
            Assert.Equal(Roots[size], Hex(ReferenceMerkle.Mth(LeafInputs[..size])));
        }

        for (int size = 0; size <= 8; size++)
        {
            Assert.Equal(Roots[size], Hex(tree.RootHash(size)));
        }
    }

    [Fact]
    public void A_large_leaf_is_hashed_like_a_small_one()
    {
        var data = new byte[1000];
        data.AsSpan().Fill(7);
        Assert.Equal(Hex(System.Security.Cryptography.SHA256.HashData([0x00, .. data])), Hex(MerkleHash.Leaf(data)));
    }

    [Fact]
    public void Inclusion_proofs_match_the_reference_proofs_and_verify()
    {
        var tree = ReferenceTree(8);
        foreach (var (index, size, expected) in InclusionProofs)
        {
            var proof = tree.InclusionProof(index, size);
            Assert.Equal(expected, proof.Select(p => Hex(p)));
            Assert.True(MerkleVerifier.VerifyInclusion(tree.LeafHash(index), index, size, proof, H(Roots[size])));
        }
    }

    [Fact]
    public void Consistency_proofs_match_the_reference_proofs_and_verify()
    {
        var tree = ReferenceTree(8);
        foreach (var (oldSize, newSize, expected) in ConsistencyProofs)
        {
            var proof = tree.ConsistencyProof(oldSize, newSize);
            Assert.Equal(expected, proof.Select(p => Hex(p)));
            Assert.True(MerkleVerifier.VerifyConsistency(oldSize, newSize, proof, H(Roots[oldSize]), H(Roots[newSize])));
        }
    }

    [Fact]
    public void Roots_agree_with_the_naive_rfc_recursion_for_every_size_up_to_70()
    {
        var leaves = Leaves(SweepSize);
        var tree = new MerkleTree();
        var calculator = new RootCalculator();
        for (int n = 1; n <= SweepSize; n++)
        {
            tree.AppendLeafData(leaves[n - 1]);
            calculator.AppendLeafData(leaves[n - 1]);
            var expected = Hex(ReferenceMerkle.Mth(leaves[..n]));
            Assert.Equal(expected, Hex(tree.RootHash()));
            Assert.Equal(expected, Hex(calculator.RootHash()));
        }
    }

    [Fact]
    public void Inclusion_proofs_agree_with_the_naive_rfc_path_for_every_index_and_size_up_to_70()
    {
        var leaves = Leaves(SweepSize);
        var tree = BuildTree(leaves);
        for (int n = 1; n <= SweepSize; n++)
        {
            var root = tree.RootHash(n);
            for (int m = 0; m < n; m++)
            {
                var proof = tree.InclusionProof(m, n);
                Assert.Equal(ReferenceMerkle.Path(m, leaves[..n]).Select(p => Hex(p)), proof.Select(p => Hex(p)));
                Assert.True(MerkleVerifier.VerifyInclusion(tree.LeafHash(m), m, n, proof, root), $"PATH({m}, {n})");
            }
        }
    }

    [Fact]
    public void Consistency_proofs_agree_with_the_naive_rfc_proof_for_every_pair_of_sizes_up_to_70()
    {
        var leaves = Leaves(SweepSize);
        var tree = BuildTree(leaves);
        for (int n = 1; n <= SweepSize; n++)
        {
            for (int m = 1; m <= n; m++)
            {
                var proof = tree.ConsistencyProof(m, n);
                Assert.Equal(ReferenceMerkle.Proof(m, leaves[..n]).Select(p => Hex(p)), proof.Select(p => Hex(p)));
                Assert.True(MerkleVerifier.VerifyConsistency(m, n, proof, tree.RootHash(m), tree.RootHash(n)), $"PROOF({m}, {n})");
            }
        }
    }

    [Fact]
    public void Any_tree_is_consistent_with_the_empty_tree_through_an_empty_proof()
    {
        var tree = ReferenceTree(5);
        Assert.Empty(tree.ConsistencyProof(0, 5));
        Assert.True(MerkleVerifier.VerifyConsistency(0, 5, [], MerkleHash.EmptyRoot, tree.RootHash()));
        Assert.True(MerkleVerifier.VerifyConsistency(0, 0, [], MerkleHash.EmptyRoot, MerkleHash.EmptyRoot));
    }

    [Fact]
    public void Proofs_for_sizes_beyond_the_tree_or_indexes_beyond_the_size_are_refused()
    {
        var tree = ReferenceTree(5);
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.InclusionProof(0, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.InclusionProof(5, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.ConsistencyProof(4, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.ConsistencyProof(5, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.RootHash(6));
    }

    [Fact]
    public void A_tree_spanning_several_storage_chunks_still_matches_the_streaming_root()
    {
        var tree = new MerkleTree();
        var calculator = new RootCalculator();
        var leaf = new byte[4];
        for (int i = 0; i < 70_000; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(leaf, i);
            tree.AppendLeafData(leaf);
            calculator.AppendLeafData(leaf);
        }

        Assert.Equal(Hex(calculator.RootHash()), Hex(tree.RootHash()));
        var proof = tree.InclusionProof(65_537, 70_000);
        Assert.True(MerkleVerifier.VerifyInclusion(tree.LeafHash(65_537), 65_537, 70_000, proof, tree.RootHash()));
        var consistency = tree.ConsistencyProof(40_000, 70_000);
        Assert.True(MerkleVerifier.VerifyConsistency(40_000, 70_000, consistency, tree.RootHash(40_000), tree.RootHash()));
    }

    internal static MerkleTree BuildTree(IEnumerable<byte[]> leaves)
    {
        var tree = new MerkleTree();
        foreach (var leaf in leaves)
        {
            tree.AppendLeafData(leaf);
        }

        return tree;
    }
}
