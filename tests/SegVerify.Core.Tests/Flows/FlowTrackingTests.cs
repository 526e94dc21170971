using SegVerify.Core.Engine;
using SegVerify.Core.Findings;
using SegVerify.Core.Flows;
using SegVerify.Core.Net;
using SegVerify.Core.Output;
using SegVerify.Core.Tests.Engine;
using SegVerify.Core.Topology;
using Xunit;
using static SegVerify.Core.Tests.Engine.TestFrames;

namespace SegVerify.Core.Tests.Flows;

/// <summary>
/// The spec's "Fragments, time and Community ID": fragments of every protocol in their flow, orphan fragments, the
/// clock that never runs backwards, the TCP close linger, ICMP flows keyed by the Community ID pairing, and the
/// accounting identity packets = flow packets + undecoded + non_ip.
/// </summary>
public class FlowTrackingTests
{
    private const string Topo = """
        segverify: 1
        name: flows
        model: alpha
        zones:
          lg:
            tier: lgwan
            segments: [{ cidr: 10.20.0.0/16 }, { cidr: "fd00:20::/64" }]
          inet:
            tier: internet
            segments: [{ cidr: 10.30.0.0/16 }, { cidr: "2001:db8:30::/64" }]
        """;

    private const string MacA = "02:20:00:00:00:0a", MacB = "02:30:00:00:00:0b";
    private const string A = "10.20.1.1", B = "10.30.0.9";
    private const byte EspProto = 50;

    private static (Verifier V, RecordingSink S, Feeder F) Make()
    {
        var topo = TopologyLoader.LoadFromText(Topo, "flows.yaml");
        var sink = new RecordingSink();
        var v = new Verifier(topo, sink, new VerifierOptions { EmitFlows = true });
        return (v, sink, new Feeder(v));
    }

    private static List<FlowEvent> Flows(RecordingSink s) => s.Flows;

    private static RunSummary Finish(Verifier v)
    {
        var summary = new RunSummary();
        v.Finish(summary);
        return summary;
    }

    /// <summary>packets = packets in flows + undecoded + non_ip, on the verifier's own counters and on its output.</summary>
    private static void AssertAccounted(Verifier v, RecordingSink s, RunSummary summary)
    {
        long inFlows = Flows(s).Sum(x => x.Packets ?? 0);
        Assert.Equal(summary.Packets, inFlows + summary.Undecoded.Values.Sum() + (summary.NonIp ?? 0));
        Assert.Equal(v.Stats.FlowPackets, inFlows);
    }

    [Fact]
    public void LaterFragmentsOfAnyProtocolJoinTheFlowOfTheFirst()
    {
        var (v, s, f) = Make();
        var esp = new byte[48];
        f.Send(Ipv4Fragment(MacA, MacB, A, B, EspProto, 5, 0, true, esp[..24]));
        f.Send(Ipv4Fragment(MacA, MacB, A, B, EspProto, 5, 24, false, esp[24..]));
        var icmp = new byte[40];
        icmp[0] = 8; icmp[4] = 0x12; icmp[5] = 0x34;
        f.Send(Ipv4Fragment(MacA, MacB, A, B, IpProto.Icmp, 6, 0, true, icmp[..16]));
        f.Send(Ipv4Fragment(MacA, MacB, A, B, IpProto.Icmp, 6, 16, true, icmp[16..32]));
        f.Send(Ipv4Fragment(MacA, MacB, A, B, IpProto.Icmp, 6, 32, false, icmp[32..]));
        var summary = Finish(v);

        var flows = Flows(s);
        Assert.Equal(2, flows.Count);
        var g = Assert.Single(flows, x => x.Protocol == EspProto);
        Assert.Equal(2, g.Packets);
        var e = Assert.Single(flows, x => x.Protocol == IpProto.Icmp);
        Assert.Equal(3, e.Packets);
        Assert.Equal(CommunityId.ComputeIcmp(IpAddr.Parse(A), IpAddr.Parse(B), IpProto.Icmp, 8, 0), e.CommunityId);
        Assert.Empty(summary.Undecoded);
        AssertAccounted(v, s, summary);
    }

