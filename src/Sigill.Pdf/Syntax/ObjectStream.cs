using System.Globalization;

namespace Sigill.Pdf.Syntax;

/// <summary>
/// A decoded object stream (ISO 32000-1 §7.5.7): /N pairs "object-number offset" before /First, then the
/// objects, each at /First + offset. The standard requires increasing offsets; Sigill holds files to it, so
/// every object is read only inside its own slice and reading all of them is one pass over the data
/// (overlapping slices would let one object stream cost N passes).
/// </summary>
internal sealed class ObjectStream : IDisposable
{
    private readonly HeldBytes _held;
    private readonly int[] _numbers;
    private readonly int[] _offsets;
    private readonly ReadBudget? _budget;
    private Dictionary<int, int>? _index;

    private ObjectStream(HeldBytes held, int[] numbers, int[] offsets, ReadBudget? budget)
    {
        _held = held;
        _numbers = numbers;
        _offsets = offsets;
        _budget = budget;
    }

    public int Count => _numbers.Length;

    public long Length => _held.Length;

    public int NumberAt(int index) => _numbers[index];

    /// <summary>Reads the header of a decoded object stream; the result owns <paramref name="held"/> (also when it throws).</summary>
    public static ObjectStream Parse(PdfDict dict, HeldBytes held, ReadBudget? budget)
    {
        try
        {
            return Parse(dict, held, held.Array, held.Length, budget);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    private static ObjectStream Parse(PdfDict dict, HeldBytes held, byte[] data, int length, ReadBudget? budget)
    {
        var n = dict.Get("N") is PdfNumber nn ? nn.AsLong() : throw new PdfFormatException("object stream without /N");
        var first = dict.Get("First") is PdfNumber ff ? ff.AsLong() : throw new PdfFormatException("object stream without /First");
        // Each pair takes at least four bytes ("1 0 "), so /N cannot exceed what /First leaves room for.
        if (first < 0 || first > length) throw new PdfFormatException($"object stream /First {first} is outside its data");
        if (n < 0 || n > first / 2 + 1 || n > PdfFile.MaxObjects) throw new PdfFormatException($"object stream /N {n} does not fit its header");
        var numbers = new int[n];
        var offsets = new int[n];
        var lexer = new PdfLexer(data, 0, (int)first);
        for (var i = 0; i < n; i++)
        {
            if (!int.TryParse(lexer.ReadRegular(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) ||
                !int.TryParse(lexer.ReadRegular(), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                throw new PdfFormatException("object stream header is damaged");
            }
            budget?.ChargeValue();
            var at = first + offset;
            if (at >= length || (i > 0 && at <= offsets[i - 1]))
            {
                throw new PdfFormatException("object stream offsets are out of order or outside its data");
            }
            numbers[i] = number;
            offsets[i] = (int)at;
        }
        return new ObjectStream(held, numbers, offsets, budget);
    }

    /// <summary>The object at a position in the stream, read inside its own slice.</summary>
    public object Read(int index) =>
        new PdfLexer(_held.Array, _offsets[index], index + 1 < _offsets.Length ? _offsets[index + 1] : _held.Length, _budget).ReadObject();

    public void Dispose() => _held.Dispose();

    /// <summary>The object with a number, or null when the stream does not hold it.</summary>
    public object? Find(int number)
    {
        if (_index is null)
        {
            _index = new Dictionary<int, int>(_numbers.Length);
            for (var i = 0; i < _numbers.Length; i++) _index.TryAdd(_numbers[i], i);
        }
        return _index.TryGetValue(number, out var index) ? Read(index) : null;
    }
}
