using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Sigill.Transparency;

/// <summary>A parsed tlog-tiles resource path.</summary>
/// <param name="IsEntryBundle">True for tile/entries/..., false for a hash tile.</param>
/// <param name="Level">Hash tile level L (0 for entry bundles).</param>
/// <param name="Index">Tile index N.</param>
/// <param name="Width">Number of hashes or entries: 256 for a full tile, 1..255 for a partial one.</param>
public readonly record struct TilePath(bool IsEntryBundle, int Level, long Index, int Width)
{
    /// <summary>The canonical path string for this tile.</summary>
    public override string ToString() =>
        IsEntryBundle ? TlogTiles.EntryBundlePath(Index, Width) : TlogTiles.HashTilePath(Level, Index, Width);
}

/// <summary>
/// The C2SP tlog-tiles layout (https://c2sp.org/tlog-tiles) with tile height 8 (256 hashes per
/// tile): "checkpoint", "tile/&lt;L&gt;/&lt;N&gt;[.p/&lt;W&gt;]" and "tile/entries/&lt;N&gt;[.p/&lt;W&gt;]".
/// A level-L tile holds the hashes of tree level 8·L, nodes N·256 … N·256+W−1, concatenated.
/// N is written as 3-digit groups, every group but the last prefixed with "x"
/// (1234067 → x001/x234/067). A partial tile (W &lt; 256) exists only while the tree's right edge
/// is inside it. Entry bundles hold entries N·256 … N·256+W−1, each as a big-endian uint16 length
/// followed by the entry data; for Sigill's audit log the entry data is the 32-byte leaf
/// commitment and never event details.
/// </summary>
public static class TlogTiles
{
    /// <summary>Tile height: each tile covers 8 tree levels.</summary>
    public const int Height = 8;

    /// <summary>Hashes or entries in a full tile.</summary>
    public const int Width = 1 << Height;

    /// <summary>The checkpoint resource path.</summary>
    public const string CheckpointPath = "checkpoint";

