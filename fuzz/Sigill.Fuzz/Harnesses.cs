using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Sigill.Api.Features.Backups;
using Sigill.Api.Features.Templates;
using Sigill.Pdf;
using Sigill.Pdf.Images;
using Sigill.Pdf.Timestamps;
using System.Security.Cryptography.X509Certificates;
using Sigill.Transparency;

namespace Sigill.Fuzz;

/// <summary>
/// The parsers Sigill runs on bytes it did not write (issue 20, item 4), each as one harness: it feeds the input to
/// the parser with Sigill's own limits and lets through only the refusals that parser documents. Anything else that
/// escapes — another exception, a stack overflow, a hang past afl's time limit — is a crash: a bug.
/// </summary>
public static class Harnesses
{
    /// <summary>The planted bug of the self-test (<see cref="Fuzz.Planted.PlantedBug"/>).</summary>
    public const string PlantedTarget = "planted";

    public static readonly IReadOnlyDictionary<string, Action<byte[]>> Targets = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["pdf"] = Pdf,
        ["png"] = Png,
        ["template"] = Template,
        ["formula"] = Formula,
        ["backup"] = Backup,
        ["receipt"] = Receipt,
        ["note"] = Note,
        ["timestamp"] = Timestamp,
        ["crl"] = Crl,
        [PlantedTarget] = PlantedBug,
    };

    /// <summary>The PDF reader and inspector, as an upload meets them.</summary>
    public static void Pdf(byte[] input)
    {
        try
        {
            PdfInspector.Inspect(new MemoryStream(input));
        }
        catch (PdfRejectedException)
        {
        }
    }

    /// <summary>The drawn-signature PNG decoder with its default limits.</summary>
    public static void Png(byte[] input)
    {
        try
        {
            PngImage.Decode(input);
        }
        catch (PngFormatException)
        {
        }
    }

    // Lazy: instrumented code may run only once afl's shared memory is attached, inside Fuzzer.OutOfProcess.Run.
    private static readonly Lazy<LiquidSandbox> Sandbox = new(() => new LiquidSandbox(new TemplateLimits()));

    /// <summary>
    /// The template engine in its sandbox: parse, then render with a budget, as saving or previewing a template does.
    /// The exceptions let through are those <c>TemplateRenderer</c> turns into a named refusal.
    /// </summary>
    public static void Template(byte[] input)
    {
        var source = Encoding.UTF8.GetString(input);
        try
        {
            var template = Sandbox.Value.Parse(source, "template");
            using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            LiquidSandbox.RenderAsync(template, Sandbox.Value.NewBudget(cancellation.Token)).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is TemplateException or TemplateLimitException or OperationCanceledException)
        {
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or ArithmeticException or IndexOutOfRangeException
            or KeyNotFoundException)
        {
            // What Fluid's filters throw on arguments they cannot use (`round: 99`, a named argument twice): the renderer
            // answers each with template_render_failed and the engine's message (TemplateRenderer.Refusal). Any other
            // exception would reach its catch-all ("the template engine failed on it"): that is a finding.
        }
    }

    /// <summary>
    /// A formula field's expression (ADR 0018): parsed as saving a field does, then evaluated with extreme field and
    /// pricing values and rounded as signing does. Formula answers every bad text, division by zero and overflow with an
    /// error string: no exception may escape at all.
    /// </summary>
    public static void Formula(byte[] input)
    {
        var (formula, _) = Api.Features.Documents.Formula.Parse(Encoding.UTF8.GetString(input));
        if (formula is null) return;
        var values = formula.Fields.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => (x.i % 4) switch
        {
            0 => decimal.MaxValue, 1 => 0m, 2 => -0.000001m, _ => 999999999999m,
        }, StringComparer.Ordinal);
        var pricing = Api.Features.Documents.Formula.PricingValues(new Sigill.Contracts.PricingTotals("EUR", decimal.MaxValue, decimal.MinValue, 0m, 0.01m));
        var (value, error) = formula.Evaluate(values, pricing);
        if (error is null) Api.Features.Documents.Formula.ToFieldValue(value, 6);
        formula.Evaluate(new Dictionary<string, decimal>(StringComparer.Ordinal), new Dictionary<string, decimal>(StringComparer.Ordinal));
    }

    /// <summary>
    /// A backup archive as restore reads it: the plaintext header, then the entry framing of the decrypted content (its
    /// paths, sizes, compression and hashes), as if the key had opened it. The chunk encryption between them is AES-GCM:
    /// a changed byte there fails authentication and reaches no parser.
    /// </summary>
    public static void Backup(byte[] input)
    {
        var split = input.AsSpan().IndexOf("\nENTRIES\n"u8);
        var header = split < 0 ? input : input[..split];
        var entries = split < 0 ? [] : input[(split + 9)..];
        try
        {
            ArchiveHeader.ReadAsync(new MemoryStream(header), CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (BackupException)
        {
        }
        try
        {
            ArchiveEntryReader.ReadAllAsync(new MemoryStream(entries), (_, _) => Task.FromResult<Stream?>(null), null, null, CancellationToken.None)
                .GetAwaiter().GetResult();
        }
        catch (BackupException)
        {
        }
    }

    /// <summary>An audit receipt as <c>sigill audit verify-receipt</c> reads it: parsed strictly, its proofs checked.</summary>
    public static void Receipt(byte[] input) => ReceiptVerifier.Verify(Encoding.UTF8.GetString(input));

    private static readonly Lazy<NoteVerifier> Verifier = new(() => NoteVerifier.Parse(NoteSigner.Generate("fuzz.sigill.example").VerifierKey));

    /// <summary>A signed note and the checkpoint in it, as a witness or a verifier reads them.</summary>
    public static void Note(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        Checkpoint.Open(text, Verifier.Value);
        SignedNote.Open(text, Verifier.Value);
        Checkpoint.TryParse(text, out _, out _);
    }

    /// <summary>
    /// A valid RFC 3161 token, its TSA certificate already trusted, and a CRL of the TSA's CA: the fixture the
    /// <c>timestamp</c> and <c>crl</c> harnesses mutate. Made once per process (their signatures differ each time), so
    /// those harnesses read their input as a difference from it (<see cref="Differing"/>): zeros are the valid token itself.
    /// </summary>
    private sealed class Fixture
    {
        public required byte[] Digest { get; init; }
        public required byte[] Token { get; init; }
        public required byte[] Crl { get; init; }
        public required X509Certificate2 Ca { get; init; }
        public required X509Certificate2Collection Anchors { get; init; }
        public required TrustedChains Trusted { get; init; }

        public static Fixture Create()
        {
            var now = DateTimeOffset.UtcNow;
            var ca = InstallationCa.Create("fuzz", now.AddDays(-1));
            var tsaCertificate = ca.IssueTimestampCertificate("eu", now.AddHours(-1), TimeSpan.FromDays(30));
            var tsa = new LocalTimestampAuthority(tsaCertificate, [ca.Certificate], TimeProvider.System);
            var digest = SHA256.HashData("fuzzed document"u8);
            var token = tsa.TimestampAsync(digest, CancellationToken.None).GetAwaiter().GetResult();
            var root = X509CertificateLoader.LoadCertificate(ca.Certificate.RawData);
            var trusted = new TrustedChains();
            TimestampTokens.Check(TimestampTokens.Decode(token), digest, HashAlgorithmName.SHA256, default, [root], trusted);
            var crl = ca.BuildCrl([new RevokedCertificate([0x01, 0x02, 0x03], now.AddHours(-2), X509RevocationReason.KeyCompromise)], 7, now.AddHours(-1), now.AddDays(7));
            return new Fixture { Digest = digest, Token = token, Crl = crl, Ca = root, Anchors = [root], Trusted = trusted };
        }
    }

    private static readonly Lazy<Fixture> Fixed = new(Fixture.Create);

    /// <summary>
    /// <paramref name="valid"/> XOR <paramref name="input"/> (zeros change nothing), with whatever the input has beyond
    /// it appended. Never shorter than the valid bytes: their length differs by a byte or two from one process to the
    /// next (an ECDSA signature's DER), and a seed must not cut them.
    /// </summary>
    private static byte[] Differing(byte[] input, byte[] valid)
    {
        var bytes = new byte[Math.Max(input.Length, valid.Length)];
        valid.CopyTo(bytes, 0);
        for (var i = 0; i < input.Length; i++) bytes[i] ^= input[i];
        return bytes;
    }

    /// <summary>
    /// A TSA's answer as the timestamp client checks it: the short path for a known TSA certificate, then the full check.
    /// Only <see cref="TimestampException"/> may escape: anything else would skip the next TSA and fail the signature.
    /// </summary>
    public static void Timestamp(byte[] input)
    {
        var fixture = Fixed.Value;
        var token = Differing(input, fixture.Token);
        KnownTsaTokens.TryCheck(token, fixture.Digest, HashAlgorithmName.SHA256, default, fixture.Trusted);
        try
        {
            TimestampTokens.Check(TimestampTokens.Decode(token), fixture.Digest, HashAlgorithmName.SHA256, default, fixture.Anchors, fixture.Trusted);
        }
        catch (TimestampException)
        {
        }
    }

    /// <summary>A CRL as fetched from a TSA's distribution point or read from a DSS: parsed, its signature and entries checked.</summary>
    public static void Crl(byte[] input)
    {
        var fixture = Fixed.Value;
        if (Sigill.Pdf.Revocation.Crl.TryParse(Differing(input, fixture.Crl)) is { } crl)
        {
            crl.IsSignedBy(fixture.Ca);
            crl.RevokedAt([0x01, 0x02, 0x03]);
        }
    }

    private static void PlantedBug(byte[] input) => Planted.PlantedBug.Check(input);

    /// <summary>The seed corpus, made by code: one or more ordinary inputs per harness.</summary>
    public static IEnumerable<(string Target, string Name, byte[] Bytes)> Seeds()
    {
        var model = new DocumentModel("Fuzz seed", [new Heading("Offer"), new Paragraph("Terms and prices."), new PageBreak(), new Paragraph("Signature")]);
        yield return ("pdf", "rendered.pdf", DocumentRenderer.Render(model).Bytes);
        yield return ("pdf", "minimal.pdf", Encoding.ASCII.GetBytes(
            "%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n" +
            "3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"));
        yield return ("png", "gray-2x2.png", SmallPng());
        yield return ("template", "variables.liquid", "Dear {{ client | upcase }},\n{% for i in (1..3) %}{{ i }}{% endfor %}"u8.ToArray());
        yield return ("template", "blocks.liquid", "{% if total > 100 %}{{ total | times: 1.25 | round: 2 }}{% else %}small{% endif %}{% capture x %}a{% endcapture %}{{ x }}"u8.ToArray());
        yield return ("formula", "fields.formula", "round({seats} * {price} * (1 - {discount} / 100), 2)"u8.ToArray());
        yield return ("formula", "pricing.formula", "max(pricing.total - min(pricing.discount, 50), -{credit}) / 2"u8.ToArray());
        yield return ("backup", "header-and-entries.bin", BackupSeed());
        var signer = NoteSigner.Generate("fuzz.sigill.example");
        yield return ("note", "checkpoint.txt", Encoding.UTF8.GetBytes(new Checkpoint("fuzz.sigill.example/log", 3, SHA256.HashData("root"u8)).Sign(signer)));
        // Not .json: a fuzz input, not configuration (the secret scan reads .json files as configuration).
        yield return ("receipt", "leaf-1-of-3.receipt", Encoding.UTF8.GetBytes(ReceiptSeed(signer)));
        // The timestamp and crl harnesses read a difference from their fixture's valid token and CRL: zeros are those.
        yield return ("timestamp", "valid-token.diff", new byte[Fixed.Value.Token.Length - 8]);
        yield return ("crl", "valid-crl.diff", new byte[Fixed.Value.Crl.Length - 8]);
        // One byte from the planted crash: the self-test proves afl runs the harness and reports what crashes it
        // (coverage guidance shows in every real harness's corpus growing past its seeds, which the suite checks).
        yield return (PlantedTarget, "start.bin", "SGLA"u8.ToArray());
    }

    /// <summary>A receipt that verifies: the second of three audit leaves, with its event disclosed.</summary>
    private static string ReceiptSeed(NoteSigner signer)
    {
        var tree = new MerkleTree();
        byte[] salt = [], eventHash = [], commitment = [];
        for (var i = 0; i < 3; i++)
        {
            var eventBytes = Encoding.UTF8.GetBytes($"{{\"event\":{i},\"type\":\"document.signed\"}}");
            var eventSalt = SHA256.HashData(BitConverter.GetBytes(i));
            var leaf = LeafCommitment.Compute(eventSalt, eventBytes);
            tree.AppendLeafData(leaf);
            if (i == 1) (salt, eventHash, commitment) = (eventSalt, LeafCommitment.HashEvent(eventBytes), leaf);
        }
        var note = new Checkpoint(signer.Name, 3, tree.RootHash()).Sign(signer);
        return Sigill.Transparency.Receipt.Create(signer.Name, 1, commitment, tree.InclusionProof(1, 3), note, signer.VerifierKey, salt, eventHash).ToJson();
    }

    private static byte[] SmallPng()
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        void Chunk(string type, byte[] data)
        {
            Span<byte> length = stackalloc byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
            png.Write(length);
            var typeBytes = Encoding.ASCII.GetBytes(type);
            png.Write(typeBytes);
            png.Write(data);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(length, PngDecoder.Crc(typeBytes, data));
            png.Write(length);
        }
        Chunk("IHDR", [0, 0, 0, 2, 0, 0, 0, 2, 8, 0, 0, 0, 0]);
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true)) z.Write([0, 0x10, 0x80, 0, 0xF0, 0x40]);
        Chunk("IDAT", raw.ToArray());
        Chunk("IEND", []);
        return png.ToArray();
    }

    private static byte[] BackupSeed()
    {
        var header = new ArchiveHeader("eu", "production", DateTimeOffset.FromUnixTimeSeconds(1_800_000_000), "backup-eu-1", Enumerable.Range(0, 60).Select(i => (byte)i).ToArray(),
            ArchiveHeader.DefaultChunkSizeExponent).ToBytes();
        using var entries = new MemoryStream();
        var writer = new ArchiveEntryWriter(entries);
        writer.AddAsync("manifest.json", new MemoryStream("{\"format\":1}"u8.ToArray()), EntryCompression.None, CancellationToken.None).GetAwaiter().GetResult();
        writer.AddAsync("database/cell.db", new MemoryStream(new byte[300]), EntryCompression.Brotli, CancellationToken.None).GetAwaiter().GetResult();
        writer.FinishAsync(CancellationToken.None).GetAwaiter().GetResult();
        return [.. header, .. "\nENTRIES\n"u8, .. entries.ToArray()];
    }
}
