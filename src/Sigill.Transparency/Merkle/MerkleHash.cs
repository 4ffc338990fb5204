using System.Security.Cryptography;

namespace Sigill.Transparency;

/// <summary>
/// RFC 6962 / RFC 9162 §2.1.1 hashing with SHA-256: leaves are hashed as SHA-256(0x00 || data),
/// interior nodes as SHA-256(0x01 || left || right), and the empty tree as SHA-256("").
/// The one-byte prefixes separate leaf and node domains so a node can never be presented as a leaf
/// (second-preimage defence).
/// </summary>
public static class MerkleHash
{
    /// <summary>Length in bytes of every hash in the tree.</summary>
    public const int Size = 32;

    private const byte LeafPrefix = 0x00;
    private const byte NodePrefix = 0x01;

    /// <summary>SHA-256 of the empty string: the root of a tree with no leaves.</summary>
    public static ReadOnlySpan<byte> EmptyRoot =>
    [
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
        0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
    ];

    /// <summary>Writes SHA-256(0x00 || data) to <paramref name="destination"/> (32 bytes).</summary>
    public static void Leaf(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (data.Length <= 256)
        {
            Span<byte> buffer = stackalloc byte[1 + 256];
            buffer[0] = LeafPrefix;
            data.CopyTo(buffer[1..]);
            SHA256.HashData(buffer[..(1 + data.Length)], destination);
            return;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([LeafPrefix]);
        hash.AppendData(data);
        if (!hash.TryGetHashAndReset(destination, out _))
        {
            throw new ArgumentException("Destination is shorter than 32 bytes.", nameof(destination));
        }
    }

    /// <summary>Returns SHA-256(0x00 || data).</summary>
    public static byte[] Leaf(ReadOnlySpan<byte> data)
    {
        var result = new byte[Size];
        Leaf(data, result);
        return result;
    }

    /// <summary>Writes SHA-256(0x01 || left || right) to <paramref name="destination"/>.
    /// <paramref name="destination"/> may alias either input.</summary>
    public static void Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        if (left.Length != Size || right.Length != Size)
        {
            throw new ArgumentException("Node children must be 32-byte hashes.");
        }

        Span<byte> buffer = stackalloc byte[1 + (2 * Size)];
        buffer[0] = NodePrefix;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + Size)..]);
        SHA256.HashData(buffer, destination);
    }

    /// <summary>Returns SHA-256(0x01 || left || right).</summary>
    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var result = new byte[Size];
        Node(left, right, result);
        return result;
    }
}
