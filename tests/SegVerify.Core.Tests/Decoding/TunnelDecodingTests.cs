using SegVerify.Core.Capture;
using SegVerify.Core.Decoding;
using SegVerify.Core.Net;
using Xunit;
using static SegVerify.Core.Tests.Decoding.TunnelFrames;

namespace SegVerify.Core.Tests.Decoding;

/// <summary>Every encapsulation of the spec's "Encapsulated traffic", built from bytes: the outer packet, the carried one, the stack.</summary>
public class TunnelDecodingTests
{
    private const string InnerSrc = "10.10.1.11", InnerDst = "1.1.1.1";
    private const string InnerMac = "02:10:00:01:00:11", InnerGw = "02:10:ff:ff:ff:09";

    private sealed class Decoded(byte[] frame)
    {
        public readonly byte[] Frame = frame;
        public DecodedPacket Outer;
        public DecodedPacket Inner;
        public TunnelStack Stack;
        public bool Opened;
    }

    /// <summary>Decodes the outer packet and, when it carries one, the packet inside.</summary>
    private static Decoded Decode(byte[] frame, int linkType = LinkTypes.Ethernet)
    {
        var d = new Decoded(frame);
        FrameDecoder.Decode(linkType, frame, ref d.Outer);
        d.Inner = d.Outer;
        d.Opened = FrameDecoder.DecodeInner(frame, ref d.Inner, ref d.Stack);
        return d;
    }

    private static byte[] InnerTcp => Tcp(InnerSrc, InnerDst, 40000, 443);
    private static byte[] InnerFrame(params ushort[] vlans) => Ether(InnerMac, InnerGw, 0x0800, InnerTcp, vlans);

    private static void AssertInnerTcp(in DecodedPacket p, int depth = 1)
    {
        Assert.Equal(PacketKind.Ip, p.Kind);
        Assert.Equal(UndecodedReason.None, p.Undecoded);
        Assert.Equal(IpAddr.Parse(InnerSrc), p.SrcIp);
        Assert.Equal(IpAddr.Parse(InnerDst), p.DstIp);
        Assert.Equal(IpProto.Tcp, p.Protocol);
        Assert.Equal(40000, p.SrcPort);
        Assert.Equal(443, p.DstPort);
        Assert.Equal(depth, p.TunnelDepth);
    }

    private static void AssertHop(in TunnelHop h, TunnelType type, string? src, string? dst, uint? id)
    {
        Assert.Equal(type, h.Type);
        Assert.Equal(src is not null, h.HasAddresses);
        if (src is not null)
        {
            Assert.Equal(IpAddr.Parse(src), h.Src);
            Assert.Equal(IpAddr.Parse(dst!), h.Dst);
        }
        Assert.Equal(id is not null, h.HasId);
        if (id is { } i) Assert.Equal(i, h.Id);
    }

    [Fact]
    public void Gre_without_key_carrying_ipv4()
    {
        var d = Decode(Outer(Ip("10.10.0.1", "10.10.0.2", IpProto.Gre, Gre(0x0800, InnerTcp)), 110));
        Assert.Equal(PacketKind.Ip, d.Outer.Kind);
        Assert.Equal(IpProto.Gre, d.Outer.Protocol);
        Assert.False(d.Outer.HasPorts);
        Assert.Equal(TunnelType.Gre, d.Outer.NextTunnel);
        Assert.True(d.Opened);
        AssertInnerTcp(in d.Inner);
        Assert.False(d.Inner.HasMac);                 // an IP payload has no Ethernet header of its own
        Assert.Equal(0, d.Inner.VlanCount);           // nor the outer frame's tag
        Assert.Equal(0UL, d.Inner.VirtualNetwork);
        AssertHop(in d.Stack[0], TunnelType.Gre, "10.10.0.1", "10.10.0.2", null);
        Assert.False(FrameDecoder.DecodeInner(d.Frame, ref d.Inner, ref d.Stack)); // nothing more inside
    }

