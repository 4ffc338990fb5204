using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Operations;

/// <summary>
/// The public tier against deliberately slow and greedy clients (issue 21, item 3): headers sent a byte at a time, a
/// body trickled below the minimum rate, and more open connections from one address than it may hold. Each is cut by
/// Kestrel's limits (Http:HeadersTimeout, Http:MinBodyBytesPerSecond, Http:MaxConnectionsPerAddress) while an ordinary
/// client is served throughout.
/// </summary>
public sealed class SlowClientTests
{
    [Fact]
    public async Task A_client_sending_its_headers_a_byte_at_a_time_is_cut_after_the_headers_timeout_and_others_are_served_meanwhile()
    {
        await using var app = await SigillApp.StartAsync("""{ "Http": { "HeadersTimeout": "00:00:02" } }""");
        using var socket = await ConnectAsync(app.WebUrl);
        var clock = Stopwatch.StartNew();
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /sign-in HTTP/1.1\r\nHost: {app.WebUrl.Authority}\r\n"));
        var header = Encoding.ASCII.GetBytes("X-Slow: " + new string('a', 60));
        var sent = 0;
        while (sent < header.Length && !socket.Poll(0, SelectMode.SelectRead))
        {
            await socket.SendAsync(header.AsMemory(sent++, 1));
            await Task.Delay(250);
            if (sent == 4)
            {
                using var other = app.Web();
                Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/sign-in")).StatusCode); // the slow client holds nothing up
            }
        }
        var answer = await ReadToEndAsync(socket);
        // Cut well before the 15 s the header would have taken: Kestrel answers 408 and closes.
        Assert.True(sent < header.Length, $"all {header.Length} header bytes went through in {clock.Elapsed}");
        Assert.StartsWith("HTTP/1.1 408", answer, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(12));
    }

    [Fact]
    public async Task A_body_trickled_below_the_minimum_rate_is_cut_long_before_it_ends()
    {
        await using var app = await SigillApp.StartAsync("""{ "Http": { "MinBodyBytesPerSecond": 1000 } }""");
        var org = await app.SetUpOrganizationAsync("Slow Body AB", "eu");
        using var socket = await ConnectAsync(app.WebUrl);
        var clock = Stopwatch.StartNew();
        const int length = 60_000; // 10 bytes every 200 ms would take 20 minutes
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"POST /api/v1/documents/from-template HTTP/1.1\r\nHost: {app.WebUrl.Authority}\r\nAuthorization: Bearer {org.ApiToken}\r\n" +
            $"Content-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"));
        var sent = 0;
        try
        {
            while (sent < length && !socket.Poll(0, SelectMode.SelectRead) && clock.Elapsed < TimeSpan.FromSeconds(40))
            {
                await socket.SendAsync(Encoding.ASCII.GetBytes("          "));
                sent += 10;
                await Task.Delay(200);
            }
        }
        catch (SocketException)
        {
            // The server closed its side.
        }
        var answer = await ReadToEndAsync(socket);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"still connected after {clock.Elapsed} and {sent} bytes");
        Assert.True(sent < 2_000, $"{sent} bytes were accepted at 50 bytes/s");
        // Kestrel's 408 (or, when the cut races the answer, a closed connection without one); never a 2xx or a 5xx.
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal) || answer.StartsWith("HTTP/1.1 400", StringComparison.Ordinal), answer);
    }

    [Fact]
    public async Task Connections_over_the_per_address_cap_are_closed_at_once_and_a_freed_place_is_usable_again()
    {
        await using var app = await SigillApp.StartAsync("""{ "Http": { "MaxConnectionsPerAddress": 4 } }""");
        var held = new List<Socket>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                held.Add(await ConnectAsync(app.WebUrl)); // open, idle (within the headers timeout)
            }
            await Task.Delay(300); // Kestrel has accepted them all

            // Closed without an answer. On a loaded machine the server's abort can reach the client while it is still
            // connecting or sending, as a reset: the same refusal, seen earlier.
            string fifthAnswer;
            try
            {
                using var fifth = await ConnectAsync(app.WebUrl);
                await fifth.SendAsync(Encoding.ASCII.GetBytes($"GET /health/ready HTTP/1.1\r\nHost: {app.WebUrl.Authority}\r\nConnection: close\r\n\r\n"));
                fifthAnswer = await ReadToEndAsync(fifth);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                fifthAnswer = "";
            }
            Assert.Equal("", fifthAnswer);

            // One of the four is a real client: it is served.
            await held[0].SendAsync(Encoding.ASCII.GetBytes($"GET /health/ready HTTP/1.1\r\nHost: {app.WebUrl.Authority}\r\nConnection: close\r\n\r\n"));
            Assert.StartsWith("HTTP/1.1 200", await ReadToEndAsync(held[0]), StringComparison.Ordinal);
            held[0].Dispose();
            held.RemoveAt(0);
            await Task.Delay(300); // Kestrel has seen it close

            using var next = await ConnectAsync(app.WebUrl);
            await next.SendAsync(Encoding.ASCII.GetBytes($"GET /health/ready HTTP/1.1\r\nHost: {app.WebUrl.Authority}\r\nConnection: close\r\n\r\n"));
            Assert.StartsWith("HTTP/1.1 200", await ReadToEndAsync(next), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var s in held) s.Dispose();
        }
    }

    private static async Task<Socket> ConnectAsync(Uri server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server.Host, server.Port);
        return socket;
    }

    /// <summary>Everything the server sends until it closes (empty when it closes without a word).</summary>
    private static async Task<string> ReadToEndAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException)
        {
            // A reset: what arrived before it is the answer.
        }
        return Encoding.ASCII.GetString(received.ToArray());
    }
}
