using SegVerify.Core.Decoding;
using SegVerify.Core.Engine;
using SegVerify.Core.Findings;
using SegVerify.Core.Net;
using SegVerify.Core.Output;
using SegVerify.Core.Topology;
using Xunit;
using static SegVerify.Core.Tests.Decoding.TunnelFrames;

namespace SegVerify.Core.Tests.Engine;

/// <summary>The engine on tunnelled frames: inner flows judged with their tunnel, outer flows judged too, frame checks.</summary>
public class TunnelVerifierTests
{
    internal const string Topo = """
        segverify: 1
        name: tunnel test
        model: alpha
        zones:
          mn:
            tier: mynumber
            segments: [{ cidr: 10.10.0.0/16, vlan: 110 }]
            registered_macs_only: true
            gateway_macs: [02:10:ff:ff:ff:01, 02:10:ff:ff:ff:02]
          lg:
            tier: lgwan
            segments: [{ cidr: 10.20.0.0/16, vlan: 120 }]
            gateway_macs: [02:20:ff:ff:ff:01]
          inet:
            tier: internet
            segments: [{ cidr: 10.30.0.0/16, vlan: 130 }]
        hosts:
          - { name: mn-term, zone: mn, ip: 10.10.1.11, mac: 02:10:00:01:00:11 }
          - { name: mn-relay, zone: mn, ip: 10.10.0.5, mac: 02:10:00:00:00:05 }
          - { name: mn-fs, zone: mn, ip: 10.10.0.20, mac: 02:10:00:00:00:20 }
          - { name: vtep1, zone: lg, ip: 10.20.0.11, mac: 02:20:00:00:00:11 }
          - { name: vtep2, zone: lg, ip: 10.20.0.12, mac: 02:20:00:00:00:12 }
        """;

    private const string MnTermMac = "02:10:00:01:00:11", MnGw = "02:10:ff:ff:ff:01", LgGw = "02:20:ff:ff:ff:01";
    private const string Vtep1Mac = "02:20:00:00:00:11", Vtep2Mac = "02:20:00:00:00:12";

    private static (Verifier V, RecordingSink S, Feeder F) Make()
    {
        var sink = new RecordingSink();
        var v = new Verifier(TopologyLoader.LoadFromText(Topo, "t.yaml"), sink, new VerifierOptions { EmitFlows = true });
        return (v, sink, new Feeder(v));
    }

    private static string Tunnels(OutputEvent f) => f.Tunnel is null ? "" : string.Join(" / ", f.Tunnel);

    private static byte[] GreFrame(byte[] innerIp, uint? key = null) =>
        Outer(Ip("10.10.0.1", "10.10.0.2", IpProto.Gre, Gre(0x0800, innerIp, key)), 110);

    private static byte[] VxlanFrame(uint vni, byte[] innerFrame, ushort sport = 50000) =>
        Ether(Vtep1Mac, Vtep2Mac, 0x0800, UdpIp("10.20.0.11", "10.20.0.12", sport, 4789, Vxlan(vni, innerFrame)), 120);

    [Fact]
    public void Dns_inside_gre_is_judged_and_carries_its_tunnel_and_the_outer_flow_is_judged_too()
    {
        var (v, s, f) = Make();
        f.Send(GreFrame(UdpIp("10.10.1.11", "1.1.1.1", 40000, 53, new byte[20])));
        f.Send(GreFrame(UdpIp("1.1.1.1", "10.10.1.11", 53, 40000, new byte[20])));
        v.Flush();
        var viol = Assert.Single(s.Findings);
        Assert.Equal("mynumber-internet", viol.Rule);
        Assert.Equal("10.10.1.11", viol.SrcIp.ToString());
        Assert.Equal((ushort)53, viol.DstPort);
        Assert.Null(viol.SrcMac);                  // an IP payload has no MAC: never the outer frame's
        Assert.Null(viol.Vlan);
        Assert.Equal("gre 10.10.0.1->10.10.0.2", Tunnels(viol));
        Assert.Equal(CommunityIdOfInner(), viol.CommunityId);
        Assert.Contains(",\"tunnel\":[{\"type\":\"gre\",\"src_ip\":\"10.10.0.1\",\"dst_ip\":\"10.10.0.2\"}],", Json(viol));
        var line = FindingFormat.Line(viol, "en");
        Assert.EndsWith(" via gre 10.10.0.1->10.10.0.2", line[..line.IndexOf(": ", StringComparison.Ordinal)]);
        var outer = Assert.Single(s.Flows, x => x.Protocol == IpProto.Gre);
        Assert.Equal("allowed", outer.Verdict);
        Assert.Null(outer.Tunnel);
        Assert.Equal((ushort)110, outer.Vlan);
        Assert.Equal(2, outer.Packets);
        var inner = Assert.Single(s.Flows, x => x.Protocol == IpProto.Udp);
        Assert.Equal("mynumber-internet", inner.Verdict);
        Assert.Equal(2, inner.Packets);
        Assert.Equal(2, v.Stats.Packets);          // a frame is counted once, however many packets it carries
        Assert.Equal(2, v.Stats.Flows);
    }

