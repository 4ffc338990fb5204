using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Sigill.Hostile;

namespace Sigill.Pdf.Tests;

/// <summary>
/// A small deterministic mutation fuzzer: valid PDFs of every shape Sigill reads (classic xref, object
/// and cross-reference streams written by qpdf, hand-made object streams) are damaged a few thousand
/// ways, and the inspector must either accept or refuse each with a <see cref="PdfRejectedException"/>.
/// Anything else escaping is a crash the API would answer with 500.
/// </summary>
public sealed partial class PdfMutationTests
{
    private static readonly string[] Numbers = ["-1", "0", "2147483647", "-2147483648", "4294967296", "99999999999999999999", "1.5", "8388608"];
    private static readonly string[] Tokens = ["[", "]", "<<", ">>", "(", ")", "/", "R", " obj ", "stream\n", "endstream", " 0 0 R ", "/Filter/LZWDecode", "/Type/ObjStm", "%"];

    [GeneratedRegex("[0-9]+")]
    private static partial Regex DigitRun();

    public static TheoryData<string> Seeds() => ["rendered", "qpdf object streams", "hand-made object stream"];

    private static byte[] Seed(string name) => name switch
    {
        "rendered" => DocumentRenderer.Render(Samples.Document(2)).Bytes,
        "qpdf object streams" => Tools.Qpdf(DocumentRenderer.Render(Samples.Document(2)).Bytes, "--object-streams=generate", "--compress-streams=y"),
        _ => HandMade(),
    };

    private static byte[] HandMade()
    {
        var p = new PdfBytes();
        p.Object("<</Type/Catalog/Pages 2 0 R>>", 1);
        p.ObjectStream([(2, "<</Type/Pages/Kids[3 0 R]/Count 1/MediaBox[0 0 612 792]>>"), (3, "<</Type/Page/Parent 2 0 R/Contents 4 0 R/Annots[<</Subtype/Link/Rect[0 0 9 9]/A<</S/URI/URI(https://example.com)>>>>]>>")]);
        p.Stream("/Filter[/ASCII85Decode/LZWDecode]", PdfDecoderTests.Encode("[/ASCII85Decode/LZWDecode]", "BT /F1 12 Tf (Hello) Tj ET"u8.ToArray()), 4);
        return p.Finish(1);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Damaged_pdfs_are_accepted_or_refused_with_a_code_never_crash(string seed)
    {
        var original = Seed(seed);
        Assert.Equal(original.Length, PdfInspector.Inspect(original).Length);
        var text = Encoding.Latin1.GetString(original);
        var runs = DigitRun().Matches(text).ToArray();
#pragma warning disable CA5394, SCS0005 // a seeded generator keeps the damage reproducible; nothing secret is drawn
        var random = new Random(1400 + seed.Length);
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < 1500; i++)
        {
            var damaged = text;
            for (var k = random.Next(1, 4); k > 0; k--)
            {
                var at = random.Next(damaged.Length);
                damaged = random.Next(6) switch
                {
                    0 => damaged.Remove(at, 1).Insert(at, ((char)random.Next(256)).ToString()),
                    1 when runs.Length > 0 => Replace(damaged, runs[random.Next(runs.Length)], Numbers[random.Next(Numbers.Length)]),
                    2 => damaged.Remove(at, Math.Min(random.Next(1, 64), damaged.Length - at)),
                    3 => damaged.Insert(at, Slice(damaged, random.Next(damaged.Length / 2), random.Next(1, 64))),
                    4 => damaged.Insert(at, Tokens[random.Next(Tokens.Length)]),
                    _ => damaged[..Math.Max(16, at)],
                };
            }
#pragma warning restore CA5394, SCS0005
            var bytes = Encoding.Latin1.GetBytes(damaged);
            try
            {
                PdfInspector.Inspect(bytes);
                outcomes["accepted"] = outcomes.GetValueOrDefault("accepted") + 1;
            }
            catch (PdfRejectedException e)
            {
                outcomes[e.Code] = outcomes.GetValueOrDefault(e.Code) + 1;
            }
            catch (Exception e)
            {
                Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"mutation {i} of '{seed}' escaped as {e.GetType().Name}: {e.Message}\n{e.StackTrace}"));
            }
        }
        // The damage must reach the reader: most mutants are refused, and some are refused as malformed.
        Assert.True(outcomes.GetValueOrDefault(PdfErrorCodes.Malformed) > 100, string.Join(", ", outcomes));
    }

    private static string Slice(string text, int from, int length) => text.Substring(from, Math.Min(length, text.Length - from));

    private static string Replace(string text, Match run, string with) =>
        run.Index + run.Length <= text.Length ? text.Remove(run.Index, run.Length).Insert(run.Index, with) : text;
}
