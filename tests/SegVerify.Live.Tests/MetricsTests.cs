using System.Net;
using System.Net.Sockets;
using System.Text;
using SegVerify.Live.Metrics;
using Xunit;

namespace SegVerify.Live.Tests;

public class MetricsTests
{
    private static MetricsSnapshot Sample() => new()
    {
        Packets = 1234,
        Bytes = 567890,
        LiveFlows = 12,
        FindingsByRule = [new("mynumber-internet", 2), new("zone-crossing", 5)],
        Dropped = 7,
        IfDropped = 1,
        QueueDropped = 3,
    };

    [Fact]
    public void Text_exposition_has_every_metric_with_help_type_and_value()
    {
        var text = Sample().ToPrometheusText();
        var lines = text.Split('\n');
        Assert.Equal("", lines[^1]); // ends with a line feed
        Assert.Contains("# TYPE segverify_packets_total counter", lines);
        Assert.Contains("segverify_packets_total 1234", lines);
        Assert.Contains("# TYPE segverify_bytes_total counter", lines);
        Assert.Contains("segverify_bytes_total 567890", lines);
        Assert.Contains("# TYPE segverify_live_flows gauge", lines);
        Assert.Contains("segverify_live_flows 12", lines);
        Assert.Contains("# TYPE segverify_findings_total counter", lines);
        Assert.Contains("segverify_findings_total{rule=\"mynumber-internet\"} 2", lines);
        Assert.Contains("segverify_findings_total{rule=\"zone-crossing\"} 5", lines);
        Assert.Contains("segverify_dropped_total 7", lines);
        Assert.Contains("segverify_if_dropped_total 1", lines);
        Assert.Contains("segverify_queue_dropped_total 3", lines);
        // Every sample line is NAME{labels}? VALUE; every metric has HELP and TYPE before its samples.
        foreach (var l in lines.Where(l => l.Length > 0 && !l.StartsWith('#')))
            Assert.Matches(@"^segverify_[a-z_]+(\{rule=""[a-z-]+""\})? \d+$", l);
        Assert.Equal(7, lines.Count(l => l.StartsWith("# HELP ")));
        Assert.Equal(7, lines.Count(l => l.StartsWith("# TYPE ")));
    }

    [Fact]
    public void Label_values_are_escaped()
    {
        Assert.Equal("a\\\"b\\\\c\\nd", MetricsSnapshot.EscapeLabel("a\"b\\c\nd"));
    }

    [Theory]
    [InlineData("127.0.0.1:9464", "127.0.0.1", 9464)]
    [InlineData("[::1]:9100", "::1", 9100)]
    [InlineData("localhost:8080", "127.0.0.1", 8080)]
    public void Loopback_endpoints_are_accepted(string text, string ip, int port)
    {
        var ep = MetricsServer.ParseEndPoint(text, allowRemote: false, "en", out var err);
        Assert.Null(err);
        Assert.Equal(IPAddress.Parse(ip), ep!.Address);
        Assert.Equal(port, ep.Port);
    }

    [Theory]
    [InlineData("0.0.0.0:9464", "loopback")]
    [InlineData("192.0.2.1:9464", "loopback")]
    [InlineData("127.0.0.1", "ADDRESS:PORT")]
    [InlineData("127.0.0.1:99999", "bad port")]
    [InlineData("example:80", "IP address")]
    public void Other_endpoints_are_refused_with_a_reason(string text, string reason)
    {
        Assert.Null(MetricsServer.ParseEndPoint(text, allowRemote: false, "en", out var err));
        Assert.Contains(reason, err);
    }

    [Fact]
    public void A_non_loopback_address_is_accepted_when_explicitly_allowed()
    {
        var ep = MetricsServer.ParseEndPoint("0.0.0.0:9464", allowRemote: true, "en", out var err);
        Assert.Null(err);
        Assert.Equal(IPAddress.Any, ep!.Address);
    }

