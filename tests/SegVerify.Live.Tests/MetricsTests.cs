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
