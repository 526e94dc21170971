using SegVerify.Core.Capture;
using SegVerify.Core.Decoding;
using SegVerify.Core.Engine;
using SegVerify.Core.Output;
using SegVerify.Core.Topology;
using Xunit;
using static SegVerify.Core.Tests.Engine.TestFrames;

namespace SegVerify.Core.Tests.Engine;

public class ParallelVerifierTests
{
    private const string Topo = """
        segverify: 1
        name: test city
        model: alpha
        zones:
          mn:
            tier: mynumber
            segments: [{ cidr: 10.10.0.0/16, vlan: 110 }]
            registered_macs: [02:10:00:00:00:31]
            gateway_macs: [02:10:ff:ff:ff:01]
          lg:
            tier: lgwan
            segments: [{ cidr: 10.20.0.0/16, vlan: 120 }]
            gateway_macs: [02:20:ff:ff:ff:01]
          inet:
            tier: internet
            segments: [{ cidr: 10.30.0.0/16, vlan: 130 }]
        hosts:
          - { name: mn-relay, zone: mn, ip: 10.10.0.5, mac: 02:10:00:00:00:05 }
          - { name: lg-mail, zone: lg, ip: 10.20.0.25, services: [smtp] }
        """;

    private const string LgA = "02:20:00:00:00:0a", LgGw = "02:20:ff:ff:ff:01", Spoof = "02:66:66:66:66:05";
    private const long Start = 1_767_225_600_000_000_000L;

    private static readonly SegVerify.Core.Topology.Topology Topology = TopologyLoader.LoadFromText(Topo, "test.yaml");

    private sealed record Frame(byte[] Bytes, long Ts);

    /// <summary>Runs the frames through one verifier, or through N shards (with a small queue, to exercise wrap-around and waiting).</summary>
    private static (List<string> Findings, RunSummary Summary) Run(IReadOnlyList<Frame> frames, int threads, int maxFlows = 10_000)
    {
        var sink = new RecordingSink();
        var summary = new RunSummary();
        var options = new VerifierOptions { MaxFlows = maxFlows, EmitFlows = true, Language = "en" };
        // threads == 1 is the plain single-threaded Verifier, the reference the shards must match
        var parallel = threads == 1 ? null : new ParallelVerifier(Topology, sink, options, threads, queueBytes: 4096);
        using var stopShards = parallel;
        IReplayEngine engine = parallel ?? (IReplayEngine)new Verifier(Topology, sink, options);
        engine.CurrentCapture = "a.pcap";
        int i = 0;
        foreach (var f in frames)
        {
            if (i++ == frames.Count / 2) engine.CurrentCapture = "b.pcap";
            var record = new CaptureRecord(f.Bytes, f.Ts, f.Bytes.Length, LinkTypes.Ethernet, false, 0);
            engine.Process(in record);
        }
        engine.Finish(summary);
        return (sink.Findings.Select(Describe).Order(StringComparer.Ordinal).ToList(), summary);
    }

    private static string Describe(Finding f) =>
        string.Join("|", typeof(Finding).GetProperties().Where(p => p.Name != nameof(Finding.Extra))
            .Select(p => p.Name + "=" + p.GetValue(f)));

    private static int ShardOf(byte[] frame, int shards)
    {
        var p = default(DecodedPacket);
        return ParallelVerifier.ShardOf(LinkTypes.Ethernet, frame, ref p, (uint)shards);
    }

    private static void AssertSame((List<string> Findings, RunSummary Summary) one, (List<string> Findings, RunSummary Summary) many)
    {
        var missing = new List<string>(one.Findings);
        var extra = new List<string>();
        foreach (var f in many.Findings)
            if (!missing.Remove(f)) extra.Add(f);
        Assert.True(missing.Count == 0 && extra.Count == 0,
            "only with one thread:\n" + string.Join("\n", missing) + "\nonly with shards:\n" + string.Join("\n", extra));
        Assert.Equal(one.Summary.Packets, many.Summary.Packets);
        Assert.Equal(one.Summary.Bytes, many.Summary.Bytes);
        Assert.Equal(one.Summary.Flows, many.Summary.Flows);
        Assert.Equal(one.Summary.Undecoded, many.Summary.Undecoded);
        Assert.Equal(one.Summary.ZoneMatrix.OrderBy(k => k.Key).ToList(), many.Summary.ZoneMatrix.OrderBy(k => k.Key).ToList());
    }

