using System.Net;
using System.Net.Sockets;

namespace Sigill.Tests.Infrastructure;

/// <summary>
/// A loopback TCP forwarder put between Sigill and a real service (the S3 server, the SMTP sink) so a test can take the
/// service away and give it back without touching the service others share: <see cref="CutAsync"/> closes the listener
/// and every open connection (the service is unreachable: connection refused), <see cref="Restore"/> listens again on
/// the same port. <see cref="Latency"/> keeps the service alive but slow: every chunk waits that long before it is passed
/// on, both ways, also on connections already open.
/// </summary>
internal sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly List<TcpClient> _open = [];
    private TcpListener? _listener;
    private CancellationTokenSource _cut = new();
    private Task _accepting = Task.CompletedTask;
    private long _latencyTicks;

    public TcpFaultProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Loopback, target.Port);
        Port = SigillProcess.FreePort();
        Restore();
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    /// <summary>How long each chunk read from either side waits before it is written to the other (zero: none).</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set => Interlocked.Exchange(ref _latencyTicks, value.Ticks);
    }

    public void Restore()
    {
        _cut = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _accepting = AcceptAsync(_listener, _cut.Token);
    }

    public async Task CutAsync()
    {
        await _cut.CancelAsync();
        _listener?.Stop();
        lock (_open)
        {
            foreach (var client in _open) client.Dispose();
            _open.Clear();
        }
        try { await _accepting; } catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var inbound = await listener.AcceptTcpClientAsync(ct);
            var outbound = new TcpClient();
            await outbound.ConnectAsync(_target, ct);
            lock (_open)
            {
                _open.Add(inbound);
                _open.Add(outbound);
            }
            _ = PipeAsync(inbound, outbound, ct);
            _ = PipeAsync(outbound, inbound, ct);
        }
    }

    private async Task PipeAsync(TcpClient from, TcpClient to, CancellationToken ct)
    {
        try
        {
            var source = from.GetStream();
            var sink = to.GetStream();
            var buffer = new byte[64 * 1024]; // what has queued up while a chunk waited goes on as one: latency, not a bandwidth cap
            int read;
            while ((read = await source.ReadAsync(buffer, ct)) > 0)
            {
                if (Latency is { Ticks: > 0 } latency)
                {
                    await Task.Delay(latency, ct);
                }
                await sink.WriteAsync(buffer.AsMemory(0, read), ct);
            }
            to.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            from.Dispose();
            to.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CutAsync();
        _cut.Dispose();
    }
}
