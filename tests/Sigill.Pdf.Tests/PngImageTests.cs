using System.Buffers.Binary;
using System.Diagnostics;
using Sigill.Hostile;
using Sigill.Pdf.Images;

namespace Sigill.Pdf.Tests;

public sealed class PngImageTests
{
    public static TheoryData<string> HostilePngs() => [.. HostileCorpus.Pngs().Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(HostilePngs))]
    public void Every_hostile_png_of_the_corpus_is_refused_with_a_format_error_that_names_the_problem(string name)
    {
        var payload = HostileCorpus.Pngs().Single(c => c.Name == name).Payload();
        var e = Assert.Throws<PngFormatException>(() => PngImage.Decode(payload));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
        Assert.DoesNotContain("Exception", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_canvas_style_rgba_png_decodes_to_its_pixels()
    {
        var image = PngImage.Decode(PngBuilder.Rgba(40, 10));
        Assert.Equal((40, 10), (image.Width, image.Height));
        Assert.Equal(40 * 10 * 4, image.Rgba.Length);
        Assert.Equal([0x10, 0x21, 0x3A, 255], image.Rgba[..4].ToArray()); // the stroke starts at the top-left corner
        Assert.Equal([0, 0, 0, 0], image.Rgba[(39 * 4)..(40 * 4)].ToArray()); // the top-right corner is transparent
    }

    [Theory]
    [InlineData(0, 1, 8, new byte[] { 0b1010_0000 }, new byte[] { 255, 0, 255, 0, 0, 0, 0, 0 })]
    [InlineData(0, 2, 4, new byte[] { 0b0001_1011 }, new byte[] { 0, 85, 170, 255 })]
    [InlineData(0, 4, 2, new byte[] { 0x0F }, new byte[] { 0, 255 })]
    [InlineData(0, 8, 2, new byte[] { 7, 200 }, new byte[] { 7, 200 })]
    [InlineData(0, 16, 2, new byte[] { 0x12, 0x34, 0xFE, 0x01 }, new byte[] { 0x12, 0xFE })]
    public void Greyscale_of_every_bit_depth_decodes_to_grey_pixels(byte colourType, byte depth, int width, byte[] row, byte[] expectedGrey)
    {
        var image = PngImage.Decode(PngBuilder.Build(PngBuilder.Header(width, 1, depth, colourType), PngBuilder.Chunk("IDAT", PngBuilder.Zlib([0, .. row])), PngBuilder.End()));
        Assert.Equal(expectedGrey.SelectMany(g => new byte[] { g, g, g, 255 }).ToArray(), image.Rgba.ToArray());
    }

    [Fact]
    public void A_palette_image_takes_colours_from_plte_and_alpha_from_trns()
    {
        byte[] palette = [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9];
        var image = PngImage.Decode(PngBuilder.Build(PngBuilder.Header(4, 1, 2, 3), PngBuilder.Chunk("PLTE", palette), PngBuilder.Chunk("tRNS", [0, 128]),
            PngBuilder.Chunk("IDAT", PngBuilder.Zlib([0, 0b0001_1011])), PngBuilder.End()));
        Assert.Equal(new byte[] { 255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255, 9, 9, 9, 255 }, image.Rgba.ToArray());
    }

    [Fact]
    public void Colour_keys_16_bit_samples_and_grey_alpha_decode_as_the_standard_says()
    {
        // RGB 8-bit with a tRNS colour key: the matching pixel becomes transparent.
        var keyed = PngImage.Decode(PngBuilder.Build(PngBuilder.Header(2, 1, 8, 2), PngBuilder.Chunk("tRNS", [0, 1, 0, 2, 0, 3]),
            PngBuilder.Chunk("IDAT", PngBuilder.Zlib([0, 1, 2, 3, 4, 5, 6])), PngBuilder.End()));
        Assert.Equal(new byte[] { 1, 2, 3, 0, 4, 5, 6, 255 }, keyed.Rgba.ToArray());
        // Grey + alpha, 16 bits: the high bytes.
        var greyAlpha = PngImage.Decode(PngBuilder.Build(PngBuilder.Header(1, 1, 16, 4), PngBuilder.Chunk("IDAT", PngBuilder.Zlib([0, 0xAB, 0xCD, 0x80, 0x00])), PngBuilder.End()));
        Assert.Equal(new byte[] { 0xAB, 0xAB, 0xAB, 0x80 }, greyAlpha.Rgba.ToArray());
        // RGBA, 16 bits.
        var rgba16 = PngImage.Decode(PngBuilder.Build(PngBuilder.Header(1, 1, 16, 6), PngBuilder.Chunk("IDAT", PngBuilder.Zlib([0, 1, 0, 2, 0, 3, 0, 4, 0])), PngBuilder.End()));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, rgba16.Rgba.ToArray());
    }

    [Fact]
    public void Rows_under_each_of_the_five_filters_decode_to_the_same_pixels()
    {
        const int width = 13, height = 10;
#pragma warning disable SCS0005 // a seeded generator keeps the test reproducible; nothing secret is drawn
        var random = new Random(5);
        var pixels = new byte[width * height * 4];
        random.NextBytes(pixels);
        var raw = new List<byte>();
        for (var y = 0; y < height; y++)
        {
            var filter = (byte)(y % 5);
            raw.Add(filter);
            for (var i = 0; i < width * 4; i++)
            {
                int x = pixels[y * width * 4 + i], a = i >= 4 ? pixels[y * width * 4 + i - 4] : 0, b = y > 0 ? pixels[(y - 1) * width * 4 + i] : 0;
                var c = i >= 4 && y > 0 ? pixels[(y - 1) * width * 4 + i - 4] : 0;
                raw.Add((byte)(filter switch { 0 => x, 1 => x - a, 2 => x - b, 3 => x - ((a + b) >> 1), _ => x - Paeth(a, b, c) }));
            }
        }
#pragma warning restore SCS0005
        var image = PngImage.Decode(PngBuilder.Build(PngBuilder.Header(width, height, 8, 6), PngBuilder.Chunk("IDAT", PngBuilder.Zlib([.. raw])), PngBuilder.End()));
        Assert.Equal(pixels, image.Rgba.ToArray());
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    [Fact]
    public void The_canonical_png_holds_the_same_pixels_and_is_rgb_when_nothing_is_transparent()
    {
        var drawn = PngImage.Decode(PngBuilder.Rgba(30, 12));
        var again = PngImage.Decode(drawn.ToPng());
        Assert.Equal(drawn.Rgba.ToArray(), again.Rgba.ToArray());
        Assert.Equal(6, drawn.ToPng()[25]); // colour type RGBA: the ground is transparent

        var opaque = PngImage.Decode(PngBuilder.Build(PngBuilder.Header(2, 1, 8, 2), PngBuilder.Chunk("IDAT", PngBuilder.Zlib([0, 1, 2, 3, 4, 5, 6])), PngBuilder.End()));
        Assert.Equal(2, opaque.ToPng()[25]); // colour type RGB
        Assert.Equal(opaque.Rgba.ToArray(), PngImage.Decode(opaque.ToPng()).Rgba.ToArray());
    }

    [Fact]
    public void Ancillary_chunks_are_skipped_and_a_16_bit_greyscale_image_is_accepted()
    {
        var png = PngBuilder.Build(PngBuilder.Header(1, 1, 16, 0), PngBuilder.Chunk("gAMA", [0, 0, 0xB1, 0x8F]), PngBuilder.Chunk("tEXt", "Software\0test"u8),
            PngBuilder.Chunk("IDAT", PngBuilder.Zlib([0, 0x80, 0x01])), PngBuilder.Chunk("tIME", new byte[7]), PngBuilder.End());
        Assert.Equal(new byte[] { 0x80, 0x80, 0x80, 255 }, PngImage.Decode(png).Rgba.ToArray());
    }

    [Fact]
    public void Thousands_of_damaged_pngs_with_correct_checksums_either_decode_or_fail_with_a_format_error()
    {
#pragma warning disable SCS0005 // a seeded generator keeps the test reproducible; nothing secret is drawn
        var random = new Random(1414);
        byte[][] seeds =
        [
            PngBuilder.Rgba(24, 12),
            PngBuilder.Build(PngBuilder.Header(9, 5, 2, 3), PngBuilder.Chunk("PLTE", [1, 2, 3, 4, 5, 6, 7, 8, 9]), PngBuilder.Chunk("tRNS", [0]),
                PngBuilder.Chunk("IDAT", PngBuilder.Zlib(PngBuilder.Rows(3, 5, 1, filter: 4, value: 0b0110_0100))), PngBuilder.End()),
            PngBuilder.Build(PngBuilder.Header(5, 3, 16, 2), PngBuilder.Chunk("IDAT", PngBuilder.Zlib(PngBuilder.Rows(5, 3, 6, filter: 3, noise: true))), PngBuilder.End()),
        ];
        var decoded = 0;
        for (var i = 0; i < 4000; i++)
        {
            var chunks = Chunks(seeds[i % seeds.Length]);
            var target = chunks[random.Next(chunks.Count)];
            for (var flips = random.Next(1, 4); flips > 0 && target.Data.Length > 0; flips--)
            {
                target.Data[random.Next(target.Data.Length)] = (byte)random.Next(256);
            }
            if (random.Next(10) == 0) target.Data = target.Data[..random.Next(target.Data.Length + 1)];
            var png = PngBuilder.Build([.. chunks.Select(c => PngBuilder.Chunk(c.Type, c.Data))]);
            try
            {
                var image = PngImage.Decode(png);
                Assert.Equal(image.Width * image.Height * 4, image.Rgba.Length);
                decoded++;
            }
            catch (PngFormatException)
            {
            }
        }
#pragma warning restore SCS0005
        Assert.InRange(decoded, 1, 3999); // some mutations only change pixels; most break something
    }

    private sealed class RawChunk(string type, byte[] data)
    {
        public string Type { get; } = type;
        public byte[] Data { get; set; } = data;
    }

    private static List<RawChunk> Chunks(byte[] png)
    {
        var chunks = new List<RawChunk>();
        for (var at = 8; at < png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            chunks.Add(new RawChunk(System.Text.Encoding.ASCII.GetString(png, at + 4, 4), png[(at + 8)..(at + 8 + length)]));
            at += 12 + length;
        }
        return chunks;
    }

    [Fact]
    public void A_decompression_bomb_is_refused_in_bounded_time_and_memory()
    {
        var bomb = HostileCorpus.Pngs().Single(c => c.Name == "png-decompression-bomb-at-the-budget").Payload();
        Assert.True(bomb.Length < PngLimits.Default.MaxBytes);
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        Assert.Throws<PngFormatException>(() => PngImage.Decode(bomb));
        clock.Stop();
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        // 256 MiB of zeros behind a header that declares 16 MiB: only the declared rows are ever inflated.
        Assert.True(allocated < 24L * 1024 * 1024, $"{allocated} bytes allocated");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"{clock.Elapsed}");
    }

    [Fact]
    public void A_drawn_signature_is_stamped_into_a_signed_pdf_from_its_decoded_pixels()
    {
        using var pki = new Pki();
        var pdf = DocumentRenderer.Render(new DocumentModel("Agreement", [new Paragraph("Sign here")])).Bytes;
        var image = PngImage.Decode(PngBuilder.Rgba(60, 20));
        var request = pki.Request("Signature 1");
        var signed = IncrementalSigner.Sign(pdf, new SignatureRequest
        {
            Certificate = request.Certificate,
            Chain = request.Chain,
            FieldName = request.FieldName,
            SigningTime = request.SigningTime,
            Stamps = [new PdfStamp(0, 60, 100, 150, 50) { Image = image }],
        });
        Assert.True(PdfSignatureVerifier.Verify(signed, [pki.Root]).IsValid);
        var text = System.Text.Encoding.Latin1.GetString(signed);
        Assert.Contains("/Subtype/Image", text.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("/SMask", text, StringComparison.Ordinal); // the transparent ground stays transparent
    }
}
