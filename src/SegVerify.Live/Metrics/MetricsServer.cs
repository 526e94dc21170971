using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SegVerify.Live.Metrics;

/// <summary>
/// A minimal HTTP endpoint serving <c>GET /metrics</c> in the Prometheus text format. Clients are served concurrently
/// (each connection on the thread pool, with asynchronous I/O), so a slow client never holds up a scrape; at most
/// <see cref="MaxConnections"/> are open at once (a connection beyond that is closed at once, and counted in
/// <see cref="Refused"/>); a client has <see cref="HeaderTimeout"/> in all to send its request headers and as long
/// again to take the answer (a slowloris client that trickles bytes is cut off at that deadline too, counted in
/// <see cref="TimedOut"/>). Binds to loopback unless the caller allows another address.
/// </summary>
public sealed class MetricsServer : IDisposable
{
    private const int MaxRequestBytes = 8 * 1024;
    public const int DefaultMaxConnections = 64;
    public static readonly TimeSpan DefaultHeaderTimeout = TimeSpan.FromSeconds(2);

    private readonly Socket _listener;
    private readonly Func<MetricsSnapshot> _snapshot;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _open;
    private long _refused, _timedOut, _served;

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;
    public int MaxConnections { get; }
    public TimeSpan HeaderTimeout { get; }
    /// <summary>Connections open now.</summary>
    public int OpenConnections => Volatile.Read(ref _open);
    /// <summary>Connections closed at once because <see cref="MaxConnections"/> were open.</summary>
    public long Refused => Interlocked.Read(ref _refused);
    /// <summary>Connections cut off because the request (or the answer) did not go through within the deadline.</summary>
    public long TimedOut => Interlocked.Read(ref _timedOut);
    /// <summary>Requests answered.</summary>
    public long Served => Interlocked.Read(ref _served);

    private MetricsServer(IPEndPoint ep, Func<MetricsSnapshot> snapshot, int maxConnections, TimeSpan headerTimeout)
    {
        _snapshot = snapshot;
        MaxConnections = maxConnections;
        HeaderTimeout = headerTimeout;
        _listener = new Socket(ep.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(ep);
            _listener.Listen(Math.Max(16, maxConnections));
        }
        catch
        {
            _listener.Dispose();
            throw;
        }
        _acceptLoop = Task.Run(AcceptLoop);
    }

    /// <summary>Starts serving at <paramref name="ep"/>. Throws <see cref="SocketException"/> when the port is taken.</summary>
    public static MetricsServer Start(IPEndPoint ep, Func<MetricsSnapshot> snapshot) =>
        new(ep, snapshot, DefaultMaxConnections, DefaultHeaderTimeout);

    /// <summary>Starts serving with other bounds than the defaults (tests).</summary>
    public static MetricsServer Start(IPEndPoint ep, Func<MetricsSnapshot> snapshot, int maxConnections, TimeSpan headerTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConnections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(headerTimeout, TimeSpan.Zero);
        return new(ep, snapshot, maxConnections, headerTimeout);
    }

