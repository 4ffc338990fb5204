using System.Globalization;
using System.Text;
using Sigill.Hostile;
using Sigill.Pdf.Syntax;

namespace Sigill.Pdf.Tests;

/// <summary>
/// Sigill's stream decoders read what other readers read: each filter and chain is checked against
/// qpdf's own decoders on the same file, with data long enough to fill an LZW table.
/// </summary>
public sealed class PdfDecoderTests
{
    private static readonly byte[] Text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 6000).Select(i =>
        string.Create(CultureInfo.InvariantCulture, $"BT /F1 {i % 17 + 6} Tf {i % 500} {i * 7 % 800} Td (Line {i} of the agreement, clause {i * 31 % 97}) Tj ET\n"))));

    public static TheoryData<string> Filters() =>
    [
        "/FlateDecode", "/LZWDecode", "/ASCIIHexDecode", "/ASCII85Decode", "/RunLengthDecode",
        "[/ASCII85Decode/FlateDecode]", "[/ASCIIHexDecode/LZWDecode]", "[/ASCII85Decode/RunLengthDecode]",
    ];

    [Theory]
    [MemberData(nameof(Filters))]
    public void A_stream_decodes_to_the_same_bytes_as_qpdf_decodes_it(string filter)
    {
        var p = new PdfBytes();
        p.Object("<</Type/Catalog/Pages 2 0 R>>", 1);
        p.Object("<</Type/Pages/Kids[3 0 R]/Count 1>>", 2);
        p.Object("<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>", 3);
        p.Stream("/Filter" + filter, Encode(filter, Text), 4);
        var pdf = p.Finish(1);

        var file = PdfFile.Open(pdf);
        using var decoded = file.Decode((PdfStream)file.GetObject(4)!);
        var ours = decoded.Span.ToArray();
        var path = Tools.TempFile(pdf);
        try
        {
            var (code, theirs) = Tools.Run("qpdf", "--show-object=4", "--filtered-stream-data", "--decode-level=specialized", path);
            Assert.True(code == 0, theirs[Math.Max(0, theirs.Length - 600)..]);
            Assert.Equal(Encoding.ASCII.GetString(Text), theirs);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Equal(Text, ours);
        Assert.Equal(1, PdfInspector.Inspect(pdf).PageCount);
    }

    [Fact]
    public void Object_streams_and_predicted_cross_reference_streams_written_by_qpdf_are_read()
    {
        var rendered = DocumentRenderer.Render(Samples.Document(3)).Bytes;
        var compressed = Tools.Qpdf(rendered, "--object-streams=generate", "--compress-streams=y");
        Assert.True(compressed.AsSpan().IndexOf("/ObjStm"u8) > 0 && compressed.AsSpan().IndexOf("/Predictor"u8) > 0);
        var inspection = PdfInspector.Inspect(compressed);
        Assert.Equal(3, inspection.PageCount);
        Assert.Equal(595.28, inspection.Pages[2].Width, 1);
    }

    internal static byte[] Encode(string filter, byte[] data)
    {
        var chain = filter.Trim('[', ']').Split('/', StringSplitOptions.RemoveEmptyEntries);
        foreach (var name in chain.Reverse())
        {
            data = name switch
            {
                "FlateDecode" => PdfBytes.Deflate(data),
                "LZWDecode" => Lzw(data),
                "ASCIIHexDecode" => Encoding.ASCII.GetBytes(Convert.ToHexString(data) + ">"),
                "ASCII85Decode" => Ascii85(data),
                "RunLengthDecode" => RunLength(data),
                _ => throw new ArgumentException(name),
            };
        }
        return data;
    }

    /// <summary>A plain LZW encoder (early change, a clear code whenever the table fills), written from ISO 32000-1 §7.4.4.2.</summary>
    private static byte[] Lzw(byte[] data)
    {
        var table = new Dictionary<(int, byte), int>();
        var output = new List<byte>();
        ulong bits = 0;
        var count = 0;
        var width = 9;
        var decoderNext = 258;
        var emitted = 0;
        void Write(int code)
        {
            bits = (bits << width) | (uint)code;
            count += width;
            while (count >= 8) output.Add((byte)(bits >> (count -= 8)));
        }
        void Emit(int code)
        {
            Write(code);
            // The decoder adds an entry for every code after the first, and widens its codes one early.
            if (emitted++ > 0 && decoderNext < 4096 && ++decoderNext + 1 >= 1 << width && width < 12) width++;
        }
        Write(256);
        var next = 258;
        int w = data[0];
        for (var i = 1; i < data.Length; i++)
        {
            var c = data[i];
            if (table.TryGetValue((w, c), out var code))
            {
                w = code;
                continue;
            }
            Emit(w);
            table[(w, c)] = next++;
            w = c;
            if (next == 4096)
            {
                // Full: qpdf, like most readers, expects a clear code here (pdf.js and Sigill would also read on).
                Write(256);
                table.Clear();
                next = 258;
                width = 9;
                decoderNext = 258;
                emitted = 0;
            }
        }
        Emit(w);
        Write(257);
        if (count > 0) output.Add((byte)(bits << (8 - count)));
        return [.. output];
    }

    private static byte[] Ascii85(byte[] data)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < data.Length; i += 4)
        {
            var n = Math.Min(4, data.Length - i);
            uint v = 0;
            for (var k = 0; k < 4; k++) v = (v << 8) | (k < n ? data[i + k] : 0u);
            if (v == 0 && n == 4) { sb.Append('z'); continue; }
            var group = new char[5];
            for (var k = 4; k >= 0; k--, v /= 85) group[k] = (char)('!' + v % 85);
            sb.Append(group, 0, n + 1);
            if (i % 64 == 0) sb.Append('\n');
        }
        return Encoding.ASCII.GetBytes(sb.Append("~>").ToString());
    }

    private static byte[] RunLength(byte[] data)
    {
        var output = new List<byte>();
        var i = 0;
        while (i < data.Length)
        {
            var run = 1;
            while (i + run < data.Length && run < 128 && data[i + run] == data[i]) run++;
            if (run > 1)
            {
                output.Add((byte)(257 - run));
                output.Add(data[i]);
                i += run;
                continue;
            }
            var literal = 1;
            while (i + literal < data.Length && literal < 128 && (i + literal + 1 >= data.Length || data[i + literal] != data[i + literal + 1])) literal++;
            output.Add((byte)(literal - 1));
            output.AddRange(data.AsSpan(i, literal));
            i += literal;
        }
        output.Add(128);
        return [.. output];
    }
}
