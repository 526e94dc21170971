using System.Buffers.Binary;
using SegVerify.Core.Capture;
using SegVerify.Core.Engine;
using SegVerify.Core.Evidence;
using SegVerify.Core.Flows;
using SegVerify.Core.Net;
using SegVerify.Core.Output;
using SegVerify.Core.Topology;
using Xunit;
using static SegVerify.Core.Tests.Decoding.TunnelFrames;

namespace SegVerify.Core.Tests.Engine;

/// <summary>
/// Tunnels carried in fragmented datagrams (a GRE, ERSPAN or VXLAN session over a link with a smaller MTU): the packet
/// inside is opened once its datagram is whole, wherever the fragment boundaries fall (even inside the inner headers),
/// in whatever order the fragments come; an incomplete one is opened as far as it goes when it expires or the input
/// ends. Each case runs record by record (<see cref="Verifier.Process"/>) and through the decode-ahead loop
/// (<see cref="Verifier.ProcessAll"/>), which must agree.
/// </summary>
public class TunnelFragmentTests
{
    private const string GreSrc = "10.10.0.1", GreDst = "10.10.0.2";
    private const string Vtep1Mac = "02:20:00:00:00:11", Vtep2Mac = "02:20:00:00:00:12";
    private const string MnTermMac = "02:10:00:01:00:11", MnGw = "02:10:ff:ff:ff:01";
    private const long Start = 1_767_225_600_000_000_000L;

    /// <summary>The frames of one datagram cut at <paramref name="cuts"/> (payload offsets, multiples of 8).</summary>
    private static List<byte[]> Fragments(string src, string dst, byte proto, byte[] payload, ushort id, params int[] cuts)
    {
        var bounds = new List<int> { 0 };
        bounds.AddRange(cuts);
        bounds.Add(payload.Length);
        var frames = new List<byte[]>();
        for (int i = 0; i + 1 < bounds.Count; i++)
        {
            var part = payload[bounds[i]..bounds[i + 1]];
            bool more = i + 2 < bounds.Count;
            byte[] ip;
            if (src.Contains(':'))
            {
                var fh = new byte[8];
                fh[0] = proto;
                BinaryPrimitives.WriteUInt16BigEndian(fh.AsSpan(2), (ushort)(bounds[i] | (more ? 1 : 0)));
                BinaryPrimitives.WriteUInt32BigEndian(fh.AsSpan(4), id);
                ip = [.. TestFrames.Ipv6Header(src, dst, IpProto.Ipv6Frag, 8 + part.Length), .. fh, .. part];
            }
            else ip = [.. TestFrames.Ipv4Header(src, dst, proto, part.Length, id, bounds[i], more), .. part];
            frames.Add(Outer(ip, 110));
        }
        return frames;
    }

    private static byte[] InnerHttps(int payload = 200) =>
        Ip("10.10.1.11", "1.1.1.1", IpProto.Tcp, TestFrames.L4Tcp(40000, 443, TestFrames.Syn, payload));

    private sealed record Result(RecordingSink Sink, VerifierStats Stats);

    private static Result Run(IReadOnlyList<byte[]> frames, bool ahead, double gapSeconds = 0.001)
    {
        var sink = new RecordingSink();
        var v = new Verifier(TopologyLoader.LoadFromText(TunnelVerifierTests.Topo, "t.yaml"), sink, new VerifierOptions { EmitFlows = true });
        if (ahead)
        {
            using var reader = CaptureOpener.Open(new MemoryStream(Pcap(frames, gapSeconds)), "frags.pcap");
            v.ProcessAll(reader);
        }
        else
        {
            var f = new Feeder(v, Start);
            foreach (var fr in frames) f.Send(fr, gapSeconds);
        }
        v.Flush();
        return new Result(sink, v.Stats);
    }

    /// <summary>Both ways of processing, which must give the same findings, flows and counters.</summary>
    private static Result RunBoth(IReadOnlyList<byte[]> frames, double gapSeconds = 0.001)
    {
        var one = Run(frames, ahead: false, gapSeconds);
        var all = Run(frames, ahead: true, gapSeconds);
        Assert.Equal(Describe(one), Describe(all));
        return one;
    }

