namespace Sigill.Pdf.Syntax.Filters;

/// <summary>
/// A forward-only, read-only stream that decodes another one a buffer at a time, so a filter never
/// holds more than its own small state whatever the data expands to.
/// </summary>
internal abstract class DecoderStream(Stream input) : Stream
{
    private byte[]? _in;
    private int _inPos;
    private int _inLen;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => buffer.IsEmpty ? 0 : Fill(buffer);

    /// <summary>Writes decoded bytes into <paramref name="output"/>; 0 means the end of the data.</summary>
    protected abstract int Fill(Span<byte> output);

    /// <summary>The next encoded byte, or -1 at the end of the input.</summary>
    protected int NextByte()
    {
        if (_inPos == _inLen)
        {
            _in ??= new byte[8192];
            _inLen = input.Read(_in, 0, _in.Length);
            _inPos = 0;
            if (_inLen == 0) return -1;
        }
        return _in![_inPos++];
    }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) input.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>Charges every byte read through it to a stream's meter (and so to the document's budget).</summary>
internal sealed class MeteredStream(Stream input, StreamMeter meter) : DecoderStream(input)
{
    private readonly Stream _input = input;

    protected override int Fill(Span<byte> output)
    {
        var read = _input.Read(output);
        if (read > 0) meter.Charge(read);
        return read;
    }
}