    [Fact]
    public void Gre_with_checksum_key_and_sequence_carrying_ipv6_over_ipv6()
    {
        var inner = Tcp("fd00::1", "2001:db8::2", 40000, 443);
        var d = Decode(Outer(Ip("fd00:1::1", "fd00:1::2", IpProto.Gre, Gre(0x86DD, inner, key: 77, sequence: 9, checksum: true))));
        Assert.True(d.Opened);
        Assert.Equal(6, d.Inner.IpVersion);
        Assert.Equal(IpAddr.Parse("2001:db8::2"), d.Inner.DstIp);
        Assert.Equal(443, d.Inner.DstPort);
        AssertHop(in d.Stack[0], TunnelType.Gre, "fd00:1::1", "fd00:1::2", 77);
        Assert.Equal(TunnelStack.VirtualNetworkOf(TunnelType.Gre, 77), d.Inner.VirtualNetwork);
    }

    [Fact]
    public void Gre_transparent_ethernet_bridging_carries_a_frame_with_its_own_macs_and_tag()
    {
        var d = Decode(Outer(Ip("10.10.0.1", "10.10.0.2", IpProto.Gre, Gre(0x6558, InnerFrame(110), key: 5))));
        AssertInnerTcp(in d.Inner);
        Assert.True(d.Inner.HasMac);
        Assert.Equal(MacAddr.Parse(InnerMac), d.Inner.SrcMac);
        Assert.Equal(1, d.Inner.VlanCount);
        Assert.Equal(110, d.Inner.OuterVlan);
        AssertHop(in d.Stack[0], TunnelType.Gre, "10.10.0.1", "10.10.0.2", 5);
    }

    [Fact]
    public void Erspan_type_I_has_no_header_when_gre_has_no_sequence_number()
    {
        var d = Decode(Outer(Ip("10.10.0.1", "10.10.0.99", IpProto.Gre, Gre(0x88BE, InnerFrame()))));
        AssertInnerTcp(in d.Inner);
        Assert.True(d.Inner.HasMac);
        AssertHop(in d.Stack[0], TunnelType.Erspan, "10.10.0.1", "10.10.0.99", null);
    }

    [Fact]
    public void Erspan_type_II_session_id_and_mirrored_tagged_frame()
    {
        var d = Decode(Outer(Ip("10.10.0.1", "10.10.0.99", IpProto.Gre, Gre(0x88BE, ErspanII(110, InnerFrame(110)), sequence: 1))));
        AssertInnerTcp(in d.Inner);
        Assert.Equal(110, d.Inner.OuterVlan);
        Assert.Equal(MacAddr.Parse(InnerMac), d.Inner.SrcMac);
        AssertHop(in d.Stack[0], TunnelType.Erspan, "10.10.0.1", "10.10.0.99", 110);
        Assert.Equal(0UL, d.Inner.VirtualNetwork); // a session id is not a virtual network
    }