    [Fact]
    public void LaterFragmentsBeforeTheirFirstJoinItWhenItComes()
    {
        var (v, s, f) = Make();
        var udp = new byte[8 + 40];
        udp[0] = 0x9c; udp[1] = 0x40; udp[3] = 53; // 40000 -> 53
        long firstSeen = f.Now + 1_000_000;
        f.Send(Ipv4Fragment(MacA, MacB, A, B, IpProto.Udp, 9, 32, false, udp[32..]));
        f.Send(Ipv4Fragment(MacA, MacB, A, B, IpProto.Udp, 9, 16, true, udp[16..32]), afterSeconds: 10);
        f.Send(Ipv4Fragment(MacA, MacB, A, B, IpProto.Udp, 9, 0, true, udp[..16]), afterSeconds: 10);
        var summary = Finish(v);

        var flow = Assert.Single(Flows(s));
        Assert.Equal(3, flow.Packets);
        Assert.Equal((ushort)53, flow.DstPort);
        Assert.Equal(firstSeen, flow.TimestampNs); // the flow began with the first fragment to arrive
        Assert.Equal(0, v.Stats.OrphanFragments);
        AssertAccounted(v, s, summary);
    }

    [Fact]
    public void LaterFragmentsWhoseFirstNeverComesAreOrphansAfter30Seconds()
    {
        var (v, s, f) = Make();
        var tail = new byte[24];
        f.Send(Ipv4Fragment(MacA, MacB, A, B, IpProto.Udp, 11, 24, true, tail));
        f.Send(Ipv4Fragment(MacA, MacB, A, B, IpProto.Udp, 11, 48, false, tail));
        // the first fragment comes 31 s later: too late, the two are orphans and it opens its flow alone
        var head = new byte[24];
        head[3] = 53;
        f.Send(Ipv4Fragment(MacA, MacB, A, B, IpProto.Udp, 11, 0, true, head), afterSeconds: 31);
        Assert.Equal(2, v.Stats.OrphanFragments);
        // and one that never gets its first fragment is an orphan at the end of input
        f.Send(Ipv4Fragment(MacA, MacB, A, B, IpProto.Tcp, 12, 24, false, tail));
        var summary = Finish(v);

        Assert.Equal(3, summary.Undecoded[Verifier.OrphanFragment]);
        var flow = Assert.Single(Flows(s));
        Assert.Equal(1, flow.Packets);
        AssertAccounted(v, s, summary);
    }

    [Fact]
    public void HeldFragmentsAreBounded()
    {
        var (v, s, f) = Make();
        var tail = new byte[16];
        int n = FragmentTable.MaxDatagrams + 10;
        for (int i = 0; i < n; i++)
            f.Send(Ipv4Fragment(MacA, MacB, i < 65536 ? A : "10.20.1.2", B, IpProto.Udp, (ushort)i, 16, false, tail), afterSeconds: 0);
        // the table holds MaxDatagrams datagrams: each one more makes the oldest an orphan at once
        Assert.Equal(10, v.Stats.OrphanFragments);
        var summary = Finish(v);
        Assert.Equal(n, summary.Undecoded[Verifier.OrphanFragment]);
        AssertAccounted(v, s, summary);
    }

    [Fact]
    public void PortsComeFromTheFirstFourBytesOfACutTransportHeader()
    {
        var (v, s, f) = Make();
        f.Send(Ip(MacA, MacB, A, B, IpProto.Tcp, [0x9c, 0x40, 0x01, 0xbb, 0, 0])); // 40000 -> 443, 6 of 20 bytes
        f.Send(Ip(MacA, MacB, A, B, IpProto.Udp, [0x9c, 0x41, 0x00, 0x35]));       // 40001 -> 53, 4 of 8 bytes
        f.Send(Ip(MacA, MacB, A, B, IpProto.Udp, [0x9c, 0x42, 0x00]));             // 3 bytes: no ports
        var summary = Finish(v);

        var flows = Flows(s);
        Assert.Equal(3, flows.Count);
        var tcp = Assert.Single(flows, x => x.Protocol == IpProto.Tcp);
        Assert.Equal((ushort)443, tcp.DstPort);
        Assert.Equal(CommunityId.Compute(IpAddr.Parse(A), IpAddr.Parse(B), IpProto.Tcp, 40000, 443, true), tcp.CommunityId);
        var dns = Assert.Single(flows, x => x.DstPort == 53);
        Assert.Equal((ushort)40001, dns.SrcPort);
        var portless = Assert.Single(flows, x => x.Protocol == IpProto.Udp && x.DstPort is null);
        Assert.Equal(CommunityId.ForAddresses(IpAddr.Parse(A), IpAddr.Parse(B), IpProto.Udp), portless.CommunityId);
        // the cut frames are counted in undecoded by reason, not in their flows' packets
        Assert.Equal(1, summary.Undecoded["truncated-tcp-header"]);
        Assert.Equal(2, summary.Undecoded["truncated-udp-header"]);
        Assert.All(flows, x => Assert.Equal(0, x.Packets));
        AssertAccounted(v, s, summary);
    }