    /// <summary>
    /// Parses <c>HOST:PORT</c> (<c>127.0.0.1:9464</c>, <c>[::1]:9464</c>, <c>localhost:9464</c>). Returns null with a
    /// reason when it is not an address and port, or (unless <paramref name="allowRemote"/>) not a loopback address.
    /// </summary>
    public static IPEndPoint? ParseEndPoint(string text, bool allowRemote, string lang, out string? error)
    {
        error = null;
        string host;
        string portText;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            error = Localized.Pick(lang, $"--metrics は ADDRESS:PORT の形で指定してください (例 127.0.0.1:9464): '{text}'",
                $"--metrics takes ADDRESS:PORT (e.g. 127.0.0.1:9464): '{text}'");
            return null;
        }
        host = text[..colon];
        portText = text[(colon + 1)..];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port)
            || port < 1 || port > 65535)
        {
            error = Localized.Pick(lang, $"--metrics のポート番号が正しくありません: '{portText}'", $"--metrics: bad port '{portText}'");
            return null;
        }
        IPAddress? addr;
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) addr = IPAddress.Loopback;
        else if (!IPAddress.TryParse(host, out addr))
        {
            error = Localized.Pick(lang, $"--metrics のアドレスは IP アドレスで指定してください: '{host}'",
                $"--metrics: the address must be an IP address: '{host}'");
            return null;
        }
        if (!IPAddress.IsLoopback(addr) && !allowRemote)
        {
            error = Localized.Pick(lang,
                $"--metrics はループバックアドレス (127.0.0.1 や ::1) でのみ待ち受けます: '{host}'。他のアドレスで公開する場合は --metrics-allow-remote を付けてください",
                $"--metrics listens on loopback addresses only (127.0.0.1, ::1): '{host}'; add --metrics-allow-remote to listen on another address");
            return null;
        }
        return new IPEndPoint(addr, port);
    }

    private async Task AcceptLoop()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(stop).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { if (stop.IsCancellationRequested) return; continue; }
            if (Interlocked.Increment(ref _open) > MaxConnections)
            {
                Interlocked.Decrement(ref _open);
                Interlocked.Increment(ref _refused);
                Abort(client);
                continue;
            }
            _ = Task.Run(() => Handle(client));
        }
    }

    /// <summary>Closes a connection with a reset (no lingering in TIME_WAIT, the client learns at once).</summary>
    private static void Abort(Socket client)
    {
        try { client.LingerState = new LingerOption(true, 0); }
        catch (SocketException) { }
        client.Dispose();
    }

    private async Task Handle(Socket client)
    {
        bool timedOut = false;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            deadline.CancelAfter(HeaderTimeout);
            var buffer = new byte[MaxRequestBytes];
            int n = 0;
            while (n < buffer.Length)
            {
                int r = await client.ReceiveAsync(buffer.AsMemory(n), SocketFlags.None, deadline.Token).ConfigureAwait(false);
                if (r == 0) break;
                n += r;
                if (buffer.AsSpan(0, n).IndexOf("\r\n\r\n"u8) >= 0 || buffer.AsSpan(0, n).IndexOf("\n\n"u8) >= 0) break;
            }
            var response = Respond(buffer.AsSpan(0, n));
            deadline.CancelAfter(HeaderTimeout);
            int sent = 0;
            while (sent < response.Length)
                sent += await client.SendAsync(response.AsMemory(sent), SocketFlags.None, deadline.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _served);
            try { client.Shutdown(SocketShutdown.Send); }
            catch (SocketException) { }
        }
        catch (OperationCanceledException) { timedOut = !_stop.IsCancellationRequested; }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
        finally
        {
            if (timedOut)
            {
                Interlocked.Increment(ref _timedOut);
                Abort(client);
            }
            else client.Dispose();
            Interlocked.Decrement(ref _open);
        }
    }

    /// <summary>The whole HTTP response to a request (its bytes as received, possibly cut).</summary>
    private byte[] Respond(ReadOnlySpan<byte> requestBytes)
    {
        var request = Encoding.ASCII.GetString(requestBytes);
        int eol = request.IndexOf('\n');
        var line = (eol >= 0 ? request[..eol] : request).TrimEnd('\r');
        var parts = line.Split(' ');
        string status;
        string contentType = "text/plain; charset=utf-8";
        string body;
        if (parts.Length < 2 || (parts[0] != "GET" && parts[0] != "HEAD"))
        {
            status = "405 Method Not Allowed";
            body = "only GET /metrics\n";
        }
        else if (parts[1] is "/metrics" || parts[1].StartsWith("/metrics?", StringComparison.Ordinal))
        {
            status = "200 OK";
            contentType = "text/plain; version=0.0.4; charset=utf-8";
            body = _snapshot().ToPrometheusText();
        }
        else if (parts[1] == "/")
        {
            status = "200 OK";
            body = "segverify monitor: metrics at /metrics\n";
        }
        else
        {
            status = "404 Not Found";
            body = "not found; metrics are at /metrics\n";
        }
        var bodyBytes = Encoding.UTF8.GetBytes(body);
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {bodyBytes.Length}\r\nConnection: close\r\n\r\n");
        return parts[0] == "HEAD" ? head : [.. head, .. bodyBytes];
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        try { _acceptLoop.Wait(DefaultHeaderTimeout); }
        catch (AggregateException) { }
        // _stop is not disposed: handlers still finishing read its token
    }
}
