using System.Security.Cryptography;

namespace Sigill.Transparency.Tests;

public sealed class TileTests
{
    [Theory]
    [InlineData(0L, "000")]
    [InlineData(1L, "001")]
    [InlineData(999L, "999")]
    [InlineData(1000L, "x001/000")]
    [InlineData(1234067L, "x001/x234/067")]
    [InlineData(123456789012L, "x123/x456/x789/012")]
    public void Tile_indexes_are_written_as_three_digit_groups_prefixed_with_x(long index, string expected)
    {
        Assert.Equal(expected, TlogTiles.EncodeIndex(index));
    }

    [Fact]
    public void Tile_paths_follow_the_c2sp_examples()
    {
        Assert.Equal("tile/0/x001/x234/067", TlogTiles.HashTilePath(0, 1234067));
        Assert.Equal("tile/0/x001/x234/067.p/8", TlogTiles.HashTilePath(0, 1234067, 8));
        Assert.Equal("tile/3/000.p/1", TlogTiles.HashTilePath(3, 0, 1));
        Assert.Equal("tile/entries/x001/x234/067", TlogTiles.EntryBundlePath(1234067));
        Assert.Equal("tile/entries/000.p/255", TlogTiles.EntryBundlePath(0, 255));
        Assert.Throws<ArgumentOutOfRangeException>(() => TlogTiles.HashTilePath(0, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TlogTiles.HashTilePath(0, 0, 257));
    }

    [Theory]
    [InlineData("tile/0/x001/x234/067", false, 0, 1234067L, 256)]
    [InlineData("tile/0/x001/x234/067.p/8", false, 0, 1234067L, 8)]
    [InlineData("tile/2/000.p/1", false, 2, 0L, 1)]
    [InlineData("tile/entries/x001/000", true, 0, 1000L, 256)]
    [InlineData("tile/entries/123.p/255", true, 0, 123L, 255)]
    public void Canonical_tile_paths_parse(string path, bool entries, int level, long index, int width)
    {
        Assert.True(TlogTiles.TryParsePath(path, out var tile));
        Assert.Equal(new TilePath(entries, level, index, width), tile);
        Assert.Equal(path, tile.Value.ToString());
    }

    [Theory]
    [InlineData("tile/0/1234067")]
    [InlineData("tile/0/x1/x234/067")]
    [InlineData("tile/0/x000/001")]
    [InlineData("tile/0/001/x234")]
    [InlineData("tile/00/001")]
    [InlineData("tile/64/001")]
    [InlineData("tile/0/001.p/0")]
    [InlineData("tile/0/001.p/256")]
    [InlineData("tile/0/001.p/08")]
    [InlineData("tile/0/001.p")]
    [InlineData("tile/entries/001.p/")]
    [InlineData("tile/0/-01")]
    [InlineData("tiles/0/001")]
    [InlineData("tile/0")]
    [InlineData("/tile/0/001")]
    public void Non_canonical_tile_paths_are_refused(string path)
    {
        Assert.False(TlogTiles.TryParsePath(path, out _));
    }

    [Fact]
    public void Partial_tiles_exist_only_at_the_right_edge_of_each_level()
    {
        Assert.Equal(256, TlogTiles.HashTileWidth(1000, 0, 2));
        Assert.Equal(232, TlogTiles.HashTileWidth(1000, 0, 3));
        Assert.Equal(0, TlogTiles.HashTileWidth(1000, 0, 4));
        Assert.Equal(3, TlogTiles.HashTileWidth(1000, 1, 0));
        Assert.Equal(0, TlogTiles.HashTileWidth(1000, 2, 0));
        Assert.Equal(1, TlogTiles.HashTileWidth(65536, 2, 0));
        Assert.Equal(0, TlogTiles.HashTileWidth(0, 0, 0));
        Assert.Equal(0, TlogTiles.HashTileWidth(long.MaxValue, 63, 0));
    }

    [Fact]
    public void A_hash_tile_is_the_concatenation_of_the_level_8L_node_hashes()
    {
        var tree = BuildTree(1000, out _);
        var partial = TlogTiles.ReadHashTile(tree, tree.Size, 0, 3, 232);
        Assert.Equal(232 * 32, partial.Length);
        Assert.Equal(tree.LeafHash(768), partial[..32]);
        Assert.Equal(tree.LeafHash(999), partial[^32..]);

        var upper = TlogTiles.ReadHashTile(tree, tree.Size, 1, 0, 3);
        Assert.Equal(tree.RootHash(256), upper[..32]);
        Assert.Equal(MerkleMath.SubtreeHash(tree, 512, 768), upper[64..]);

        Assert.Throws<ArgumentOutOfRangeException>(() => TlogTiles.ReadHashTile(tree, tree.Size, 0, 3, 256));
        Assert.Throws<ArgumentOutOfRangeException>(() => TlogTiles.ReadHashTile(tree, 900, 0, 3, 232));
    }

    [Fact]
    public void Entry_bundles_encode_each_entry_as_a_big_endian_length_and_data()
    {
        var bundle = TlogTiles.EncodeEntryBundle([new byte[] { 0xAA }, Array.Empty<byte>(), new byte[300]]);
        Assert.Equal(new byte[] { 0x00, 0x01, 0xAA, 0x00, 0x00, 0x01, 0x2C }, bundle[..7]);
        Assert.Equal(2 + 1 + 2 + 2 + 300, bundle.Length);
        var decoded = TlogTiles.DecodeEntryBundle(bundle)!;
        Assert.Equal(3, decoded.Count);
        Assert.Null(TlogTiles.DecodeEntryBundle(bundle[..^1]));
        Assert.Null(TlogTiles.DecodeEntryBundle([.. bundle, 0x00]));
        Assert.Throws<ArgumentException>(() => TlogTiles.EncodeEntryBundle([new byte[65536]]));
    }

    [Fact]
    public void A_client_rebuilds_the_checkpoint_root_from_served_tiles_and_entry_bundles_alone()
    {
        const string origin = "sigill.example/inst/audit/us";
        var tree = BuildTree(66_000, out var commitments);
        using var signer = NoteSigner.Generate(origin);
        var note = new Checkpoint(origin, tree.Size, tree.RootHash()).Sign(signer);
        var server = new TileServer(tree, commitments);

        // The client trusts only the verifier key.
        var checkpoint = Checkpoint.Open(System.Text.Encoding.UTF8.GetString(server.Get(TlogTiles.CheckpointPath, note)), signer.ToVerifier(), origin).Checkpoint!;

        // Root from hash tiles, including proofs served out of them.
        var reader = new TileHashReader(checkpoint.Size, tile => server.Get(tile.ToString(), note));
        Assert.Equal(checkpoint.RootHash.ToArray(), MerkleMath.RootHash(reader, checkpoint.Size));
        Assert.Equal(tree.InclusionProof(65_999, 66_000), MerkleMath.InclusionProof(reader, 65_999, 66_000));
        Assert.Equal(tree.ConsistencyProof(1000, 66_000), MerkleMath.ConsistencyProof(reader, 1000, 66_000));

        // Root from entry bundles: every entry is a 32-byte commitment and nothing else.
        var calculator = new RootCalculator();
        for (long bundle = 0; TlogTiles.EntryBundleWidth(checkpoint.Size, bundle) > 0; bundle++)
        {
            int width = TlogTiles.EntryBundleWidth(checkpoint.Size, bundle);
            var entries = TlogTiles.DecodeEntryBundle(server.Get(TlogTiles.EntryBundlePath(bundle, width), note))!;
            Assert.Equal(width, entries.Count);
            var leafTile = server.Get(TlogTiles.HashTilePath(0, bundle, width), note);
            for (int i = 0; i < entries.Count; i++)
            {
                Assert.Equal(LeafCommitment.Size, entries[i].Length);
                var leafHash = LeafCommitment.LeafHash(entries[i]);
                Assert.Equal(leafHash, leafTile[(i * 32)..((i + 1) * 32)]);
                calculator.AppendLeafHash(leafHash);
            }
        }

        Assert.Equal(checkpoint.RootHash.ToArray(), calculator.RootHash());
    }

    [Fact]
    public void A_single_flipped_byte_in_any_served_hash_tile_breaks_the_proofs_that_read_it()
    {
        const long size = 3000;
        var tree = BuildTree((int)size, out var commitments);
        var root = tree.RootHash();
        var server = new TileServer(tree, commitments);
        var tiles = new List<(int Level, long Index, int Width)>();
        for (int level = 0; TlogTiles.HashTileWidth(size, level, 0) > 0; level++)
        {
            for (long index = 0; TlogTiles.HashTileWidth(size, level, index) > 0; index++)
            {
                tiles.Add((level, index, TlogTiles.HashTileWidth(size, level, index)));
            }
        }

        Assert.Equal(13, tiles.Count);
        foreach (var (level, index, width) in tiles)
        {
            // The flipped byte is in the tile's first hash, node (8L, 256N); the leaf just right of
            // that node's subtree has it as a sibling in its inclusion proof.
            server.Tamper = TlogTiles.HashTilePath(level, index, width);
            var reader = new TileHashReader(size, tile => server.Get(tile.ToString(), ""));
            long leaf = ((index * TlogTiles.Width) ^ 1) << (level * TlogTiles.Height);
            var proof = MerkleMath.InclusionProof(reader, leaf, size);
            Assert.False(MerkleVerifier.VerifyInclusion(tree.LeafHash(leaf), leaf, size, proof, root), server.Tamper);
        }

        // The right-edge tiles feed the root itself.
        server.Tamper = TlogTiles.HashTilePath(0, 11, 184);
        var edge = new TileHashReader(size, tile => server.Get(tile.ToString(), ""));
        Assert.NotEqual(root, MerkleMath.RootHash(edge, size));
    }

    private static MerkleTree BuildTree(int size, out List<byte[]> commitments)
    {
        var tree = new MerkleTree();
        commitments = [];
        for (int i = 0; i < size; i++)
        {
            var commitment = LeafCommitment.Compute(SHA256.HashData(BitConverter.GetBytes(i)), BitConverter.GetBytes(i * 7));
            commitments.Add(commitment);
            tree.AppendLeafData(commitment);
        }

        return tree;
    }

    /// <summary>What the lead's HTTP endpoint does, minus HTTP.</summary>
    private sealed class TileServer(MerkleTree tree, List<byte[]> commitments)
    {
        public string? Tamper { get; set; }

        public byte[] Get(string path, string checkpointNote) => path == TlogTiles.CheckpointPath
            ? System.Text.Encoding.UTF8.GetBytes(checkpointNote)
            : Serve(path);

        private byte[] Serve(string path)
        {
            Assert.True(TlogTiles.TryParsePath(path, out var tile), path);
            var t = tile.Value;
            byte[] bytes;
            if (t.IsEntryBundle)
            {
                long first = t.Index * TlogTiles.Width;
                bytes = TlogTiles.EncodeEntryBundle(commitments.Skip((int)first).Take(t.Width).Select(c => (ReadOnlyMemory<byte>)c));
            }
            else
            {
                bytes = TlogTiles.ReadHashTile(tree, tree.Size, t.Level, t.Index, t.Width);
            }

            if (path == Tamper)
            {
                bytes[5] ^= 0x40; // inside the first hash or entry
            }

            return bytes;
        }
    }
}
