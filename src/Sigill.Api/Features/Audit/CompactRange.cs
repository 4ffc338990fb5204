using Sigill.Transparency;

namespace Sigill.Api.Features.Audit;

/// <summary>
/// The right edge of a tree (one perfect-subtree root per set bit of its size), seeded from a
/// <see cref="MerkleTree"/> without copying it. The sequencer folds a batch of new leaves into it to
/// sign the next checkpoint before the batch commits; the shared tree grows only after the commit,
/// so HTTP readers never see uncommitted leaves and a failed commit leaves nothing to undo.
/// </summary>
internal sealed class CompactRange
{
    private readonly List<(int Height, byte[] Hash)> _peaks = [];

    public CompactRange(MerkleTree tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        long size = tree.Size;
        Size = size;
        long start = 0;
        for (int height = 62; height >= 0; height--)
        {
            if ((size & (1L << height)) != 0)
            {
                var hash = new byte[MerkleHash.Size];
                tree.ReadNode(height, start >> height, hash);
                _peaks.Add((height, hash));
                start += 1L << height;
            }
        }
    }

    public long Size { get; private set; }

    public void AppendLeafData(ReadOnlySpan<byte> leafData)
    {
        var current = MerkleHash.Leaf(leafData);
        int height = 0;
        while (_peaks.Count > 0 && _peaks[^1].Height == height)
        {
            current = MerkleHash.Node(_peaks[^1].Hash, current);
            _peaks.RemoveAt(_peaks.Count - 1);
            height++;
        }
        _peaks.Add((height, current));
        Size++;
    }

    public byte[] RootHash()
    {
        if (_peaks.Count == 0)
        {
            return MerkleHash.EmptyRoot.ToArray();
        }
        var root = _peaks[^1].Hash;
        for (int i = _peaks.Count - 2; i >= 0; i--)
        {
            root = MerkleHash.Node(_peaks[i].Hash, root);
        }
        return root;
    }
}