    /// <summary>Path of hash tile (level, index); width 256 gives the full-tile path.</summary>
    public static string HashTilePath(int level, long index, int width = Width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, 63);
        return "tile/" + level.ToString(CultureInfo.InvariantCulture) + "/" + EncodeIndex(index) + WidthSuffix(width);
    }

    /// <summary>Path of entry bundle <paramref name="index"/>; width 256 gives the full-bundle path.</summary>
    public static string EntryBundlePath(long index, int width = Width) => "tile/entries/" + EncodeIndex(index) + WidthSuffix(width);

    /// <summary>
    /// The width of hash tile (level, index) in a tree of <paramref name="treeSize"/> leaves: 256 when
    /// full, 1..255 when partial, 0 when it does not exist yet.
    /// </summary>
    public static int HashTileWidth(long treeSize, int level, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        long nodes = level * Height >= 63 ? 0 : treeSize >> (level * Height);
        return (int)Math.Clamp(nodes - (index * Width), 0, Width);
    }

    /// <summary>The width of entry bundle <paramref name="index"/> (same rule as level-0 tiles).</summary>
    public static int EntryBundleWidth(long treeSize, long index) => HashTileWidth(treeSize, 0, index);

    /// <summary>
    /// The bytes of hash tile (level, index) with <paramref name="width"/> hashes (W·32 bytes). Throws
    /// when the tree of <paramref name="treeSize"/> leaves does not have that many nodes in the tile,
    /// so a full-tile path is never answered with a partial tile.
    /// </summary>
    public static byte[] ReadHashTile(IMerkleNodeSource source, long treeSize, int level, long index, int width)
    {
        ArgumentNullException.ThrowIfNull(source);
        // Any prefix of an existing tile is well defined; anything wider does not exist yet.
        int available = HashTileWidth(treeSize, level, index);
        if (width <= 0 || width > available)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"Tile {level}/{index} of width {width} does not exist at tree size {treeSize}.");
        }

        var tile = new byte[width * MerkleHash.Size];
        long first = index * Width;
        for (int i = 0; i < width; i++)
        {
            source.ReadNode(level * Height, first + i, tile.AsSpan(i * MerkleHash.Size, MerkleHash.Size));
        }

        return tile;
    }

    /// <summary>Encodes entries as an entry bundle: for each, a big-endian uint16 length then the data.</summary>
    public static byte[] EncodeEntryBundle(IEnumerable<ReadOnlyMemory<byte>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        using var buffer = new MemoryStream();
        Span<byte> length = stackalloc byte[2];
        int count = 0;
        foreach (var entry in entries)
        {
            if (entry.Length > ushort.MaxValue)
            {
                throw new ArgumentException("An entry is at most 65535 bytes.", nameof(entries));
            }

            if (++count > Width)
            {
                throw new ArgumentException("An entry bundle holds at most 256 entries.", nameof(entries));
            }

            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)entry.Length);
            buffer.Write(length);
            buffer.Write(entry.Span);
        }

        return buffer.ToArray();
    }

    /// <summary>Decodes an entry bundle; null when it is truncated or has trailing bytes.</summary>
    public static IReadOnlyList<byte[]>? DecodeEntryBundle(ReadOnlySpan<byte> bundle)
    {
        var entries = new List<byte[]>();
        while (bundle.Length > 0)
        {
            if (bundle.Length < 2 || entries.Count == Width)
            {
                return null;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(bundle);
            if (bundle.Length < 2 + length)
            {
                return null;
            }

            entries.Add(bundle.Slice(2, length).ToArray());
            bundle = bundle[(2 + length)..];
        }

        return entries;
    }

    /// <summary>Parses a tile path (without a leading "/"), accepting only the canonical spelling.</summary>
    public static bool TryParsePath(string path, [NotNullWhen(true)] out TilePath? tile)
    {
        ArgumentNullException.ThrowIfNull(path);
        tile = null;
        var parts = path.Split('/');
        if (parts.Length < 3 || parts[0] != "tile")
        {
            return false;
        }

        bool entries = parts[1] == "entries";
        int level = 0;
        if (!entries && !TryParseCanonical(parts[1], 63, out level))
        {
            return false;
        }

        // Optional partial suffix: ".../NNN.p/W".
        int width = Width;
        int end = parts.Length;
        if (parts.Length >= 4 && parts[^2].EndsWith(".p", StringComparison.Ordinal))
        {
            if (!TryParseCanonical(parts[^1], Width - 1, out width) || width == 0)
            {
                return false;
            }

            parts[^2] = parts[^2][..^2];
            end--;
        }

        if (!TryDecodeIndex(parts.AsSpan(2, end - 2), out long index))
        {
            return false;
        }

        tile = new TilePath(entries, level, index, width);
        return true;
    }

    /// <summary>"x001/x234/067" for 1234067; "000" for 0.</summary>
    internal static string EncodeIndex(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var digits = index.ToString(CultureInfo.InvariantCulture);
        int pad = (3 - (digits.Length % 3)) % 3;
        digits = new string('0', pad) + digits;
        var path = new StringBuilder();
        for (int i = 0; i < digits.Length; i += 3)
        {
            if (i + 3 < digits.Length)
            {
                path.Append('x').Append(digits, i, 3).Append('/');
            }
            else
            {
                path.Append(digits, i, 3);
            }
        }

        return path.ToString();
    }

    private static bool TryDecodeIndex(ReadOnlySpan<string> groups, out long index)
    {
        index = 0;
        if (groups.Length == 0 || groups.Length > 7)
        {
            return false;
        }

        var digits = new StringBuilder();
        for (int i = 0; i < groups.Length; i++)
        {
            var group = groups[i];
            bool last = i == groups.Length - 1;
            if (!last)
            {
                if (group.Length != 4 || group[0] != 'x')
                {
                    return false;
                }

                group = group[1..];
            }

            if (group.Length != 3 || !group.All(char.IsAsciiDigit))
            {
                return false;
            }

            digits.Append(group);
        }

        // Canonical: no leading all-zero group ("x000/001" is not 1).
        if (groups.Length > 1 && groups[0] == "x000")
        {
            return false;
        }

        return long.TryParse(digits.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }

    private static bool TryParseCanonical(string text, int max, out int value)
    {
        value = 0;
        if (text.Length == 0 || text.Length > 3 || (text.Length > 1 && text[0] == '0') || !text.All(char.IsAsciiDigit))
        {
            return false;
        }

        value = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return value <= max;
    }

    private static string WidthSuffix(int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, Width);
        return width == Width ? string.Empty : ".p/" + width.ToString(CultureInfo.InvariantCulture);
    }
}
