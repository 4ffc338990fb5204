namespace Sigill.Crypto.Tests;

public sealed class RangeReadTests : IDisposable
{
    private const int Chunk = 4096;
    private readonly TestCell _cell = new();
    private readonly byte[] _plaintext = Bytes.Random((5 * Chunk) + 321, 5);
    private readonly byte[] _ciphertext;

    public RangeReadTests()
    {
        _cell.Manager.CreateOrganizationKeysAsync("org-a").GetAwaiter().GetResult();
        _ciphertext = _cell.EncryptAsync(TestCell.Context(), _plaintext).GetAwaiter().GetResult();
    }

    public void Dispose() => _cell.Dispose();

    [Theory]
    [InlineData(0, 1)]
    [InlineData(0, Chunk)]
    [InlineData(Chunk - 1, 2)]
    [InlineData(Chunk, Chunk)]
    [InlineData(3 * Chunk + 7, 100)]
    [InlineData(100, 4 * Chunk)]
    [InlineData(5 * Chunk, 321)]
    [InlineData(5 * Chunk + 300, 1000)]
    [InlineData(0, 10 * Chunk)]
    public async Task A_byte_range_reads_the_same_bytes_as_the_plaintext(long offset, int count)
    {
        var range = await _cell.Manager.ReadRangeAsync(TestCell.Context(), new MemoryStream(_ciphertext), offset, count);
        var expected = _plaintext.AsSpan((int)offset, (int)Math.Min(count, _plaintext.Length - offset)).ToArray();
        Assert.Equal(expected, range);
    }

    [Fact]
    public async Task A_range_past_the_end_is_empty()
        => Assert.Empty(await _cell.Manager.ReadRangeAsync(TestCell.Context(), new MemoryStream(_ciphertext), _plaintext.Length, 10));

    [Fact]
    public async Task A_range_read_touches_only_the_chunks_it_needs_and_the_final_chunk()
    {
        using var counting = new CountingStream(_ciphertext);
        await _cell.Manager.ReadRangeAsync(TestCell.Context(), counting, (2 * Chunk) + 5, 10);
        Assert.True(counting.BytesRead <= ObjectHeader.Length + (2 * (Chunk + 16)), $"read {counting.BytesRead} bytes");
    }

    [Fact]
    public async Task The_plaintext_length_is_authenticated()
    {
        Assert.Equal(_plaintext.Length, await _cell.Manager.GetPlaintextLengthAsync(TestCell.Context(), new MemoryStream(_ciphertext)));
        var tampered = (byte[])_ciphertext.Clone();
        tampered[^3] ^= 1;
        var ex = await Assert.ThrowsAsync<CryptoIntegrityException>(() => _cell.Manager.GetPlaintextLengthAsync(TestCell.Context(), new MemoryStream(tampered)));
        Assert.Equal(CryptoFailureReason.Tampered, ex.Reason);
    }

    [Fact]
    public async Task A_range_over_a_tampered_chunk_fails()
    {
        var tampered = (byte[])_ciphertext.Clone();
        tampered[ObjectHeader.Length + (Chunk + 16) + 3] ^= 1;
        var ex = await Assert.ThrowsAsync<CryptoIntegrityException>(() => _cell.Manager.ReadRangeAsync(TestCell.Context(), new MemoryStream(tampered), Chunk, 10));
        Assert.Equal(CryptoFailureReason.Tampered, ex.Reason);
    }

    [Fact]
    public async Task Ranges_of_an_empty_object_are_empty()
    {
        var empty = await _cell.EncryptAsync(TestCell.Context(objectId: "empty"), []);
        Assert.Empty(await _cell.Manager.ReadRangeAsync(TestCell.Context(objectId: "empty"), new MemoryStream(empty), 0, 10));
        Assert.Equal(0, await _cell.Manager.GetPlaintextLengthAsync(TestCell.Context(objectId: "empty"), new MemoryStream(empty)));
    }

    /// <summary>Counts bytes delivered through the asynchronous read path the library uses.</summary>
    private sealed class CountingStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public long BytesRead { get; private set; }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = base.Read(buffer.Span);
            BytesRead += n;
            return ValueTask.FromResult(n);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
