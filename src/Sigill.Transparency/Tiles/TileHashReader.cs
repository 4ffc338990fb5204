namespace Sigill.Transparency;

/// <summary>
/// A client-side <see cref="IMerkleNodeSource"/> over served hash tiles, for independent
/// verifiers: node (h, i) is read from the level-⌊h/8⌋ tile and, when h is not a multiple of 8,
/// rehashed from the 2^(h mod 8) tile hashes beneath it. Nothing fetched is trusted: compute
/// <see cref="MerkleMath.RootHash"/> over this reader and compare it with a verified checkpoint.
/// Fetched tiles are cached; not thread-safe.
/// </summary>
public sealed class TileHashReader : IMerkleNodeSource
{
    private readonly long treeSize;
    private readonly Func<TilePath, byte[]> fetch;
    private readonly Dictionary<(int Level, long Index), byte[]> cache = [];

    /// <summary>Creates a reader for the tree of <paramref name="treeSize"/> leaves; <paramref name="fetch"/>
    /// returns the bytes served at a tile path (for example over HTTP).</summary>
    public TileHashReader(long treeSize, Func<TilePath, byte[]> fetch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        this.treeSize = treeSize;
        this.fetch = fetch ?? throw new ArgumentNullException(nameof(fetch));
    }

    /// <inheritdoc />
    public void ReadNode(int level, long index, Span<byte> destination)
    {
        int tileLevel = level / TlogTiles.Height;
        int depth = level % TlogTiles.Height;
        long first = index << depth;
        long count = 1L << depth;
        long tileIndex = first / TlogTiles.Width;
        var tile = Tile(tileLevel, tileIndex);
        int offset = (int)(first - (tileIndex * TlogTiles.Width));
        if ((offset + count) * MerkleHash.Size > tile.Length)
        {
            throw new InvalidDataException($"Node ({level}, {index}) is beyond tile {tileLevel}/{tileIndex}.");
        }

        // Fold the 2^depth hashes pairwise, level by level, in a scratch copy.
        var scratch = tile.AsSpan(offset * MerkleHash.Size, (int)count * MerkleHash.Size).ToArray();
        for (long width = count; width > 1; width /= 2)
        {
            for (int i = 0; i < width / 2; i++)
            {
                MerkleHash.Node(
                    scratch.AsSpan(2 * i * MerkleHash.Size, MerkleHash.Size),
                    scratch.AsSpan(((2 * i) + 1) * MerkleHash.Size, MerkleHash.Size),
                    scratch.AsSpan(i * MerkleHash.Size, MerkleHash.Size));
            }
        }

        scratch.AsSpan(0, MerkleHash.Size).CopyTo(destination);
    }

    private byte[] Tile(int level, long index)
    {
        if (cache.TryGetValue((level, index), out var cached))
        {
            return cached;
        }

        int width = TlogTiles.HashTileWidth(treeSize, level, index);
        if (width == 0)
        {
            throw new InvalidDataException($"Tile {level}/{index} does not exist at tree size {treeSize}.");
        }

        var tile = fetch(new TilePath(false, level, index, width));
        if (tile is null || tile.Length != width * MerkleHash.Size)
        {
            throw new InvalidDataException($"Tile {TlogTiles.HashTilePath(level, index, width)} is not {width} hashes long.");
        }

        cache[(level, index)] = tile;
        return tile;
    }
}
