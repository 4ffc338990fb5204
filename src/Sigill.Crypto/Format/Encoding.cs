using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Sigill.Crypto;

/// <summary>
/// Unambiguous encodings of identifiers for associated data and HKDF info strings.
/// Every string is written as a big-endian uint16 byte length followed by its UTF-8 bytes, so that
/// ("ab","c") and ("a","bc") never encode alike. See docs/formats/encrypted-object.md.
/// </summary>
internal static class Binding
{
    public const int MaxStringBytes = 1024;

    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void ValidateIdentifier(string value, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, paramName);
        if (StrictUtf8.GetByteCount(value) > MaxStringBytes)
        {
            throw new ArgumentException($"Identifier longer than {MaxStringBytes} UTF-8 bytes.", paramName);
        }

        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                throw new ArgumentException("Identifier contains a control character.", paramName);
            }
        }
    }

    /// <summary>Builds label || str(parts[0]) || str(parts[1]) ... into a new array.</summary>
    public static byte[] Build(string label, params ReadOnlySpan<string> parts)
    {
        var writer = new BindingWriter(label);
        foreach (var p in parts)
        {
            writer.Add(p);
        }

        return writer.ToArray();
    }

    /// <summary>enc(env, ctx) of the object format: env, region, org, object id, int32 version, purpose.</summary>
    public static byte[] EncodeObjectContext(string environment, in ObjectContext context)
    {
        var encoded = new byte[ObjectContextLength(environment, context)];
        WriteObjectContext(environment, context, encoded);
        return encoded;
    }

    /// <summary>The length of enc(env, ctx).</summary>
    public static int ObjectContextLength(string environment, in ObjectContext context) =>
        (5 * 2) + 4 + StrictUtf8.GetByteCount(environment) + StrictUtf8.GetByteCount(context.Region) + StrictUtf8.GetByteCount(context.OrganizationId)
        + StrictUtf8.GetByteCount(context.ObjectId) + StrictUtf8.GetByteCount(context.Purpose);

    /// <summary>Writes enc(env, ctx) into <paramref name="destination"/> (at least <see cref="ObjectContextLength"/> bytes) without allocating; returns its length.</summary>
    public static int WriteObjectContext(string environment, in ObjectContext context, Span<byte> destination)
    {
        int at = Write(environment, destination, 0);
        at = Write(context.Region, destination, at);
        at = Write(context.OrganizationId, destination, at);
        at = Write(context.ObjectId, destination, at);
        BinaryPrimitives.WriteInt32BigEndian(destination[at..], context.ObjectVersion);
        return Write(context.Purpose, destination, at + 4);

        static int Write(string value, Span<byte> destination, int at)
        {
            int length = StrictUtf8.GetBytes(value, destination[(at + 2)..]);
            if (length > MaxStringBytes)
            {
                throw new ArgumentException($"Identifier longer than {MaxStringBytes} UTF-8 bytes.", nameof(value));
            }

            BinaryPrimitives.WriteUInt16BigEndian(destination[at..], (ushort)length);
            return at + 2 + length;
        }
    }

    /// <summary>SHA-256(label || a || b), one-shot (no hash object per call: this is on every object's path).</summary>
    public static byte[] Sha256(string label, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var length = label.Length + a.Length + b.Length;
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var span = rented.AsSpan(0, length);
            var l = Encoding.ASCII.GetBytes(label, span);
            a.CopyTo(span[l..]);
            b.CopyTo(span[(l + a.Length)..]);
            return SHA256.HashData(span);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var r = new byte[a.Length + b.Length];
        a.CopyTo(r);
        b.CopyTo(r.AsSpan(a.Length));
        return r;
    }

    public static byte[] Concat(string label, ReadOnlySpan<byte> a, uint? suffix = null)
    {
        var l = Encoding.ASCII.GetByteCount(label);
        var r = new byte[l + a.Length + (suffix.HasValue ? 4 : 0)];
        Encoding.ASCII.GetBytes(label, r);
        a.CopyTo(r.AsSpan(l));
        if (suffix.HasValue)
        {
            BinaryPrimitives.WriteUInt32BigEndian(r.AsSpan(l + a.Length), suffix.Value);
        }

        return r;
    }

    private sealed class BindingWriter
    {
        private readonly MemoryStream _buffer = new();

        public BindingWriter(string label)
        {
            var bytes = Encoding.ASCII.GetBytes(label);
            _buffer.Write(bytes);
        }

        public void Add(string value)
        {
            var bytes = StrictUtf8.GetBytes(value);
            if (bytes.Length > MaxStringBytes)
            {
                throw new ArgumentException($"Identifier longer than {MaxStringBytes} UTF-8 bytes.", nameof(value));
            }

            Span<byte> len = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(len, (ushort)bytes.Length);
            _buffer.Write(len);
            _buffer.Write(bytes);
        }

        public void AddInt32(int value)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(b, value);
            _buffer.Write(b);
        }

        public byte[] ToArray() => _buffer.ToArray();
    }
}