    [Fact]
    public void AnEarlierTimestampNeitherShortensNorSplitsAFlow()
    {
        var (v, s, f) = Make();
        f.Send(Udp(MacA, MacB, A, B, 40000, 53));
        f.Send(Udp(MacA, MacB, A, B, 40000, 53), afterSeconds: 50);
        f.Send(Udp(MacB, MacA, B, A, 53, 40000), afterSeconds: -45); // a record 45 s in the past
        f.Send(Udp(MacA, MacB, A, B, 40000, 53), afterSeconds: 50);  // 55 s after the latest time seen: same flow
        var summary = Finish(v);

        var flow = Assert.Single(Flows(s));
        Assert.Equal(4, flow.Packets);
        AssertAccounted(v, s, summary);
    }

    [Fact]
    public void AClosedConnectionLingersFiveSecondsAndANewSynStartsANewFlow()
    {
        var (v, s, f) = Make();
        f.Send(Tcp(MacA, MacB, A, B, 40000, 443, Syn));
        f.Send(Tcp(MacB, MacA, B, A, 443, 40000, Syn | Ack));
        f.Send(Tcp(MacA, MacB, A, B, 40000, 443, Fin | Ack));
        f.Send(Tcp(MacB, MacA, B, A, 443, 40000, Fin | Ack));
        f.Send(Tcp(MacB, MacA, B, A, 443, 40000, Fin | Ack), afterSeconds: 3); // retransmitted FIN
        f.Send(Tcp(MacA, MacB, A, B, 40000, 443, Ack), afterSeconds: 1.5);     // last ACK, 4.5 s after the close
        Assert.Empty(Flows(s));
        f.Send(Tcp(MacA, MacB, A, B, 40000, 443, Syn), afterSeconds: 0.1);     // a new connection on the same ports
        Assert.Equal(6, Assert.Single(Flows(s)).Packets);
        f.Send(Tcp(MacB, MacA, B, A, 443, 40000, Syn | Ack));
        var summary = Finish(v);

        var flows = Flows(s);
        Assert.Equal(2, flows.Count);
        Assert.Equal(2, flows[1].Packets);
        Assert.Equal("observed", flows[1].Direction);
        AssertAccounted(v, s, summary);
    }

    [Fact]
    public void AReplySeenFirstIsInTheFlowOfItsRequestWithTheRequestersId()
    {
        var (v, s, f) = Make();
        f.Send(Icmp(MacB, MacA, B, A, 0, 0, 7)); // echo reply first
        f.Send(Icmp(MacA, MacB, A, B, 8, 0, 7));
        f.Send(Icmp(MacB, MacA, B, A, 0, 0, 7));
        f.Send(Icmp(MacA, MacB, A, B, 8, 0, 8)); // another identifier: another flow
        var summary = Finish(v);

        var flows = Flows(s);
        Assert.Equal(2, flows.Count);
        var first = Assert.Single(flows, x => x.Packets == 3);
        Assert.Equal(A, first.SrcIp.ToString()); // the request's sender is the initiator
        Assert.Equal("inferred", first.Direction);
        string id = CommunityId.ComputeIcmp(IpAddr.Parse(A), IpAddr.Parse(B), IpProto.Icmp, 8, 0);
        Assert.All(flows, x => Assert.Equal(id, x.CommunityId));
        Assert.Equal(id, CommunityId.ComputeIcmp(IpAddr.Parse(B), IpAddr.Parse(A), IpProto.Icmp, 0, 0));
        AssertAccounted(v, s, summary);
    }

    [Theory]
    [InlineData(139, 140)] // ICMPv6 node information query / response
    [InlineData(135, 136)] // neighbour solicitation / advertisement
    [InlineData(130, 131)] // MLD query / report
    public void Icmpv6PairsShareAFlow(byte request, byte reply)
    {
        var (v, s, f) = Make();
        const string a = "fd00:20::5", b = "2001:db8:30::9";
        f.Send(Icmp(MacA, MacB, a, b, request, 0, 0));
        f.Send(Icmp(MacB, MacA, b, a, reply, 0, 0));
        var summary = Finish(v);

        var flow = Assert.Single(Flows(s));
        Assert.Equal(2, flow.Packets);
        Assert.Equal(CommunityId.ComputeIcmp(IpAddr.Parse(b), IpAddr.Parse(a), IpProto.IcmpV6, reply, 0), flow.CommunityId);
        AssertAccounted(v, s, summary);
    }