    [Theory]
    [InlineData(2, 110, 110)]   // 802.1Q: the tag was removed, its VLAN is in the ERSPAN header
    [InlineData(1, 110, 110)]   // ISL: likewise
    [InlineData(0, 110, 0)]     // the frame was untagged: the header's VLAN is not a tag
    [InlineData(3, 110, 0)]     // the tag is kept in the frame (here the frame has none)
    public void Erspan_type_II_vlan_from_the_header_when_the_frame_lost_its_tag(int encapsulation, int headerVlan, int expected)
    {
        var d = Decode(Outer(Ip("10.10.0.1", "10.10.0.99", IpProto.Gre,
            Gre(0x88BE, ErspanII(7, InnerFrame(), (ushort)headerVlan, encapsulation), sequence: 1))));
        AssertInnerTcp(in d.Inner);
        Assert.Equal(expected != 0 ? 1 : 0, d.Inner.VlanCount);
        Assert.Equal(expected, d.Inner.OuterVlan);
        // a frame that kept its own tag keeps it, whatever the header says
        var tagged = Decode(Outer(Ip("10.10.0.1", "10.10.0.99", IpProto.Gre,
            Gre(0x88BE, ErspanII(7, InnerFrame(120), (ushort)headerVlan, encapsulation), sequence: 1))));
        Assert.Equal(120, tagged.Inner.OuterVlan);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Erspan_type_III_with_and_without_platform_sub_header(bool platform)
    {
        var d = Decode(Outer(Ip("10.10.0.1", "10.10.0.99", IpProto.Gre, Gre(0x22EB, ErspanIII(1001, InnerFrame(), platform), sequence: 1))));
        AssertInnerTcp(in d.Inner);
        Assert.Equal(MacAddr.Parse(InnerMac), d.Inner.SrcMac);
        AssertHop(in d.Stack[0], TunnelType.Erspan, "10.10.0.1", "10.10.0.99", 1001);
    }

    [Fact]
    public void Erspan_type_III_ip_frame_type()
    {
        var d = Decode(Outer(Ip("10.10.0.1", "10.10.0.99", IpProto.Gre, Gre(0x22EB, ErspanIII(3, InnerTcp, false, frameType: 2), sequence: 1))));
        AssertInnerTcp(in d.Inner);
        Assert.False(d.Inner.HasMac);
    }

    [Theory]
    [InlineData(4789)]
    [InlineData(8472)]
    public void Vxlan_on_both_ports(int port)
    {
        var d = Decode(Outer(UdpIp("10.20.0.11", "10.20.0.12", 51000, (ushort)port, Vxlan(120120, InnerFrame())), 120));
        Assert.Equal(IpProto.Udp, d.Outer.Protocol);
        Assert.Equal(port, d.Outer.DstPort);              // the outer flow keeps its ports
        AssertInnerTcp(in d.Inner);
        Assert.True(d.Inner.HasMac);
        Assert.Equal(0, d.Inner.VlanCount);               // the inner frame is untagged, whatever the outer tag
        AssertHop(in d.Stack[0], TunnelType.Vxlan, "10.20.0.11", "10.20.0.12", 120120);
        Assert.Equal(TunnelStack.VirtualNetworkOf(TunnelType.Vxlan, 120120), d.Inner.VirtualNetwork);
    }

    [Fact]
    public void Vxlan_without_the_I_flag_is_plain_udp()
    {
        var d = Decode(Outer(UdpIp("10.20.0.11", "10.20.0.12", 51000, 4789, Vxlan(5, InnerFrame(), iFlag: false))));
        Assert.Equal(TunnelType.None, d.Outer.NextTunnel);
        Assert.Equal(UndecodedReason.None, d.Outer.Undecoded);
        Assert.False(d.Opened);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Geneve_with_options_carrying_ethernet(int optionWords)
    {
        var d = Decode(Outer(UdpIp("10.20.0.11", "10.20.0.12", 51000, 6081, Geneve(4242, 0x6558, InnerFrame(), optionWords))));
        AssertInnerTcp(in d.Inner);
        Assert.True(d.Inner.HasMac);
        AssertHop(in d.Stack[0], TunnelType.Geneve, "10.20.0.11", "10.20.0.12", 4242);
    }

    [Fact]
    public void Geneve_carrying_ipv4()
    {
        var d = Decode(Outer(UdpIp("10.20.0.11", "10.20.0.12", 51000, 6081, Geneve(9, 0x0800, InnerTcp, 1))));
        AssertInnerTcp(in d.Inner);
        Assert.False(d.Inner.HasMac);
    }

    [Fact]
    public void Mpls_one_label_ipv4_by_nibble_has_no_outer_ip()
    {
        var d = Decode(Ether(OuterMac, OuterPeerMac, 0x8847, Mpls([1001], InnerTcp)));
        Assert.Equal(PacketKind.OtherL2, d.Outer.Kind);   // a labelled frame has no IP header of its own
        Assert.Equal(UndecodedReason.None, d.Outer.Undecoded);
        AssertInnerTcp(in d.Inner);
        Assert.False(d.Inner.HasMac);
        AssertHop(in d.Stack[0], TunnelType.Mpls, null, null, 1001);
        Assert.Equal(0UL, d.Inner.VirtualNetwork);
    }

    [Fact]
    public void Mpls_label_stack_ipv6_id_is_the_bottom_label()
    {
        var d = Decode(Ether(OuterMac, OuterPeerMac, 0x8848, Mpls([16, 2002, 3003], Tcp("fd00::1", "fd00::2", 1, 2))));
        Assert.Equal(6, d.Inner.IpVersion);
        Assert.Equal(2, d.Inner.DstPort);
        AssertHop(in d.Stack[0], TunnelType.Mpls, null, null, 3003);
    }

    [Fact]
    public void Mpls_pseudowire_with_control_word_carries_an_ethernet_frame()
    {
        var d = Decode(Ether(OuterMac, OuterPeerMac, 0x8847, Mpls([2001, 3001], [.. ControlWord, .. InnerFrame(110)])));
        AssertInnerTcp(in d.Inner);
        Assert.True(d.Inner.HasMac);
        Assert.Equal(MacAddr.Parse(InnerMac), d.Inner.SrcMac);
        Assert.Equal(110, d.Inner.OuterVlan);
        AssertHop(in d.Stack[0], TunnelType.Mpls, null, null, 3001);
    }

    [Fact]
    public void Mpls_pseudowire_without_control_word_is_read_by_the_first_nibble()
    {
        // Without a control word the frame's first nibble (destination MAC) decides: 0 here, taken as a control word
        // (the spec's rule); a frame whose MAC starts with 4 or 6 would be read as IP. What is not 0, 4 or 6 stays closed.
        var frame = Ether("02:10:00:01:00:11", "a2:10:ff:ff:ff:09", 0x0800, InnerTcp);
        var d = Decode(Ether(OuterMac, OuterPeerMac, 0x8847, Mpls([2001], frame)));
        Assert.Equal(PacketKind.OtherL2, d.Outer.Kind);
        Assert.False(d.Opened);
    }

    [Theory]
    [InlineData("10.30.0.1", "10.30.0.2", "10.30.1.11", "151.101.1.69")]   // 4in4
    [InlineData("10.30.0.1", "10.30.0.2", "2001:db8::11", "2001:db8::69")] // 6in4
    [InlineData("fd00::1", "fd00::2", "10.30.1.11", "151.101.1.69")]       // 4in6
    [InlineData("fd00::1", "fd00::2", "2001:db8::11", "2001:db8::69")]     // 6in6
    public void Ip_in_ip_all_four_combinations(string outerSrc, string outerDst, string innerSrc, string innerDst)
    {
        var inner = Tcp(innerSrc, innerDst, 1234, 443);
        byte proto = innerSrc.Contains(':') ? IpProto.Ipv6InIp : IpProto.IpInIp;
        var d = Decode(Outer(Ip(outerSrc, outerDst, proto, inner)));
        Assert.Equal(proto, d.Outer.Protocol);
        Assert.Equal(IpAddr.Parse(innerSrc), d.Inner.SrcIp);
        Assert.Equal(IpAddr.Parse(innerDst), d.Inner.DstIp);
        Assert.Equal(443, d.Inner.DstPort);
        AssertHop(in d.Stack[0], TunnelType.IpIp, outerSrc, outerDst, null);
    }

    [Theory]
    [InlineData(false, false, 3544, 50000)]
    [InlineData(true, false, 3544, 50000)]
    [InlineData(false, true, 50000, 3544)]
    [InlineData(true, true, 3544, 3544)]
    public void Teredo_with_authentication_and_origin_indicators(bool auth, bool origin, int sport, int dport)
    {
        var ipv6 = Tcp("2001:0:4136:e378::1", "2001:db8::80", 40000, 443);
        var d = Decode(Outer(UdpIp("192.0.2.1", "203.0.113.5", (ushort)sport, (ushort)dport, Teredo(ipv6, auth, origin))));
        Assert.True(d.Opened);
        Assert.Equal(IpAddr.Parse("2001:db8::80"), d.Inner.DstIp);
        Assert.Equal(443, d.Inner.DstPort);
        AssertHop(in d.Stack[0], TunnelType.Teredo, "192.0.2.1", "203.0.113.5", null);
    }

    [Fact]
    public void Udp_3544_that_is_not_ipv6_is_plain_udp()
    {
        var d = Decode(Outer(UdpIp("192.0.2.1", "203.0.113.5", 3544, 50000, new byte[60])));
        Assert.False(d.Opened);
        Assert.Equal(UndecodedReason.None, d.Outer.Undecoded);
    }

    public static TheoryData<string, byte[]> CutTunnelHeaders()
    {
        var d = new TheoryData<string, byte[]>();
        d.Add("gre base", Outer(Ip("10.10.0.1", "10.10.0.2", IpProto.Gre, [0x00, 0x00])));
        d.Add("gre key", Outer(Ip("10.10.0.1", "10.10.0.2", IpProto.Gre, Gre(0x0800, [], key: 1)[..6])));
        d.Add("gre sequence", Outer(Ip("10.10.0.1", "10.10.0.2", IpProto.Gre, Gre(0x0800, [], key: 1, sequence: 1)[..10])));
        d.Add("erspan ii", Outer(Ip("10.10.0.1", "10.10.0.2", IpProto.Gre, Gre(0x88BE, [1, 2, 3], sequence: 1))));
        d.Add("erspan iii sub-header", Outer(Ip("10.10.0.1", "10.10.0.2", IpProto.Gre, Gre(0x22EB, ErspanIII(1, [], true)[..16], sequence: 1))));
        d.Add("vxlan", Outer(UdpIp("10.20.0.11", "10.20.0.12", 51000, 4789, [0x08, 0, 0, 0])));
        d.Add("geneve", Outer(UdpIp("10.20.0.11", "10.20.0.12", 51000, 6081, [0, 0, 0x65])));
        d.Add("geneve options", Outer(UdpIp("10.20.0.11", "10.20.0.12", 51000, 6081, Geneve(1, 0x6558, [], 4)[..16])));
        return d;
    }

    [Theory]
    [MemberData(nameof(CutTunnelHeaders))]
    public void A_cut_tunnel_header_is_truncated_tunnel_and_the_outer_packet_stays(string what, byte[] frame)
    {
        var d = Decode(frame);
        Assert.True(d.Outer.Kind == PacketKind.Ip, what);
        Assert.Equal(UndecodedReason.TruncatedTunnel, d.Outer.Undecoded);
        Assert.Equal("truncated-tunnel", UndecodedReasons.Name(d.Outer.Undecoded));
        Assert.True(d.Outer.IsPartial);
        Assert.Equal(TunnelType.None, d.Outer.NextTunnel);
        Assert.False(d.Opened);
        if (d.Outer.Protocol == IpProto.Udp) Assert.True(d.Outer.HasPorts); // the outer UDP flow keeps its ports
    }

    [Fact]
    public void Mpls_stack_cut_before_its_bottom_is_truncated_tunnel()
    {
        var d = Decode(Ether(OuterMac, OuterPeerMac, 0x8847, [0x00, 0x3E, 0x90, 0x40, 0x00, 0x3E]));
        Assert.Equal(UndecodedReason.TruncatedTunnel, d.Outer.Undecoded);
        Assert.False(d.Opened);
    }

    /// <summary><paramref name="levels"/> IP-in-IP encapsulations around a TCP packet.</summary>
    private static byte[] Nested(int levels)
    {
        var p = InnerTcp;
        for (int i = 0; i < levels; i++) p = Ip($"10.99.{i}.1", $"10.99.{i}.2", IpProto.IpInIp, p);
        return Outer(p);
    }

    [Fact]
    public void Eight_encapsulations_are_followed()
    {
        var frame = Nested(8);
        var p = new DecodedPacket();
        var stack = new TunnelStack();
        FrameDecoder.Decode(LinkTypes.Ethernet, frame, ref p);
        int layers = 0;
        while (FrameDecoder.DecodeInner(frame, ref p, ref stack)) layers++;
        Assert.Equal(8, layers);
        AssertInnerTcp(in p, depth: 8);
        AssertHop(in stack[0], TunnelType.IpIp, "10.99.7.1", "10.99.7.2", null); // outermost first
        AssertHop(in stack[7], TunnelType.IpIp, "10.99.0.1", "10.99.0.2", null);
        Assert.Equal(8, stack.Around(8).Length);
    }

    [Fact]
    public void A_ninth_encapsulation_is_tunnel_depth()
    {
        var frame = Nested(9);
        var p = new DecodedPacket();
        var stack = new TunnelStack();
        FrameDecoder.Decode(LinkTypes.Ethernet, frame, ref p);
        var reasons = new List<UndecodedReason>();
        while (FrameDecoder.DecodeInner(frame, ref p, ref stack)) reasons.Add(p.Undecoded);
        Assert.Equal(9, reasons.Count);
        Assert.All(reasons.Take(8), r => Assert.Equal(UndecodedReason.None, r));
        Assert.Equal(UndecodedReason.TunnelDepth, reasons[8]);
        Assert.Equal("tunnel-depth", UndecodedReasons.Name(reasons[8]));
        Assert.Equal(PacketKind.Undecoded, p.Kind);
    }

    [Fact]
    public void Vxlan_in_gre_in_mpls_nests_outermost_first_and_keys_by_the_innermost_vni()
    {
        var vxlan = UdpIp("10.20.0.11", "10.20.0.12", 51000, 4789, Vxlan(300, InnerFrame()));
        var gre = Ip("10.10.0.1", "10.10.0.2", IpProto.Gre, Gre(0x0800, vxlan, key: 12));
        var frame = Ether(OuterMac, OuterPeerMac, 0x8847, Mpls([1001], gre));
        var p = new DecodedPacket();
        var stack = new TunnelStack();
        FrameDecoder.Decode(LinkTypes.Ethernet, frame, ref p);
        Assert.True(FrameDecoder.DecodeInner(frame, ref p, ref stack));
        Assert.Equal(IpProto.Gre, p.Protocol);
        Assert.True(FrameDecoder.DecodeInner(frame, ref p, ref stack));
        Assert.Equal(4789, p.DstPort);
        Assert.Equal(TunnelStack.VirtualNetworkOf(TunnelType.Gre, 12), p.VirtualNetwork);
        Assert.True(FrameDecoder.DecodeInner(frame, ref p, ref stack));
        AssertInnerTcp(in p, depth: 3);
        Assert.Equal(TunnelStack.VirtualNetworkOf(TunnelType.Vxlan, 300), p.VirtualNetwork);
        AssertHop(in stack[0], TunnelType.Mpls, null, null, 1001);
        AssertHop(in stack[1], TunnelType.Gre, "10.10.0.1", "10.10.0.2", 12);
        AssertHop(in stack[2], TunnelType.Vxlan, "10.20.0.11", "10.20.0.12", 300);
    }

    [Fact]
    public void Gre_version_1_and_source_routing_are_not_opened()
    {
        var v1 = Gre(0x880B, new byte[20]);
        v1[1] = 0x01;
        Assert.False(Decode(Outer(Ip("10.0.0.1", "10.0.0.2", IpProto.Gre, v1))).Opened);
        var routed = Gre(0x0800, InnerTcp);
        routed[0] = 0x40;
        var d = Decode(Outer(Ip("10.0.0.1", "10.0.0.2", IpProto.Gre, routed)));
        Assert.False(d.Opened);
        Assert.Equal(UndecodedReason.None, d.Outer.Undecoded);
    }

    [Fact]
    public void A_later_fragment_of_a_tunnel_packet_is_not_opened()
    {
        var ip = Ip("10.10.0.1", "10.10.0.2", IpProto.Gre, Gre(0x0800, InnerTcp));
        ip[6] = 0x00; ip[7] = 0x10; // offset 128 bytes: no GRE header here
        Assert.False(Decode(Outer(ip)).Opened);
    }
}
