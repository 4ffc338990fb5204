using System.Security.Cryptography;

namespace Sigill.Transparency.Tests;

/// <summary>
/// A deliberately naive, independent transcription of RFC 9162 §2.1: MTH, PATH and PROOF as plain
/// recursion over lists of leaf data, with its own hashing. The optimized code must agree with it
/// for every size, index and pair.
/// </summary>
internal static class ReferenceMerkle
{
    public static byte[] Mth(IReadOnlyList<byte[]> d)
    {
        int n = d.Count;
        if (n == 0)
        {
            return SHA256.HashData([]);
        }

        if (n == 1)
        {
            return SHA256.HashData([0x00, .. d[0]]);
        }

        int k = K(n);
        return SHA256.HashData([0x01, .. Mth(Slice(d, 0, k)), .. Mth(Slice(d, k, n))]);
    }

    public static List<byte[]> Path(int m, IReadOnlyList<byte[]> d)
    {
        int n = d.Count;
        if (n == 1)
        {
            return [];
        }

        int k = K(n);
        if (m < k)
        {
            return [.. Path(m, Slice(d, 0, k)), Mth(Slice(d, k, n))];
        }

        return [.. Path(m - k, Slice(d, k, n)), Mth(Slice(d, 0, k))];
    }

    public static List<byte[]> Proof(int m, IReadOnlyList<byte[]> d) => SubProof(m, d, true);

    private static List<byte[]> SubProof(int m, IReadOnlyList<byte[]> d, bool b)
    {
        int n = d.Count;
        if (m == n)
        {
            return b ? [] : [Mth(d)];
        }

        int k = K(n);
        if (m <= k)
        {
            return [.. SubProof(m, Slice(d, 0, k), b), Mth(Slice(d, k, n))];
        }

        return [.. SubProof(m - k, Slice(d, k, n), false), Mth(Slice(d, 0, k))];
    }

    // The largest power of two smaller than n.
    private static int K(int n)
    {
        int k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return k;
    }

    private static List<byte[]> Slice(IReadOnlyList<byte[]> d, int from, int to) => [.. d.Skip(from).Take(to - from)];
}
