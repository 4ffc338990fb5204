using Microsoft.Extensions.Logging;

namespace Sigill.Crypto.Tests;

/// <summary>Every class of change to a stored object fails with a typed error and an alert-grade log event.</summary>
public sealed class TamperTests : IDisposable
{
    private const int Chunk = 4096;
    private readonly TestCell _cell = new();
    private readonly ObjectContext _context = TestCell.Context();
    private readonly byte[] _plaintext = Bytes.Random((3 * Chunk) + 100, 3);
    private readonly byte[] _ciphertext;

    public TamperTests()
    {
        _cell.Manager.CreateOrganizationKeysAsync("org-a").GetAwaiter().GetResult();
        _cell.Manager.CreateOrganizationKeysAsync("org-b").GetAwaiter().GetResult();
        _ciphertext = _cell.EncryptAsync(_context, _plaintext).GetAwaiter().GetResult();
    }

    public void Dispose() => _cell.Dispose();

    private int SealedChunk => Chunk + 16;

    /// <summary>Decrypts through both reader paths (zero-copy from memory, and copying from a plain stream); both must agree.</summary>
    private async Task<CryptoIntegrityException> DecryptFails(byte[] ciphertext, ObjectContext? context = null)
    {
        var fromMemory = await Assert.ThrowsAsync<CryptoIntegrityException>(() => _cell.Manager.DecryptBytesAsync(context ?? _context, ciphertext));
        var fromStream = await Assert.ThrowsAsync<CryptoIntegrityException>(() => _cell.Manager.DecryptAsync(context ?? _context, new NonSeekableStream(ciphertext), Stream.Null));
        Assert.Equal(fromMemory.Reason, fromStream.Reason);
        return fromMemory;
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public override bool CanSeek => false;
    }

    [Fact]
    public async Task Flipping_any_header_byte_is_detected()
    {
        for (var i = 0; i < ObjectHeader.Length; i++)
        {
            foreach (var bit in new[] { 0x01, 0x80 })
            {
                var tampered = (byte[])_ciphertext.Clone();
                tampered[i] ^= (byte)bit;
                var ex = await DecryptFails(tampered);
                Assert.True(Enum.IsDefined(ex.Reason), $"byte {i}");
            }
        }
    }

    [Fact]
    public async Task Flipping_a_bit_in_any_chunk_ciphertext_or_tag_is_detected_as_tampering()
    {
        // First, middle and last byte of each chunk's ciphertext, and first and last byte of each tag.
        var positions = new List<int>();
        var body = _ciphertext.Length - ObjectHeader.Length;
        for (var start = 0; start < body; start += SealedChunk)
        {
            var end = Math.Min(body, start + SealedChunk);
            positions.AddRange([start, (start + end - 16) / 2, end - 17, end - 16, end - 1]);
        }

        foreach (var p in positions.Distinct())
        {
            var tampered = (byte[])_ciphertext.Clone();
            tampered[ObjectHeader.Length + p] ^= 0x01;
            var ex = await DecryptFails(tampered);
            Assert.Equal(CryptoFailureReason.Tampered, ex.Reason);
        }
    }

    [Fact]
    public async Task Truncation_at_every_chunk_boundary_is_detected()
    {
        for (var chunks = 0; chunks <= 3; chunks++)
        {
            var cut = _ciphertext.AsSpan(0, ObjectHeader.Length + (chunks * SealedChunk)).ToArray();
            var ex = await DecryptFails(cut);
            Assert.Equal(CryptoFailureReason.Truncated, ex.Reason);
            await Assert.ThrowsAsync<CryptoIntegrityException>(() => _cell.Manager.GetPlaintextLengthAsync(_context, new MemoryStream(cut)));
        }
    }

    [Fact]
    public async Task Truncation_inside_the_header_or_a_chunk_is_detected()
    {
        foreach (var length in new[] { 0, 3, 4, 100, ObjectHeader.Length - 1, ObjectHeader.Length + 1, ObjectHeader.Length + 15, ObjectHeader.Length + SealedChunk + 500, _ciphertext.Length - 1 })
        {
            var ex = await DecryptFails(_ciphertext.AsSpan(0, length).ToArray());
            Assert.Contains(ex.Reason, new[] { CryptoFailureReason.Truncated, CryptoFailureReason.Tampered, CryptoFailureReason.UnsupportedFormat });
        }
    }

    [Fact]
    public async Task Appending_bytes_or_a_chunk_is_detected()
    {
        var oneByte = _ciphertext.Concat(new byte[] { 0 }).ToArray();
        Assert.Equal(CryptoFailureReason.Tampered, (await DecryptFails(oneByte)).Reason);

        var repeatedChunk = _ciphertext.Concat(_ciphertext.AsSpan(ObjectHeader.Length, SealedChunk).ToArray()).ToArray();
        Assert.Equal(CryptoFailureReason.Tampered, (await DecryptFails(repeatedChunk)).Reason);

        // An object whose plaintext is an exact number of chunks ends with a full final chunk: appending still fails.
        var exact = await _cell.EncryptAsync(_context, new byte[2 * Chunk]);
        var extended = exact.Concat(exact.AsSpan(ObjectHeader.Length, SealedChunk).ToArray()).ToArray();
        Assert.Equal(CryptoFailureReason.Tampered, (await DecryptFails(extended)).Reason);
    }

    [Fact]
    public async Task Swapping_two_chunks_is_detected()
    {
        var swapped = (byte[])_ciphertext.Clone();
        var first = _ciphertext.AsSpan(ObjectHeader.Length, SealedChunk);
        var second = _ciphertext.AsSpan(ObjectHeader.Length + SealedChunk, SealedChunk);
        second.CopyTo(swapped.AsSpan(ObjectHeader.Length));
        first.CopyTo(swapped.AsSpan(ObjectHeader.Length + SealedChunk));
        Assert.Equal(CryptoFailureReason.Tampered, (await DecryptFails(swapped)).Reason);
    }

