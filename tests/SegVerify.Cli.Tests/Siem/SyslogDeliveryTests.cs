using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using SegVerify.Core.Siem;
using SegVerify.Tests.Common;
using Xunit;
using static SegVerify.Cli.Tests.Siem.SyslogTestSupport;

namespace SegVerify.Cli.Tests.Siem;

/// <summary>--syslog against in-test TCP and TLS servers: framing, contents, reconnection, the bounded queue.</summary>
public class SyslogDeliveryTests
{
    private static readonly string Capture = TestPaths.InRepo("captures", "sample-city.pcap");
    private static readonly string Topology = TestPaths.InRepo("topologies", "sample-city.yaml");

    private static (int Exit, string Stdout, string Stderr) Run(params string[] args)
    {
        var so = new StringWriter();
        var se = new StringWriter();
        int exit = Program.Run(args, so, se);
        return (exit, so.ToString(), se.ToString());
    }

    /// <summary>Accepts connections on a loopback port and keeps every byte received, until disposed.</summary>
    private sealed class CollectingServer : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly MemoryStream _data = new();
        private readonly X509Certificate2? _cert;
        private readonly Task _accept;
        public int Port { get; }
        public int Connections;

        public CollectingServer(int port = 0, X509Certificate2? cert = null)
        {
            _cert = cert;
            _listener = new TcpListener(IPAddress.Loopback, port);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _accept = Task.Run(AcceptLoop);
        }

        private async Task AcceptLoop()
        {
            try
            {
                while (true)
                {
                    var c = await _listener.AcceptTcpClientAsync();
                    Interlocked.Increment(ref Connections);
                    _ = Task.Run(async () =>
                    {
                        using var client = c;
                        Stream s = c.GetStream();
                        if (_cert is not null)
                        {
                            var ssl = new SslStream(s);
                            await ssl.AuthenticateAsServerAsync(_cert);
                            s = ssl;
                        }
                        var buf = new byte[8192];
                        int n;
                        while ((n = await s.ReadAsync(buf)) > 0)
                            lock (_data) _data.Write(buf, 0, n);
                    });
                }
            }
            catch (Exception) { /* listener stopped */ }
        }

        public byte[] Received()
        {
            lock (_data) return _data.ToArray();
        }

        public List<string> WaitForMessages(int count)
        {
            var until = DateTime.UtcNow.AddSeconds(20);
            List<string> got;
            do
            {
                got = SplitFrames(Received());
                if (got.Count >= count) break;
                Thread.Sleep(50);
            } while (DateTime.UtcNow < until);
            return got;
        }