    [Fact]
    public void The_server_answers_GET_metrics_on_loopback()
    {
        using var server = MetricsServer.Start(new IPEndPoint(IPAddress.Loopback, 0), Sample);
        var response = Get(server.LocalEndPoint, "/metrics");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response);
        Assert.Contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n", response);
        Assert.EndsWith(Sample().ToPrometheusText(), response);
        Assert.StartsWith("HTTP/1.1 404 ", Get(server.LocalEndPoint, "/other"));
    }

    /// <summary>A slowloris client: connects and sends a request's headers one byte at a time, never finishing them.</summary>
    private static (TcpClient Client, Task Trickle) Slowloris(IPEndPoint ep, CancellationToken stop)
    {
        var c = new TcpClient();
        c.Connect(ep);
        var s = c.GetStream();
        var trickle = Task.Run(async () =>
        {
            var bytes = Encoding.ASCII.GetBytes("GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + new string('a', 10_000));
            try
            {
                foreach (var b in bytes)
                {
                    await s.WriteAsync(new[] { b }, stop);
                    await Task.Delay(100, stop);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException) { }
        });
        return (c, trickle);
    }

    /// <summary>Whether the server closed the connection (end of stream or reset) within <paramref name="within"/>.</summary>
    private static bool ClosedByServer(TcpClient c, TimeSpan within)
    {
        c.ReceiveTimeout = (int)within.TotalMilliseconds;
        try { return c.GetStream().Read(new byte[1]) == 0; }
        catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset }) { return true; }
        catch (IOException) { return false; } // timed out: still open
    }

    [Fact]
    public void A_scrape_succeeds_quickly_while_slow_clients_hold_connections()
    {
        const int slow = 20;
        // A server that served one client at a time would answer the scrapes only once the slow clients hit their
        // header deadline: with a deadline far beyond what a scrape takes even on a busy machine, "quickly" is told
        // apart from "blocked" without depending on the machine's speed.
        var headerDeadline = TimeSpan.FromSeconds(60);
        using var server = MetricsServer.Start(new IPEndPoint(IPAddress.Loopback, 0), Sample, maxConnections: 32, headerTimeout: headerDeadline);
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, slow).Select(_ => Slowloris(server.LocalEndPoint, stop.Token)).ToList();
        try
        {
            SpinWait.SpinUntil(() => server.OpenConnections == slow, TimeSpan.FromSeconds(30));
            Assert.Equal(slow, server.OpenConnections);
            var since = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < 5; i++)
            {
                var sw = System.Diagnostics.Stopwatch.StartNew();
                var response = Get(server.LocalEndPoint, "/metrics");
                Assert.True(sw.Elapsed < headerDeadline / 3, $"scrape took {sw.Elapsed}");
                Assert.StartsWith("HTTP/1.1 200 OK\r\n", response);
                Assert.EndsWith(Sample().ToPrometheusText(), response);
            }
            Assert.True(since.Elapsed < headerDeadline, $"the scrapes took {since.Elapsed}");
            // the slow ones are still open (before their deadline); the server counts the last scrape's connection
            // closed a moment after the client has read its response, so wait for that before counting
            SpinWait.SpinUntil(() => server.OpenConnections <= slow, TimeSpan.FromSeconds(10));
            Assert.Equal(slow, server.OpenConnections);
        }
        finally
        {
            stop.Cancel();
            foreach (var (c, _) in clients) c.Dispose();
        }
    }

    /// <summary>How early a runtime timer may fire against a <see cref="System.Diagnostics.Stopwatch"/> (its tick is coarser).</summary>
    private static readonly TimeSpan TimerResolution = TimeSpan.FromMilliseconds(50);

    [SkippableFact]
    public void Connections_beyond_the_bound_are_closed_and_slow_clients_are_cut_off_at_the_header_deadline()
    {
        const int bound = 6;
        // long enough that filling the bound and trying one more finish before any slow client's deadline, even on a
        // busy machine (else a slot frees and the extra connection is rightly accepted)
        var deadline = TimeSpan.FromSeconds(8);
        using var server = MetricsServer.Start(new IPEndPoint(IPAddress.Loopback, 0), Sample, maxConnections: bound, headerTimeout: deadline);
        using var stop = new CancellationTokenSource();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var clients = Enumerable.Range(0, bound).Select(_ => Slowloris(server.LocalEndPoint, stop.Token)).ToList();
        try
        {
            SpinWait.SpinUntil(() => server.OpenConnections == bound, TimeSpan.FromSeconds(5));
            Assert.Equal(bound, server.OpenConnections);
            var filled = sw.Elapsed;
            Skip.If(filled >= deadline / 2, $"filling the bound took {filled}: too slow a machine to tell the refusal from the deadline");
            // one more: closed at once, long before the slow ones' deadline
            using (var extra = new TcpClient())
            {
                extra.Connect(server.LocalEndPoint);
                Assert.True(ClosedByServer(extra, deadline / 4), "the connection beyond the bound was not closed");
            }
            Assert.True(sw.Elapsed - filled < deadline, $"closed {sw.Elapsed - filled} after the bound was filled");
            Assert.Equal(1, server.Refused);

            // the slow clients, though still sending, are cut off at the header deadline
            foreach (var (c, _) in clients)
                Assert.True(ClosedByServer(c, deadline + TimeSpan.FromSeconds(30)), "a slow client was not cut off");
            // the server's timer (CancelAfter: the runtime's millisecond timer queue) may fire a tick before this
            // test's high-resolution stopwatch says the deadline has passed
            Assert.True(sw.Elapsed >= deadline - TimerResolution, $"cut off after {sw.Elapsed}, before the deadline");
            SpinWait.SpinUntil(() => server.OpenConnections == 0, TimeSpan.FromSeconds(30));
            Assert.Equal(0, server.OpenConnections);
            Assert.Equal(bound, server.TimedOut);
            // and a scrape goes through again
            Assert.StartsWith("HTTP/1.1 200 OK\r\n", Get(server.LocalEndPoint, "/metrics"));
        }
        finally
        {
            stop.Cancel();
            foreach (var (c, _) in clients) c.Dispose();
        }
    }

    [Fact]
    public void Concurrent_scrapes_are_all_answered()
    {
        using var server = MetricsServer.Start(new IPEndPoint(IPAddress.Loopback, 0), Sample);
        var responses = Enumerable.Range(0, 16).AsParallel().WithDegreeOfParallelism(16).Select(_ => Get(server.LocalEndPoint, "/metrics")).ToList();
        Assert.All(responses, r => Assert.EndsWith(Sample().ToPrometheusText(), r));
        Assert.Equal(16, server.Served);
    }

    private static string Get(IPEndPoint ep, string path)
    {
        using var c = new TcpClient();
        c.Connect(ep);
        var s = c.GetStream();
        s.Write(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        using var r = new StreamReader(s, Encoding.UTF8);
        return r.ReadToEnd();
    }
}