    [Fact]
    public async Task Dropping_a_middle_chunk_is_detected()
    {
        var dropped = _ciphertext.AsSpan(0, ObjectHeader.Length + SealedChunk).ToArray()
            .Concat(_ciphertext.AsSpan(ObjectHeader.Length + (2 * SealedChunk)).ToArray()).ToArray();
        Assert.Equal(CryptoFailureReason.Tampered, (await DecryptFails(dropped)).Reason);
    }

    [Fact]
    public async Task A_chunk_from_another_object_of_the_same_organization_is_detected()
    {
        var other = await _cell.EncryptAsync(TestCell.Context(objectId: "doc-2"), _plaintext);
        var spliced = (byte[])_ciphertext.Clone();
        other.AsSpan(ObjectHeader.Length + SealedChunk, SealedChunk).CopyTo(spliced.AsSpan(ObjectHeader.Length + SealedChunk));
        Assert.Equal(CryptoFailureReason.Tampered, (await DecryptFails(spliced)).Reason);
    }

    [Theory]
    [InlineData("org-b", "doc-1", 1, "document")]
    [InlineData("org-a", "doc-2", 1, "document")]
    [InlineData("org-a", "doc-1", 2, "document")]
    [InlineData("org-a", "doc-1", 1, "signature-image")]
    public async Task An_object_read_under_another_context_fails_with_WrongContext(string org, string objectId, int version, string purpose)
    {
        var ex = await DecryptFails(_ciphertext, TestCell.Context(org, objectId, version, purpose));
        Assert.Equal(CryptoFailureReason.WrongContext, ex.Reason);
    }

    [Fact]
    public async Task An_object_moved_to_another_region_cell_fails()
    {
        var ex = await DecryptFails(_ciphertext, _context with { Region = "us" });
        Assert.Equal(CryptoFailureReason.WrongContext, ex.Reason);
    }

    [Fact]
    public async Task An_object_whose_context_hint_is_forged_to_another_organization_still_fails()
    {
        // The attacker copies org-b's hint into org-a's object so the cheap check passes: the key check catches it.
        var forOrgB = await _cell.EncryptAsync(TestCell.Context("org-b"), _plaintext);
        var forged = (byte[])_ciphertext.Clone();
        forOrgB.AsSpan(ObjectHeader.HintOffset, ObjectHeader.HintLength).CopyTo(forged.AsSpan(ObjectHeader.HintOffset));
        var ex = await DecryptFails(forged, TestCell.Context("org-b"));
        Assert.Contains(ex.Reason, new[] { CryptoFailureReason.WrongKey, CryptoFailureReason.Tampered });
    }

    [Fact]
    public async Task A_header_naming_another_existing_key_version_fails()
    {
        await _cell.Manager.RotateOrganizationAsync("org-a");
        var wrongVersion = (byte[])_ciphertext.Clone();
        wrongVersion[ObjectHeader.VersionOffset + 3] = 2;
        Assert.Equal(CryptoFailureReason.WrongKey, (await DecryptFails(wrongVersion)).Reason);

        wrongVersion[ObjectHeader.VersionOffset + 3] = 9;
        Assert.Equal(CryptoFailureReason.UnknownVersion, (await DecryptFails(wrongVersion)).Reason);
    }

    [Fact]
    public async Task A_key_block_moved_from_another_object_fails()
    {
        var other = await _cell.EncryptAsync(TestCell.Context(objectId: "doc-2"), _plaintext);
        var moved = (byte[])_ciphertext.Clone();
        other.AsSpan(ObjectHeader.CommitOffset, ObjectHeader.Length - ObjectHeader.CommitOffset).CopyTo(moved.AsSpan(ObjectHeader.CommitOffset));
        Assert.Equal(CryptoFailureReason.WrongKey, (await DecryptFails(moved)).Reason);
    }

    [Fact]
    public async Task Garbage_is_refused_as_an_unsupported_format()
    {
        Assert.Equal(CryptoFailureReason.UnsupportedFormat, (await DecryptFails(Bytes.Random(500, 9))).Reason);
        Assert.Equal(CryptoFailureReason.UnsupportedFormat, (await DecryptFails([])).Reason);
    }

    [Fact]
    public async Task Every_refused_decryption_logs_an_alert_event_with_identifiers_only()
    {
        var tampered = (byte[])_ciphertext.Clone();
        tampered[^1] ^= 1;
        await Assert.ThrowsAsync<CryptoIntegrityException>(() => _cell.Manager.DecryptBytesAsync(_context, tampered));

        var alert = Assert.Single(_cell.Logger.Entries, e => e.Id.Id == 3001);
        Assert.Equal(LogLevel.Error, alert.Level);
        Assert.Equal("CryptoIntegrityFailure", alert.Id.Name);
        Assert.Contains("org-a", alert.Message, StringComparison.Ordinal);
        Assert.Contains("doc-1", alert.Message, StringComparison.Ordinal);
        Assert.Contains("Tampered", alert.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(_plaintext.AsSpan(0, 8)), alert.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_failing_stream_never_releases_the_unauthenticated_chunk()
    {
        var tampered = (byte[])_ciphertext.Clone();
        tampered[ObjectHeader.Length + SealedChunk + 10] ^= 1; // second chunk
        using var output = new MemoryStream();
        await Assert.ThrowsAsync<CryptoIntegrityException>(() => _cell.Manager.DecryptAsync(_context, new MemoryStream(tampered), output));
        Assert.Equal(_plaintext.AsSpan(0, Chunk).ToArray(), output.ToArray());
    }
}