    /// <summary>
    /// Mixed traffic: many flows, idle expiry part-way (gaps past the UDP timeout), an unclassified address talking to
    /// many peers, a spoofed MAC, fragments, ARP, an undecodable frame and frames larger than a quarter of the queue.
    /// </summary>
    private static List<Frame> Mixed(int seed)
    {
        var rnd = new Random(seed);
        var frames = new List<Frame>();
        long ts = Start;
        void Add(byte[] b, double afterSeconds) { ts += (long)(afterSeconds * 1e9); frames.Add(new Frame(b, ts)); }
        for (int i = 0; i < 600; i++)
        {
            double gap = rnd.Next(40) == 0 ? 30 + rnd.Next(40) : rnd.NextDouble() * 0.8;
            string peer = $"10.{(rnd.Next(2) == 0 ? 20 : 30)}.{rnd.Next(4)}.{rnd.Next(1, 30)}";
            ushort sport = (ushort)(40000 + rnd.Next(50));
            switch (rnd.Next(9))
            {
                case 0: Add(Udp(LgA, LgGw, "192.168.7.7", peer, sport, 53), gap); break;                     // unclassified source
                case 1: Add(Udp(LgA, LgGw, peer, "192.168.9.9", sport, 123), gap); break;                    // unclassified destination
                case 2: Add(Tcp(Spoof, LgGw, "10.10.0.5", peer, sport, 445, Syn, 0, 110), gap); break;        // mac-binding
                case 3: Add(Tcp(LgA, LgGw, "10.20.1.1", peer, sport, 25, Psh | Ack, rnd.Next(2000)), gap); break;
                case 4: Add(Tcp(LgA, LgGw, peer, "10.20.1.1", 25, sport, Psh | Ack, 10), gap); break;
                case 5:
                {
                    var l4 = L4Tcp(sport, 445, Psh | Ack, 40);
                    ushort id = (ushort)rnd.Next(1, 60000);
                    Add(Ipv4Fragment(LgA, LgGw, "10.20.1.1", peer, 6, id, 0, true, l4[..24]), gap);
                    Add(Ipv4Fragment(LgA, LgGw, "10.20.1.1", peer, 6, id, 24, false, l4[24..]), 0.0001);
                    break;
                }
                case 6: Add(Arp("02:99:00:00:00:03", "10.10.3.3", "10.10.0.20", 110), gap); break;
                case 7: Add([1, 2, 3], gap); break;
                default: Add(Icmp(LgA, LgGw, "10.20.1.1", peer, 8, 0, (ushort)rnd.Next(3)), gap); break;
            }
        }
        return frames;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void ShardsGiveTheFindingsAndCountsOfOneThread(int threads)
    {
        for (int seed = 1; seed <= 12; seed++)
        {
            var frames = Mixed(seed);
            var one = Run(frames, 1);
            Assert.Contains(one.Findings, f => f.Contains("Rule=unclassified-address"));
            Assert.Contains(one.Findings, f => f.Contains("Rule=mac-binding"));
            AssertSame(one, Run(frames, threads));
        }
    }

    [Fact]
    public void LaterFragmentsMeetTheirFirstFragmentInTheSameShard()
    {
        var frames = new List<Frame>();
        long ts = Start;
        for (int i = 0; i < 40; i++)
        {
            var l4 = L4Tcp((ushort)(40000 + i), 445, Psh | Ack, 40);
            string dst = $"10.30.0.{i + 1}";
            frames.Add(new Frame(Ipv4Fragment(LgA, LgGw, "10.20.1.1", dst, 6, (ushort)(77 + i), 0, true, l4[..24]), ts += 1000));
            frames.Add(new Frame(Ipv4Fragment(LgA, LgGw, "10.20.1.1", dst, 6, (ushort)(77 + i), 24, false, l4[24..]), ts += 1000));
        }
        // the flows are spread over the shards, and the fragments without ports follow their first
        Assert.True(frames.Select(f => ShardOf(f.Bytes, 4)).Distinct().Count() > 1);
        for (int i = 0; i < frames.Count; i += 2)
            Assert.Equal(ShardOf(frames[i].Bytes, 4), ShardOf(frames[i + 1].Bytes, 4));

        var sink = new RecordingSink();
        using var p = new ParallelVerifier(Topology, sink, new VerifierOptions { EmitFlows = true }, 4);
        foreach (var f in frames) p.Process(new CaptureRecord(f.Bytes, f.Ts, f.Bytes.Length, LinkTypes.Ethernet, false, 0));
        p.Complete();
        var flowEvents = sink.Findings.Where(x => x.IsFlowEvent).ToList();
        Assert.Equal(40, flowEvents.Count);
        Assert.All(flowEvents, x => { Assert.Equal(2, x.Packets); Assert.Equal((ushort)445, x.DstPort); });
        Assert.Equal(0, p.Verifiers.Sum(v => v.Stats.OrphanFragments));
        AssertSame(Run(frames, 1), Run(frames, 4));
    }

    [Fact]
    public void BothDirectionsOfAFlowShareAShard()
    {
        for (int i = 1; i < 50; i++)
        {
            var ab = Tcp(LgA, LgGw, "10.20.1.1", $"10.30.0.{i}", 40000, 25, Ack);
            var ba = Tcp(LgGw, LgA, $"10.30.0.{i}", "10.20.1.1", 25, 40000, Ack);
            Assert.Equal(ShardOf(ab, 3), ShardOf(ba, 3));
        }
    }

    [Fact]
    public void AFrameFindingSeenInSeveralShardsIsReportedOnceAsTheFirstFrame()
    {
        // one spoofing device talks to many peers: its flows hash to different shards
        var frames = new List<Frame>();
        long ts = Start;
        for (int i = 1; i <= 30; i++)
            frames.Add(new Frame(Tcp(Spoof, LgGw, "10.10.0.5", $"10.30.0.{i}", (ushort)(40000 + i), 445, Syn, 0, 110), ts += 1_000_000));
        Assert.True(frames.Select(f => ShardOf(f.Bytes, 4)).Distinct().Count() > 1);

        var (findings, _) = Run(frames, 4);
        var mb = Assert.Single(findings, f => f.Contains("Rule=mac-binding"));
        Assert.Contains("DstIp=10.30.0.1|", mb); // the first offending frame, as a single thread reports it
        AssertSame(Run(frames, 1), Run(frames, 4));
    }

    [Fact]
    public void AnUnclassifiedAddressInSeveralShardsIsReportedOnce()
    {
        var frames = new List<Frame>();
        long ts = Start;
        for (int i = 1; i <= 30; i++)
            frames.Add(new Frame(Udp(LgA, LgGw, "192.168.7.7", $"10.30.0.{i}", (ushort)(40000 + i), 53), ts += 3_000_000_000L));
        var (findings, _) = Run(frames, 4);
        Assert.Single(findings, f => f.Contains("Rule=unclassified-address"));
        AssertSame(Run(frames, 1), Run(frames, 4));
    }

    [Fact]
    public void TheUnclassifiedAddressIsCarriedByTheFlowASingleThreadJudgesFirst()
    {
        // A UDP flow expires at 60.2 s, before a TCP flow of the same unclassified address in another shard whose
        // idle timeout is passed by the same later clock: a single verifier judges the UDP flow first.
        var udp = Udp(LgA, LgGw, "192.168.7.7", "10.30.0.1", 40000, 53);
        string? other = null;
        for (int i = 2; i < 200 && other is null; i++)
            if (ShardOf(Tcp(LgA, LgGw, "192.168.7.7", $"10.30.0.{i}", 40001, 25, Ack), 2) != ShardOf(udp, 2)) other = $"10.30.0.{i}";
        Assert.NotNull(other);
        var tcp = Tcp(LgA, LgGw, "192.168.7.7", other!, 40001, 25, Ack);
        // the frame that passes the UDP flow's timeout goes to the TCP flow's shard, shortly after another frame
        byte[]? passer = null;
        for (int i = 1; i < 200 && passer is null; i++)
        {
            var b = Udp(LgA, LgGw, "10.20.1.1", $"10.30.9.{i}", 40002, 53);
            if (ShardOf(b, 2) != ShardOf(udp, 2)) passer = b;
        }
        var frames = new List<Frame>
        {
            new(udp, Start),
            new(tcp, Start + 500_000_000L),
            new(Udp(LgA, LgGw, "10.20.1.1", "10.30.8.1", 40002, 53), Start + 59_500_000_000L),
            new(passer!, Start + 60_200_000_000L),
            new(Udp(LgA, LgGw, "10.20.1.1", "10.30.8.2", 40003, 53), Start + 301_000_000_000L),
        };
        var one = Run(frames, 1);
        Assert.Contains(one.Findings, f => f.Contains("Rule=unclassified-address") && f.Contains("DstPort=53|"));
        AssertSame(one, Run(frames, 2));
    }

    [Fact]
    public void AFailingShardStopsTheRunWithItsError()
    {
        var sink = new ThrowingSink();
        using var p = new ParallelVerifier(Topology, sink, new VerifierOptions { EmitFlows = true }, 2, queueBytes: 4096);
        long ts = Start;
        var ex = Record.Exception(() =>
        {
            for (int i = 0; i < 100_000; i++)
            {
                var b = Udp(LgA, LgGw, "10.20.1.1", $"10.30.{i % 200}.{i % 250 + 1}", 40000, 53);
                p.Process(new CaptureRecord(b, ts += 120_000_000_000L, b.Length, LinkTypes.Ethernet, false, 0));
            }
            p.Complete();
        });
        Assert.IsType<InvalidOperationException>(ex);
    }

    private sealed class ThrowingSink : IFindingSink
    {
        public void Begin(RunInfo info) { }
        public void OnFinding(Finding finding) => throw new InvalidOperationException("sink failed");
        public void End(RunSummary summary) { }
        public void Dispose() { }
    }
}
