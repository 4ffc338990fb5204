using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Sigill.Tests.Infrastructure;

/// <summary>
/// HTTP/1.1 written by hand on a socket, for what HttpClient will not do: announce a body and never send it, send less
/// than announced, or keep streaming a chunked body after the server has answered.
/// </summary>
internal static class RawHttp
{
    /// <param name="Elapsed">From the request's first byte to the answer's first byte.</param>
    public sealed record Reply(int Status, IReadOnlyDictionary<string, string> Headers, string Body, TimeSpan Elapsed, long BodyBytesSent)
    {
        public string? Code => Body.Length > 0 && Headers.GetValueOrDefault("content-type")?.StartsWith("application/problem+json", StringComparison.Ordinal) == true
            ? JsonDocument.Parse(Body).RootElement.GetProperty("code").GetString()
            : null;
    }

    /// <summary>
    /// Sends the request line and <paramref name="headers"/> (plus <c>Host</c> and <c>Connection: close</c>), then
    /// <paramref name="body"/> if any, optionally ends the sending side, and reads the answer until the server closes.
    /// </summary>
    public static async Task<Reply> SendAsync(Uri server, string method, string path, IEnumerable<string> headers, byte[]? body = null, bool endSending = false)
    {
        using var socket = await ConnectAsync(server);
        var clock = Stopwatch.StartNew();
        await socket.SendAsync(Head(server, method, path, headers));
        if (body is { Length: > 0 }) await socket.SendAsync(body);
        if (endSending) socket.Shutdown(SocketShutdown.Send);
        var (answer, elapsed) = await ReadToEndAsync(socket, clock);
        return Parse(answer, elapsed, body?.Length ?? 0);
    }

    /// <summary>
    /// Streams a chunked body of up to <paramref name="total"/> bytes, stopping as soon as the server starts to answer
    /// (or closes), and reads the answer. <see cref="Reply.BodyBytesSent"/> says how far it got.
    /// </summary>
    public static async Task<Reply> SendChunkedAsync(Uri server, string method, string path, IEnumerable<string> headers, long total, byte fill = (byte)'a',
        byte[]? prefix = null)
    {
        using var socket = await ConnectAsync(server);
        var clock = Stopwatch.StartNew();
        await socket.SendAsync(Head(server, method, path, headers.Append("Transfer-Encoding: chunked")));
        if (prefix is { Length: > 0 })
        {
            // The start of the body (a multipart part's headers, say) as a chunk of its own; the filler follows.
            byte[] first = [.. Encoding.ASCII.GetBytes($"{prefix.Length:x}\r\n"), .. prefix, .. "\r\n"u8];
            await socket.SendAsync(first);
        }
        var chunk = new byte[16 * 1024];
        Array.Fill(chunk, fill);
        var framed = Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n").Concat(chunk).Concat("\r\n"u8.ToArray()).ToArray();
        long sent = 0;
        try
        {
            while (sent < total && !socket.Poll(0, SelectMode.SelectRead))
            {
                await socket.SendAsync(framed);
                sent += chunk.Length;
            }
            if (sent >= total) await socket.SendAsync("0\r\n\r\n"u8.ToArray());
        }
        catch (SocketException)
        {
            // The server closed its side: read what it answered.
        }
        var (answer, elapsed) = await ReadToEndAsync(socket, clock);
        return Parse(answer, elapsed, sent);
    }

    private static async Task<Socket> ConnectAsync(Uri server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server.Host, server.Port);
        return socket;
    }

    private static byte[] Head(Uri server, string method, string path, IEnumerable<string> headers) =>
        Encoding.ASCII.GetBytes($"{method} {path} HTTP/1.1\r\nHost: {server.Authority}\r\nConnection: close\r\n{string.Concat(headers.Select(h => h + "\r\n"))}\r\n");

    /// <summary>Reads until the server closes; returns the bytes and when the first of them arrived.</summary>
    private static async Task<(byte[] Answer, TimeSpan FirstByte)> ReadToEndAsync(Socket socket, Stopwatch clock)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        var firstByte = TimeSpan.Zero;
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                if (received.Length == 0) firstByte = clock.Elapsed;
                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException) when (received.Length > 0)
        {
            // A reset after the answer arrived: keep the answer.
        }
        return (received.ToArray(), firstByte);
    }

    private static Reply Parse(byte[] raw, TimeSpan elapsed, long sent)
    {
        var text = Encoding.UTF8.GetString(raw);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(end > 0, $"no HTTP answer: '{text}'");
        var lines = text[..end].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        var body = text[(end + 4)..];
        if (headers.GetValueOrDefault("transfer-encoding") == "chunked")
        {
            var decoded = new StringBuilder();
            for (var at = 0; ;)
            {
                var lineEnd = body.IndexOf("\r\n", at, StringComparison.Ordinal);
                var size = int.Parse(body[at..lineEnd], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (size == 0) break;
                decoded.Append(body, lineEnd + 2, size);
                at = lineEnd + 2 + size + 2;
            }
            body = decoded.ToString();
        }
        return new Reply(status, headers, body, elapsed, sent);
    }
}
