namespace Sigill.Transparency;

/// <summary>
/// Read access to the hashes of perfect subtrees of a log: node (level, index) is the root of the
/// 2^level leaves [index·2^level, (index+1)·2^level). Level 0 holds the leaf hashes. A source only
/// has to answer for nodes whose leaves all exist; the tree math never asks for anything else.
/// Implemented by <see cref="MerkleTree"/> in memory and, for clients, by a reader over hash tiles.
/// </summary>
public interface IMerkleNodeSource
{
    /// <summary>Writes the 32-byte hash of node (level, index) to <paramref name="destination"/>.</summary>
    void ReadNode(int level, long index, Span<byte> destination);
}
