using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace SegVerify.Core.Siem;

/// <summary>
/// Delivers framed syslog messages over TCP or TLS on a background thread. The queue is bounded: when it is full a
/// new message is dropped and counted (the run never waits for a slow or absent SIEM). A failed connection or write is
/// retried with exponential backoff (0.2 s doubling to 30 s); the message being written when a connection broke is
/// sent again on the next one (at-least-once).
/// </summary>
public sealed class SyslogSender : IDisposable
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly SyslogTarget _target;
    private readonly X509Certificate2Collection? _ca;
    private readonly int _capacity;
    private readonly Queue<byte[]> _queue = new();
    private readonly object _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly Action<string>? _notice;
    private readonly string _lang;
    private long _sent, _dropped, _reconnects, _connectFailures;
    private bool _inFlight;
    private bool _hadFailure;
    private bool _disposed;

    /// <param name="ca">Trust anchors for tls:// (--syslog-ca); null: the system's store.</param>
    /// <param name="notice">Called (on the sender thread) with a one-line message when the SIEM cannot be reached.</param>
    public SyslogSender(SyslogTarget target, X509Certificate2Collection? ca, int capacity, Action<string>? notice, string lang)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _target = target;
        _ca = ca;
        _capacity = capacity;
        _notice = notice;
        _lang = lang;
        _thread = new Thread(Run) { IsBackground = true, Name = "segverify-syslog" };
        _thread.Start();
    }

    public SyslogTarget Target => _target;
    public long Sent => Interlocked.Read(ref _sent);
    /// <summary>Messages dropped because the queue was full, plus those still unsent when the sender was closed.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);
    /// <summary>Connections made after a connection broke or could not be made.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);
    public long ConnectFailures => Interlocked.Read(ref _connectFailures);

    /// <summary>Queues one framed message; false (and counted) when the queue is full.</summary>
    public bool Enqueue(byte[] framed)
    {
        lock (_lock)
        {
            if (_disposed || _queue.Count >= _capacity)
            {
                _dropped++;
                return false;
            }
            _queue.Enqueue(framed);
            Monitor.Pulse(_lock);
            return true;
        }
    }

    /// <summary>Waits until every queued message is written, or the timeout passes; true when the queue is empty.</summary>
    public bool Drain(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_lock)
        {
            while (_queue.Count > 0 || _inFlight)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) return false;
                Monitor.Wait(_lock, left < TimeSpan.FromMilliseconds(50) ? left : TimeSpan.FromMilliseconds(50));
            }
            return true;
        }
    }

    private void Run()
    {
        Stream? stream = null;
        TcpClient? client = null;
        var backoff = FirstBackoff;
        var token = _stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                byte[]? next;
                lock (_lock)
                {
                    while (_queue.Count == 0 && !token.IsCancellationRequested) Monitor.Wait(_lock, 200);
                    if (token.IsCancellationRequested) break;
                    next = _queue.Peek();
                    _inFlight = true;
                }
                try
                {
                    if (stream is null)
                    {
                        (client, stream) = Connect(token);
                        if (_hadFailure) Interlocked.Increment(ref _reconnects);
                        _hadFailure = false;
                        backoff = FirstBackoff;
                    }
                    stream.Write(next);
                    stream.Flush();
                    lock (_lock)
                    {
                        _queue.Dequeue();
                        _sent++;
                        _inFlight = false;
                        Monitor.PulseAll(_lock);
                    }
                }
                catch (Exception ex) when (ex is IOException or SocketException or System.Security.Authentication.AuthenticationException or OperationCanceledException or ObjectDisposedException)
                {
                    lock (_lock) { _inFlight = false; Monitor.PulseAll(_lock); }
                    if (token.IsCancellationRequested) break;
                    _hadFailure = true;
                    if (Interlocked.Increment(ref _connectFailures) == 1 || stream is not null)
                        _notice?.Invoke(_lang == "ja"
                            ? $"syslog {_target} に送れません ({ex.Message})。{backoff.TotalSeconds:0.#} 秒後に再接続します"
                            : $"cannot deliver to syslog {_target} ({ex.Message}); reconnecting in {backoff.TotalSeconds:0.#} s");
                    stream?.Dispose();
                    client?.Dispose();
                    stream = null;
                    client = null;
                    if (token.WaitHandle.WaitOne(backoff)) break;
                    backoff = backoff * 2 > MaxBackoff ? MaxBackoff : backoff * 2;
                }
            }
        }
        finally
        {
            stream?.Dispose();
            client?.Dispose();
            lock (_lock) { _inFlight = false; Monitor.PulseAll(_lock); }
        }
    }

    private (TcpClient, Stream) Connect(CancellationToken token)
    {
        var client = new TcpClient { NoDelay = true }; // the family is chosen per resolved address on connect
        try
        {
            using (var cts = CancellationTokenSource.CreateLinkedTokenSource(token))
            {
                cts.CancelAfter(ConnectTimeout);
                client.ConnectAsync(_target.Host, _target.Port, cts.Token).AsTask().GetAwaiter().GetResult();
            }
            Stream stream = client.GetStream();
            if (_target.Tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false, ValidateServer);
                ssl.AuthenticateAsClient(new SslClientAuthenticationOptions { TargetHost = _target.Host });
                stream = ssl;
            }
            return (client, stream);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>With --syslog-ca: the server's chain must end at one of those certificates and name the host; else the system's rules.</summary>
    private bool ValidateServer(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_ca is null) return errors == SslPolicyErrors.None;
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
            return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_ca);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
            foreach (var el in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(el.Certificate);
        using var cert = new X509Certificate2(certificate);
        return custom.Build(cert);
    }

    /// <summary>Stops the sender; messages still queued are counted as dropped.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _stop.Cancel();
            Monitor.PulseAll(_lock);
        }
        _thread.Join(TimeSpan.FromSeconds(ConnectTimeout.TotalSeconds + 1));
        long dropped;
        lock (_lock)
        {
            _dropped += _queue.Count;
            _queue.Clear();
            dropped = _dropped;
        }
        if (dropped > 0)
            _notice?.Invoke(_lang == "ja"
                ? $"syslog {_target} に届けられなかったメッセージ: {dropped} 件 (送信済み {Sent} 件)"
                : $"{dropped} messages were not delivered to syslog {_target} ({Sent} sent)");
        _stop.Dispose();
    }
}