    private static string Describe(Result r) =>
        string.Join("\n", r.Sink.Findings.Select(f => $"{f.Rule} {f.SrcIp}:{f.SrcPort}>{f.DstIp}:{f.DstPort} {string.Join("/", f.Tunnel ?? [])}")) + "\n" +
        string.Join("\n", r.Sink.Flows.Select(f => $"{f.Protocol} {f.SrcIp}>{f.DstIp} {f.Verdict} {f.Packets} {f.Bytes}")) + "\n" +
        $"{r.Stats.Packets} {r.Stats.FlowPackets} {r.Stats.NonIp} {string.Join(",", r.Stats.Undecoded)} {r.Stats.OrphanFragments}";

    private static byte[] Pcap(IReadOnlyList<byte[]> frames, double gapSeconds)
    {
        var ms = new MemoryStream();
        using (var w = new PcapFileWriter(ms, LinkTypes.Ethernet, nanosecondResolution: true, snaplen: 262144))
        {
            long t = Start;
            foreach (var f in frames)
            {
                t += (long)(gapSeconds * 1e9);
                w.Write(f, f.Length, t);
            }
        }
        return ms.ToArray();
    }

    [Theory]
    [InlineData(96)]  // the inner headers fit the first fragment
    [InlineData(16)]  // GRE + 12 bytes of the inner IPv4 header: the boundary cuts the inner header
    [InlineData(8)]   // GRE + 4 bytes
    public void A_gre_tunnel_fragmented_anywhere_has_its_inner_flow_judged_once(int cut)
    {
        var frames = Fragments(GreSrc, GreDst, IpProto.Gre, Gre(0x0800, InnerHttps()), 9, cut);
        foreach (var order in new[] { frames, [frames[1], frames[0]] })
        {
            var r = RunBoth(order);
            var viol = Assert.Single(r.Sink.Findings);
            Assert.Equal("mynumber-internet", viol.Rule);
            Assert.Equal("10.10.1.11", viol.SrcIp.ToString());
            Assert.Equal((ushort)443, viol.DstPort);
            Assert.Equal("gre 10.10.0.1->10.10.0.2", string.Join(" / ", viol.Tunnel!));
            var inner = Assert.Single(r.Sink.Flows, f => f.Protocol == IpProto.Tcp);
            Assert.Equal(1, inner.Packets);                                    // one inner packet, not one per fragment
            Assert.Equal(frames.Sum(f => f.Length), inner.Bytes);              // the frames that carried it
            var outer = Assert.Single(r.Sink.Flows, f => f.Protocol == IpProto.Gre);
            Assert.Equal(2, outer.Packets);                                    // each fragment in the outer flow
            Assert.Equal(2, r.Stats.Packets);
            Assert.Equal(2, r.Stats.FlowPackets);                              // the accounting is unchanged
            Assert.All(r.Stats.Undecoded, n => Assert.Equal(0, n));
        }
    }

    [Fact]
    public void Three_fragments_in_any_order_make_one_inner_packet()
    {
        var frames = Fragments(GreSrc, GreDst, IpProto.Gre, Gre(0x0800, InnerHttps(600)), 10, 8, 320);
        int[][] orders = [[0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]];
        foreach (var o in orders)
        {
            var r = RunBoth(o.Select(i => frames[i]).ToList());
            Assert.Equal("mynumber-internet", Assert.Single(r.Sink.Findings).Rule);
            Assert.Equal(1, Assert.Single(r.Sink.Flows, f => f.Protocol == IpProto.Tcp).Packets);
            Assert.Equal(3, r.Stats.FlowPackets);
            Assert.Equal(0, r.Stats.OrphanFragments);
        }
    }

