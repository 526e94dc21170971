using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SegVerify.Live.Metrics;

/// <summary>
/// A minimal HTTP/1.0-style endpoint serving <c>GET /metrics</c> in the Prometheus text format, one request at a time
/// on its own thread. Binds to loopback unless the caller allows another address.
/// </summary>
public sealed class MetricsServer : IDisposable
{
    private const int MaxRequestBytes = 8 * 1024;
    private const int IoTimeoutMs = 2_000;

    private readonly TcpListener _listener;
    private readonly Func<MetricsSnapshot> _snapshot;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndpoint;

    private MetricsServer(IPEndPoint ep, Func<MetricsSnapshot> snapshot)
    {
        _snapshot = snapshot;
        _listener = new TcpListener(ep);
        _listener.Start();
        _thread = new Thread(Serve) { IsBackground = true, Name = "segverify-metrics" };
        _thread.Start();
    }

    /// <summary>Starts serving at <paramref name="ep"/>. Throws <see cref="SocketException"/> when the port is taken.</summary>
    public static MetricsServer Start(IPEndPoint ep, Func<MetricsSnapshot> snapshot) => new(ep, snapshot);

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

    private void Serve()
    {
        var buffer = new byte[MaxRequestBytes];
        while (!_stopping)
        {
            TcpClient client;
            try { client = _listener.AcceptTcpClient(); }
            catch (SocketException) { if (_stopping) return; continue; }
            catch (ObjectDisposedException) { return; }
            using (client)
            {
                try { Handle(client, buffer); }
                catch (IOException) { }
                catch (SocketException) { }
            }
        }
    }

    private void Handle(TcpClient client, byte[] buffer)
    {
        client.ReceiveTimeout = IoTimeoutMs;
        client.SendTimeout = IoTimeoutMs;
        var stream = client.GetStream();
        int n = 0;
        while (n < buffer.Length)
        {
            int r = stream.Read(buffer, n, buffer.Length - n);
            if (r == 0) break;
            n += r;
            if (buffer.AsSpan(0, n).IndexOf("\r\n\r\n"u8) >= 0 || buffer.AsSpan(0, n).IndexOf("\n\n"u8) >= 0) break;
        }
        var request = Encoding.ASCII.GetString(buffer, 0, n);
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
        var head = $"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {bodyBytes.Length}\r\nConnection: close\r\n\r\n";
        stream.Write(Encoding.ASCII.GetBytes(head));
        if (parts.Length < 1 || parts[0] != "HEAD") stream.Write(bodyBytes);
        stream.Flush();
    }

    public void Dispose()
    {
        _stopping = true;
        _listener.Stop();
        _thread.Join(IoTimeoutMs);
    }
}