    [Fact]
    public void OneWayIcmpTypesAreFlowsOfTheirSenderByTypeAndCode()
    {
        var (v, s, f) = Make();
        f.Send(Icmp(MacA, MacB, A, B, 3, 3, 0)); // port unreachable both ways: two flows, two ids
        f.Send(Icmp(MacB, MacA, B, A, 3, 3, 0));
        f.Send(Icmp(MacA, MacB, A, B, 3, 3, 0));
        f.Send(Icmp(MacA, MacB, A, B, 3, 1, 0)); // another code: another flow
        f.Send(Icmp(MacA, MacB, A, B, 11, 0, 0)); // time exceeded
        var summary = Finish(v);

        var flows = Flows(s);
        Assert.Equal(4, flows.Count);
        var ab = Assert.Single(flows, x => x.Packets == 2);
        Assert.Equal(A, ab.SrcIp.ToString());
        Assert.Equal(CommunityId.ComputeIcmp(IpAddr.Parse(A), IpAddr.Parse(B), IpProto.Icmp, 3, 3), ab.CommunityId);
        var ba = Assert.Single(flows, x => x.SrcIp.ToString() == B);
        Assert.Equal(CommunityId.ComputeIcmp(IpAddr.Parse(B), IpAddr.Parse(A), IpProto.Icmp, 3, 3), ba.CommunityId);
        Assert.NotEqual(ab.CommunityId, ba.CommunityId);
        Assert.Equal(4, flows.Select(x => x.CommunityId).Distinct().Count());
        AssertAccounted(v, s, summary);
    }

    [Fact]
    public void AnIcmpHeaderUnderFourBytesHashesAddressesAndProtocolOnly()
    {
        var (v, s, f) = Make();
        f.Send(Ip(MacA, MacB, A, B, IpProto.Icmp, [3, 3]));
        f.Send(Ip(MacB, MacA, B, A, IpProto.Icmp, [8]));
        var summary = Finish(v);

        var flow = Assert.Single(Flows(s));
        Assert.Equal(CommunityId.ForAddresses(IpAddr.Parse(A), IpAddr.Parse(B), IpProto.Icmp), flow.CommunityId);
        Assert.Equal(2, summary.Undecoded["truncated-icmp-header"]);
        AssertAccounted(v, s, summary);
    }

    [Fact]
    public void NonIpFramesAreCountedAsSuch()
    {
        var (v, s, f) = Make();
        f.Send(Arp(MacA, A, "10.20.0.1"));
        f.Send(Udp(MacA, MacB, A, B, 40000, 53));
        var summary = Finish(v);
        Assert.Equal(1, summary.NonIp);
        Assert.Equal(2, summary.Packets);
        AssertAccounted(v, s, summary);
    }

    [Fact]
    public void EveryFlowEventAndFlowFindingCarriesTs()
    {
        var topo = TopologyLoader.LoadFromText(Topo, "flows.yaml");
        var sink = new RecordingSink();
        var v = new Verifier(topo, sink, new VerifierOptions { EmitFlows = true });
        var frame = Udp(MacA, MacB, A, B, 40000, 53);
        v.Process(new SegVerify.Core.Capture.CaptureRecord(frame, 0, frame.Length, SegVerify.Core.Capture.LinkTypes.Ethernet, false, 0));
        v.Flush();
        // the flow and its lgwan-internet-separation
        Assert.Single(sink.Flows);
        Assert.Single(sink.Findings);
        foreach (var x in sink.Flows.Concat<OutputEvent>(sink.Findings))
        {
            Assert.True(x.HasTimestamp);
            using var ms = new MemoryStream();
            using (var w = new System.Text.Json.Utf8JsonWriter(ms))
            {
                if (x is Finding f) FindingJson.WriteObject(w, f, "en"); else FindingJson.WriteObject(w, (FlowEvent)x);
            }
            Assert.Contains("\"ts\":\"1970-01-01T00:00:00.000000Z\"", System.Text.Encoding.UTF8.GetString(ms.ToArray()));
        }
    }
}