    [Fact]
    public void Vxlan_fragmented_inside_its_own_header_is_opened_with_the_inner_frame_checks()
    {
        // The inner frame comes from an unregistered MAC: the frame check must run on the reassembled inner Ethernet.
        var inner = Ether("02:10:00:09:09:09", MnGw, 0x0800, InnerHttps());
        var udp = Udp(50000, 4789, Vxlan(7001, inner));
        foreach (var cut in new[] { 8, 16, 24 }) // UDP only; UDP + VXLAN; + 8 bytes of the inner Ethernet header
        {
            var frames = Fragments("10.20.0.11", "10.20.0.12", IpProto.Udp, udp, 77, cut);
            var r = RunBoth(frames);
            Assert.Contains(r.Sink.Findings, f => f.Rule == "mynumber-internet" && f.DstPort == 443 &&
                string.Join(" / ", f.Tunnel!) == "vxlan 10.20.0.11->10.20.0.12 id 7001");
            Assert.Contains(r.Sink.Findings, f => f.Rule == "unregistered-device" && f.SrcMac!.ToString() == "02:10:00:09:09:09");
            Assert.Equal(2, r.Stats.FlowPackets);
        }
    }

    [Fact]
    public void An_ipv6_carrier_with_a_fragment_header_is_reassembled()
    {
        var frames = Fragments("2001:db8::1", "2001:db8::2", IpProto.Gre, Gre(0x0800, InnerHttps()), 0xABCD, 16);
        var r = RunBoth(frames);
        var viol = Assert.Single(r.Sink.Findings);
        Assert.Equal("mynumber-internet", viol.Rule);
        Assert.Equal("gre 2001:db8::1->2001:db8::2", string.Join(" / ", viol.Tunnel!));
    }

    [Fact]
    public void A_datagram_whose_last_fragment_never_comes_is_opened_as_far_as_it_goes()
    {
        // First fragment only, with the whole inner IPv4 and TCP headers: at the end of input the inner flow is judged.
        var frames = Fragments(GreSrc, GreDst, IpProto.Gre, Gre(0x0800, InnerHttps()), 11, 48);
        var r = RunBoth([frames[0]]);
        Assert.Equal("mynumber-internet", Assert.Single(r.Sink.Findings).Rule);
        // And after 30 s without the rest, before the input ends: opened then, at that time.
        var late = Fragments(GreSrc, GreDst, IpProto.Udp, UdpIp("10.10.0.9", "10.10.0.8", 1000, 2000, new byte[40]), 12, 0);
        var r2 = RunBoth([frames[0], late[0]], gapSeconds: 31);
        Assert.Equal("mynumber-internet", Assert.Single(r2.Sink.Findings).Rule);
    }

    [Fact]
    public void Ordinary_fragmented_udp_is_left_to_the_fragment_table()
    {
        // A large DNS answer in two fragments: one flow, both fragments in it, nothing else.
        var dns = Udp(53, 40000, new byte[400]);
        var frames = Fragments("10.10.0.20", "10.10.1.11", IpProto.Udp, dns, 13, 200);
        var r = RunBoth(frames);
        var flow = Assert.Single(r.Sink.Flows);
        Assert.Equal(2, flow.Packets);
        Assert.Empty(r.Sink.Findings);
    }

    [Fact]
    public void The_reassembly_table_is_bounded_and_what_it_pushes_out_is_still_opened()
    {
        // 400 datagrams open at once (their last fragments never come); each first fragment holds a whole inner packet.
        var frames = new List<byte[]>();
        for (int i = 0; i < 400; i++)
            frames.Add(Fragments(GreSrc, GreDst, IpProto.Gre,
                Gre(0x0800, Ip("10.10.1.11", "1.1.1.1", IpProto.Tcp, TestFrames.L4Tcp((ushort)(20000 + i), 443, TestFrames.Syn, 100))), (ushort)(100 + i), 48)[0]);
        var r = RunBoth(frames);
        Assert.Equal(400, r.Sink.Flows.Count(f => f.Protocol == IpProto.Tcp)); // every inner flow, evicted or flushed
        Assert.Equal(400, r.Sink.Findings.Count(f => f.Rule == "mynumber-internet"));
        Assert.True(CarrierReassembler.MaxDatagrams < 400);
    }
}