    private static string Json(OutputEvent e)
    {
        using var ms = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(ms))
        {
            if (e is Finding f) FindingJson.WriteObject(w, f, "en"); else FindingJson.WriteObject(w, (FlowEvent)e);
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static string CommunityIdOfInner() =>
        Core.Flows.CommunityId.Compute(IpAddr.Parse("10.10.1.11"), IpAddr.Parse("1.1.1.1"), IpProto.Udp, 40000, 53, true);

    [Fact]
    public void The_outer_flow_crossing_tiers_is_a_violation_of_its_own()
    {
        var (v, s, f) = Make();
        var inner = Tcp("10.20.1.11", "10.20.0.25", 40000, 25);
        f.Send(Ether(LgGw, "02:30:ff:ff:ff:01", 0x0800, Ip("10.20.0.2", "10.30.0.2", IpProto.Gre, Gre(0x0800, inner))));
        v.Flush();
        var viol = Assert.Single(s.Findings);
        Assert.Equal("lgwan-internet-separation", viol.Rule);
        Assert.Equal(IpProto.Gre, viol.Protocol);
        Assert.Null(viol.Tunnel);
        Assert.Contains(s.Flows, x => x.Protocol == IpProto.Tcp && x.Verdict == "allowed" && Tunnels(x) == "gre 10.20.0.2->10.30.0.2");
    }

    [Fact]
    public void Overlapping_inner_addresses_in_different_vnis_are_different_flows()
    {
        var (v, s, f) = Make();
        foreach (uint vni in new uint[] { 100, 200 })
        {
            f.Send(VxlanFrame(vni, Ether("02:20:00:00:00:aa", LgGw, 0x0800, Tcp("10.20.1.11", "10.20.0.60", 40000, 445))));
            f.Send(VxlanFrame(vni, Ether(LgGw, "02:20:00:00:00:aa", 0x0800, Tcp("10.20.0.60", "10.20.1.11", 445, 40000, TestFrames.Syn | TestFrames.Ack))));
        }
        v.Flush();
        var inner = s.Flows.Where(x => x.Protocol == IpProto.Tcp).ToList();
        Assert.Equal(2, inner.Count);
        Assert.All(inner, x => Assert.Equal(2, x.Packets));
        Assert.Equal(["vxlan 10.20.0.11->10.20.0.12 id 100", "vxlan 10.20.0.11->10.20.0.12 id 200"], inner.Select(Tunnels).Order());
        // the same VNI again joins its flow instead of opening a third
        Assert.Single(s.Flows, x => x.Protocol == IpProto.Udp); // one outer UDP flow (same ports)
    }

    [Fact]
    public void Frame_checks_apply_to_inner_ethernet_frames_with_their_tunnel()
    {
        var (v, s, f) = Make();
        // an unregistered device in the registered-only My Number zone, seen only inside VXLAN, on the wrong VLAN
        f.Send(VxlanFrame(7, Ether("02:10:00:00:00:77", MnGw, 0x0800, Tcp("10.10.3.3", "10.10.0.20", 40000, 445), 120)));
        v.Flush();
        var unreg = Assert.Single(s.Findings, x => x.Rule == "unregistered-device");
        Assert.Equal("02:10:00:00:00:77", unreg.SrcMac.ToString());
        Assert.Equal("vxlan 10.20.0.11->10.20.0.12 id 7", Tunnels(unreg));
        var vlan = Assert.Single(s.Findings, x => x.Rule == "vlan-mismatch");
        Assert.Equal((ushort)120, vlan.Vlan);
        Assert.Equal("vxlan 10.20.0.11->10.20.0.12 id 7", Tunnels(vlan));
        // the outer frame (a registered VTEP, right VLAN) gets none
        Assert.DoesNotContain(s.Findings, x => x.SrcMac?.ToString() == Vtep1Mac);
    }

    [Fact]
    public void An_inner_ip_packet_is_never_paired_with_the_outer_frames_mac()
    {
        var (v, s, f) = Make();
        // mn-fs (not a router) sends GRE; inside, mn-term's packet: pairing it with mn-fs's MAC would be a false mac-binding
        var inner = Tcp("10.10.1.11", "10.10.0.5", 40000, 443);
        f.Send(Ether("02:10:00:00:00:20", MnGw, 0x0800, Ip("10.10.0.20", "10.10.0.2", IpProto.Gre, Gre(0x0800, inner)), 110));
        v.Flush();
        Assert.DoesNotContain(s.Findings, x => x.Rule is "mac-binding" or "unregistered-device" or "vlan-mismatch");
    }

    [Fact]
    public void Inner_mac_binding_is_checked_against_the_inner_frame()
    {
        var (v, s, f) = Make();
        // mn-term's address from another MAC, inside a pseudowire
        var frame = Ether("02:10:00:00:00:05", MnGw, 0x0800, Tcp("10.10.1.11", "10.10.0.20", 40000, 445), 110);
        f.Send(Ether(MnGw, "02:10:ff:ff:ff:02", 0x8847, Mpls([2001, 3001], [.. ControlWord, .. frame])));
        v.Flush();
        var mb = Assert.Single(s.Findings, x => x.Rule == "mac-binding");
        Assert.Equal("02:10:00:00:00:05", mb.SrcMac.ToString());
        Assert.Equal("mpls id 3001", Tunnels(mb));
    }

    [Fact]
    public void A_cut_tunnel_header_is_counted_and_its_outer_flow_still_judged()
    {
        var (v, s, f) = Make();
        f.Send(Ether(LgGw, "02:30:ff:ff:ff:01", 0x0800, UdpIp("10.20.0.2", "10.30.0.2", 50000, 4789, [0x08, 0, 0])));
        v.Flush();
        var summary = new RunSummary();
        v.FillSummary(summary);
        Assert.Equal(1, summary.Undecoded["truncated-tunnel"]);
        var viol = Assert.Single(s.Findings);
        Assert.Equal("lgwan-internet-separation", viol.Rule);
        Assert.Equal((ushort)4789, viol.DstPort);
    }

    [Fact]
    public void Nine_encapsulations_count_tunnel_depth_and_judge_the_eight_opened()
    {
        var (v, s, f) = Make();
        var p = Tcp("10.10.1.11", "1.1.1.1", 40000, 443);
        for (int i = 0; i < 9; i++) p = Ip($"10.10.{i}.1", $"10.10.{i}.2", IpProto.IpInIp, p);
        f.Send(Outer(p, 110));
        v.Flush();
        var summary = new RunSummary();
        v.FillSummary(summary);
        Assert.Equal(1, summary.Undecoded["tunnel-depth"]);
        Assert.Equal(1, v.Stats.Packets);
        // the outer IP-in-IP packet and the eight inside it, each with its own addresses: 9 flows
        var flows = s.Flows.ToList();
        Assert.Equal(9, flows.Count);
        Assert.Equal(Enumerable.Range(0, 9), flows.Select(x => x.Tunnel?.Count ?? 0).Order());
        Assert.DoesNotContain(s.Findings, x => x.Protocol == IpProto.Tcp);  // the TCP packet is beyond the limit
    }

    [Fact]
    public void A_flows_tunnel_stack_is_shared_and_released_with_its_last_flow()
    {
        var (v, s, f) = Make();
        for (ushort port = 1; port <= 20; port++)
            f.Send(GreFrame(Tcp("10.10.1.11", "10.10.0.20", port, 445), key: 9));
        v.Flush();
        var inner = s.Flows.Where(x => x.Protocol == IpProto.Tcp).ToList();
        Assert.Equal(20, inner.Count);
        Assert.All(inner, x => Assert.Same(inner[0].Tunnel, x.Tunnel));
        Assert.Equal("gre 10.10.0.1->10.10.0.2 id 9", Tunnels(inner[0]));
    }
}
