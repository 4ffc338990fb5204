namespace Sigill.Crypto.Tests;

public sealed class ObjectRoundTripTests : IDisposable
{
    private readonly TestCell _cell = new();

    public ObjectRoundTripTests() => _cell.Manager.CreateOrganizationKeysAsync("org-a").GetAwaiter().GetResult();

    public void Dispose() => _cell.Dispose();

    public static TheoryData<int> Lengths()
    {
        const int chunk = 4096;
        var data = new TheoryData<int> { 0, 1, 15, 16, 17, chunk - 1, chunk, chunk + 1, (2 * chunk) - 1, 2 * chunk, (2 * chunk) + 1, (5 * chunk) + 123 };
        var random = new Random(20250101);
        for (var i = 0; i < 12; i++)
        {
            data.Add(random.Next(0, 8 * chunk));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public async Task Any_length_round_trips_through_the_stream_API(int length)
    {
        var plaintext = Bytes.Random(length, length);
        var context = TestCell.Context();
        using var ciphertext = new MemoryStream();
        await _cell.Manager.EncryptAsync(context, new MemoryStream(plaintext), ciphertext);
        Assert.Equal(_cell.Manager.CiphertextLength(length), ciphertext.Length);

        // Once from the MemoryStream (zero-copy path), once through a copying read (array not exposed).
        ciphertext.Position = 0;
        using var back = new MemoryStream();
        var reported = await _cell.Manager.DecryptAsync(context, ciphertext, back);
        Assert.Equal(length, reported);
        Assert.Equal(plaintext, back.ToArray());
        Assert.Equal(ciphertext.Length, ciphertext.Position);

        using var copying = new MemoryStream(ciphertext.ToArray(), writable: false);
        using var again = new MemoryStream();
        Assert.Equal(length, await _cell.Manager.DecryptAsync(context, copying, again));
        Assert.Equal(plaintext, again.ToArray());
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public async Task Any_length_round_trips_through_a_source_that_returns_one_byte_at_a_time(int length)
    {
        var plaintext = Bytes.Random(length, length + 7);
        var context = TestCell.Context();
        using var ciphertext = new MemoryStream();
        await _cell.Manager.EncryptAsync(context, new TrickleStream(plaintext), ciphertext);

        await using var decrypting = await _cell.Manager.OpenDecryptStreamAsync(context, new TrickleStream(ciphertext.ToArray()));
        using var back = new MemoryStream();
        await decrypting.CopyToAsync(back);
        Assert.Equal(plaintext, back.ToArray());
    }

    [Fact]
    public async Task Encrypting_the_same_plaintext_twice_gives_unrelated_ciphertexts()
    {
        var plaintext = Bytes.Random(10_000, 1);
        var a = await _cell.EncryptAsync(TestCell.Context(), plaintext);
        var b = await _cell.EncryptAsync(TestCell.Context(), plaintext);
        Assert.NotEqual(a, b);
        Assert.NotEqual(a.AsSpan(ObjectHeader.Length, 64).ToArray(), b.AsSpan(ObjectHeader.Length, 64).ToArray());
    }

    [Fact]
    public async Task The_header_names_the_key_version_without_decrypting()
    {
        var ciphertext = await _cell.EncryptAsync(TestCell.Context(), [1, 2, 3]);
        Assert.Equal(1, CellKeyManager.ReadObjectKeyVersion(ciphertext));
        Assert.Equal(1, await CellKeyManager.ReadObjectKeyVersionAsync(new MemoryStream(ciphertext)));
    }

    [Fact]
    public async Task The_default_chunk_size_is_64_KiB()
    {
        using var cell = new TestCell(new CellKeyManagerOptions());
        await cell.Manager.CreateOrganizationKeysAsync("org-a");
        var ciphertext = await cell.EncryptAsync(TestCell.Context(), new byte[(64 * 1024) + 1]);
        Assert.Equal(16, ciphertext[5]);
        Assert.Equal(ObjectHeader.Length + (64 * 1024) + 1 + (2 * 16), ciphertext.Length);
    }

    /// <summary>Returns at most one byte per read, to exercise partial reads.</summary>
    private sealed class TrickleStream(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position >= data.Length || buffer.IsEmpty)
            {
                return 0;
            }

            buffer[0] = data[_position++];
            return 1;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