        public void Dispose() => _listener.Stop();
    }

    [Fact]
    public void Replay_SendsEveryFindingAsItsJsonLine_WithStructuredData()
    {
        using var server = new CollectingServer();
        var (exit, stdout, stderr) = Run("replay", Capture, "--topology", Topology, "--format", "jsonl", "--flows",
            "--syslog", $"tcp://127.0.0.1:{server.Port}");
        Assert.True(exit == 1, stderr);
        var lines = FindingLines(stdout);
        var messages = server.WaitForMessages(lines.Count);
        Assert.Equal(lines.Count, messages.Count);
        var parsed = messages.Select(Parse).ToList();
        Assert.Equal(lines, parsed.Select(p => p.Msg).ToList());
        foreach (var p in parsed)
        {
            var json = JsonDocument.Parse(p.Msg).RootElement;
            string ev = json.GetProperty("event").GetString()!;
            Assert.Equal(ev, p.MsgId);
            Assert.Equal("segverify", p.App);
            Assert.Equal(Environment.ProcessId.ToString(), p.ProcId);
            Assert.Equal(16 * 8 + (ev == "violation" ? 3 : ev == "warning" ? 4 : 6), p.Pri);
            if (ev == "flow")
                Assert.Equal(json.GetProperty("verdict").GetString(), p.Sd["verdict"]);
            else
            {
                Assert.Equal(json.GetProperty("rule").GetString(), p.Sd["rule"]);
                Assert.Equal(json.GetProperty("severity").GetString(), p.Sd["severity"]);
            }
            if (json.TryGetProperty("community_id", out var cid)) Assert.Equal(cid.GetString(), p.Sd["community_id"]);
            else Assert.False(p.Sd.ContainsKey("community_id"));
        }
        Assert.Contains(parsed, p => p.MsgId == "violation");
        Assert.Contains(parsed, p => p.MsgId == "flow");
        var syslog = JsonDocument.Parse(SummaryLine(stdout)).RootElement.GetProperty("syslog");
        Assert.Equal(lines.Count, syslog.GetProperty("sent").GetInt64());
        Assert.Equal(0, syslog.GetProperty("dropped").GetInt64());
        Assert.Equal(0, syslog.GetProperty("reconnects").GetInt64());
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public void ServerAbsent_RunEndsAfterTheTimeout_AndEveryMessageIsCountedAsDropped()
    {
        int port = FreeTcpPort();
        var (exit, stdout, stderr) = Run("replay", Capture, "--topology", Topology, "--format", "jsonl",
            "--syslog", $"tcp://127.0.0.1:{port}", "--syslog-queue", "4", "--syslog-timeout", "0.5");
        Assert.Equal(1, exit);
        int findings = FindingLines(stdout).Count;
        var syslog = JsonDocument.Parse(SummaryLine(stdout)).RootElement.GetProperty("syslog");
        Assert.Equal(0, syslog.GetProperty("sent").GetInt64());
        Assert.Equal(findings, syslog.GetProperty("dropped").GetInt64());
        Assert.Contains($"{findings} messages were not delivered to syslog tcp://127.0.0.1:{port} (0 sent)", stderr);
    }

    [Fact]
    public async Task ServerComingUpLate_MessagesAreQueuedAndDeliveredAfterReconnecting()
    {
        int port = FreeTcpPort();
        CollectingServer? server = null;
        // the server comes up once the sender has told that it could not deliver (not after a fixed time, which on a
        // busy machine may pass before the sender's first attempt)
        var se = new NoticeWriter("cannot deliver to syslog");
        var starter = Task.Run(() =>
        {
            if (se.Seen.Wait(TimeSpan.FromMinutes(2))) server = new CollectingServer(port);
        });
        var so = new StringWriter();
        int exit = Program.Run(["replay", Capture, "--topology", Topology, "--format", "jsonl", "--lang", "en",
            "--syslog", $"tcp://127.0.0.1:{port}", "--syslog-timeout", "60"], so, se);
        var (stdout, stderr) = (so.ToString(), se.ToString());
        await starter;
        Assert.True(server is not null, "the sender never told that it could not deliver: " + stderr);
        using var _ = server;
        Assert.True(exit == 1, stderr);
        var lines = FindingLines(stdout);
        var messages = server!.WaitForMessages(lines.Count);
        Assert.Equal(lines, messages.Select(m => Parse(m).Msg).ToList());
        var syslog = JsonDocument.Parse(SummaryLine(stdout)).RootElement.GetProperty("syslog");
        Assert.Equal(lines.Count, syslog.GetProperty("sent").GetInt64());
        Assert.Equal(0, syslog.GetProperty("dropped").GetInt64());
        Assert.Equal(1, syslog.GetProperty("reconnects").GetInt64());
    }

    [Fact]
    public void Tls_WithTheCaFile_Delivers_AndAnUntrustedServerGetsNothing()
    {
        using var caKey = RSA.Create(2048);
        var caReq = new CertificateRequest("CN=SegVerify test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caReq.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(2));
        using var leafKey = RSA.Create(2048);
        var leafReq = new CertificateRequest("CN=localhost", leafKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        leafReq.CertificateExtensions.Add(san.Build());
        leafReq.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var leafPub = leafReq.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);
        using var leafWithKey = leafPub.CopyWithPrivateKey(leafKey);
        // SslStream on Linux wants a certificate whose key it can export: round-trip through PKCS#12.
        using var leaf = X509CertificateLoader.LoadPkcs12(leafWithKey.Export(X509ContentType.Pkcs12), null);

        string dir = Directory.CreateTempSubdirectory("segverify-tls").FullName;
        string caFile = Path.Combine(dir, "ca.pem");
        File.WriteAllText(caFile, ca.ExportCertificatePem());
        string otherCaFile = Path.Combine(dir, "other.pem");
        using (var otherKey = RSA.Create(2048))
        using (var other = new CertificateRequest("CN=other CA", otherKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                   .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)))
            File.WriteAllText(otherCaFile, other.ExportCertificatePem());

        using (var server = new CollectingServer(cert: leaf))
        {
            var (exit, stdout, stderr) = Run("replay", Capture, "--topology", Topology, "--format", "jsonl",
                "--syslog", $"tls://localhost:{server.Port}", "--syslog-ca", caFile);
            Assert.True(exit == 1, stderr);
            var lines = FindingLines(stdout);
            Assert.Equal(lines, server.WaitForMessages(lines.Count).Select(m => Parse(m).Msg).ToList());
        }
        using (var server = new CollectingServer(cert: leaf))
        {
            var (exit, stdout, stderr) = Run("replay", Capture, "--topology", Topology, "--format", "jsonl",
                "--syslog", $"tls://localhost:{server.Port}", "--syslog-ca", otherCaFile, "--syslog-timeout", "0.5");
            Assert.Equal(1, exit);
            Assert.Empty(server.Received());
            var syslog = JsonDocument.Parse(SummaryLine(stdout)).RootElement.GetProperty("syslog");
            Assert.Equal(0, syslog.GetProperty("sent").GetInt64());
            Assert.Equal(FindingLines(stdout).Count, syslog.GetProperty("dropped").GetInt64());
        }
        Directory.Delete(dir, true);
    }

    [Theory]
    [InlineData("udp://127.0.0.1:514")]
    [InlineData("tcp://127.0.0.1")]
    [InlineData("tcp://127.0.0.1:0")]
    [InlineData("tcp://127.0.0.1:70000")]
    [InlineData("tcp://:514")]
    public void BadTarget_IsExit2(string target)
    {
        var (exit, _, stderr) = Run("replay", Capture, "--topology", Topology, "--format", "jsonl", "--syslog", target);
        Assert.Equal(2, exit);
        Assert.Contains("--syslog", stderr);
    }

    [Fact]
    public void CaFileForTcpOrUnreadable_IsExit2()
    {
        Assert.Equal(2, Run("replay", Capture, "--topology", Topology, "--syslog", "tcp://127.0.0.1:514", "--syslog-ca", Topology).Exit);
        var (exit, _, stderr) = Run("replay", Capture, "--topology", Topology, "--syslog", "tls://127.0.0.1:514", "--syslog-ca", Topology);
        Assert.Equal(2, exit);
        Assert.Contains("--syslog-ca", stderr);
    }

    [Fact]
    public void Frame_IsOctetCounted_AndEscapesParamValues()
    {
        var buf = new System.Buffers.ArrayBufferWriter<byte>();
        Rfc5424.Write(buf, new DateTime(2026, 4, 1, 9, 0, 0, DateTimeKind.Utc), "host name", 42, "warning",
            [new("rule", "a\"b]c\\d")], "{\"k\":\"日本\"}"u8);
        var frames = SplitFrames(buf.WrittenSpan.ToArray());
        Assert.Single(frames);
        Assert.Equal("<132>1 2026-04-01T09:00:00.000000Z hostname segverify 42 warning [segverify@32473 rule=\"a\\\"b\\]c\\\\d\"] {\"k\":\"日本\"}", frames[0]);
        Assert.Equal("a\"b]c\\d", Parse(frames[0]).Sd["rule"]);
    }
}

/// <summary>Standard error of an in-process run that signals when a line containing <paramref name="text"/> is written.</summary>
internal sealed class NoticeWriter(string text) : StringWriter
{
    private readonly object _lock = new();
    public ManualResetEventSlim Seen { get; } = new();

    public override void Write(char value) { lock (_lock) base.Write(value); Check(); }
    public override void Write(string? value) { lock (_lock) base.Write(value); Check(); }
    public override void WriteLine(string? value) { lock (_lock) base.WriteLine(value); Check(); }

    public override string ToString() { lock (_lock) return base.ToString(); }

    private void Check()
    {
        if (!Seen.IsSet && ToString().Contains(text, StringComparison.Ordinal)) Seen.Set();
    }
}

