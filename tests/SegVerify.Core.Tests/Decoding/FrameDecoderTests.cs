using System.Buffers.Binary;
using PacketDotNet;
using SegVerify.Core.Capture;
using SegVerify.Core.Decoding;
using SegVerify.Core.Net;
using Xunit;
using static SegVerify.Core.Tests.Decoding.Frames;

namespace SegVerify.Core.Tests.Decoding;

public class FrameDecoderTests
{
    private static DecodedPacket D(int link, byte[] frame)
    {
        var p = new DecodedPacket();
        bool ok = FrameDecoder.Decode(link, frame, ref p);
        Assert.Equal(p.Kind != PacketKind.Undecoded, ok);
        return p;
    }

    private static DecodedPacket Eth(byte[] frame) => D(LinkTypes.Ethernet, frame);

    [Fact]
    public void Ethernet_ipv4_tcp_syn()
    {
        var p = Eth(Ether4(Tcp4("10.1.2.3", "192.0.2.9", 40000, 445)));
        Assert.Equal(PacketKind.Ip, p.Kind);
        Assert.Equal(UndecodedReason.None, p.Undecoded);
        Assert.False(p.IsPartial);
        Assert.True(p.HasMac);
        Assert.Equal("02:00:00:00:00:01", p.SrcMac.ToString());
        Assert.Equal("02:00:00:00:00:02", p.DstMac.ToString());
        Assert.Equal(0x0800, p.EtherType);
        Assert.Equal(4, p.IpVersion);
        Assert.Equal(IpAddr.Parse("10.1.2.3"), p.SrcIp);
        Assert.Equal(IpAddr.Parse("192.0.2.9"), p.DstIp);
        Assert.Equal(IpProto.Tcp, p.Protocol);
        Assert.True(p.HasPorts);
        Assert.Equal(40000, p.SrcPort);
        Assert.Equal(445, p.DstPort);
        Assert.Equal(DecodedPacket.TcpSyn, p.TcpFlags);
        Assert.Equal(0, p.VlanCount);
        Assert.False(p.IsFragment);
        Assert.Equal(20, p.L4Length);
    }

    [Fact]
    public void Ethernet_padding_is_not_taken_as_payload()
    {
        var ip = Udp4("10.0.0.1", "10.0.0.2", 53, 5353);
        var frame = Ether4(ip).Concat(new byte[18]).ToArray();
        var p = Eth(frame);
        Assert.Equal(12, p.L4Length);
        Assert.Equal(53, p.SrcPort);
    }

    [Fact]
    public void Vlan_8021q_single_tag()
    {
        var p = Eth(Tagged(Ether4(Udp4("10.0.0.1", "10.0.0.2", 1000, 53)), (0x8100, 100)));
        Assert.Equal(1, p.VlanCount);
        Assert.Equal(100, p.OuterVlan);
        Assert.Equal(0, p.InnerVlan);
        Assert.Equal(0x0800, p.EtherType);
        Assert.Equal(53, p.DstPort);
    }

    [Theory]
    [InlineData(0x88A8)]
    [InlineData(0x9100)]
    [InlineData(0x8100)]
    public void QinQ_outer_and_inner(int outerTpid)
    {
        var p = Eth(Tagged(Ether6(Udp6("2001:db8::1", "2001:db8::2", 1000, 53)), ((ushort)outerTpid, 4000), (0x8100, 7)));
        Assert.Equal(2, p.VlanCount);
        Assert.Equal(4000, p.OuterVlan);
        Assert.Equal(7, p.InnerVlan);
        Assert.Equal(IpAddr.Parse("2001:db8::2"), p.DstIp);
    }

    [Fact]
    public void Three_tags_report_the_two_outermost_and_nine_are_too_many()
    {
        var three = Eth(Tagged(Ether4(Udp4("10.0.0.1", "10.0.0.2", 1, 2)), (0x88A8, 10), (0x8100, 20), (0x8100, 30)));
        Assert.Equal(PacketKind.Ip, three.Kind);
        Assert.Equal(2, three.VlanCount);
        Assert.Equal(10, three.OuterVlan);
        Assert.Equal(20, three.InnerVlan);
        var tags = Enumerable.Range(1, 9).Select(i => ((ushort)0x8100, (ushort)i)).ToArray();
        var nine = Eth(Tagged(Ether4(Udp4("10.0.0.1", "10.0.0.2", 1, 2)), tags));
        Assert.Equal(PacketKind.Undecoded, nine.Kind);
        Assert.Equal(UndecodedReason.TooManyVlanTags, nine.Undecoded);
    }

    [Fact]
    public void Arp_request()
    {
        var arp = new ArpPacket(ArpOperation.Request, System.Net.NetworkInformation.PhysicalAddress.Parse("00-00-00-00-00-00"),
            System.Net.IPAddress.Parse("10.0.0.254"), SrcMac, System.Net.IPAddress.Parse("10.0.0.7"));
        var p = Eth(Ether(0x0806, arp.Bytes));
        Assert.Equal(PacketKind.Arp, p.Kind);
        Assert.Equal(1, p.ArpOperation);
        Assert.Equal("02:00:00:00:00:01", p.ArpSenderMac.ToString());
        Assert.Equal(IpAddr.Parse("10.0.0.7"), p.ArpSenderIp);
        Assert.Equal(IpAddr.Parse("10.0.0.254"), p.ArpTargetIp);
        Assert.True(p.ArpTargetMac.IsZero);
    }

    [Fact]
    public void Ipv4_options_are_skipped()
    {
        var ip = WithOptions4(Tcp4("10.0.0.1", "10.0.0.2", 1234, 22), 12);
        var p = Eth(Ether4(ip));
        Assert.Equal(22, p.DstPort);
        Assert.Equal(20, p.L4Length);
    }

    [Fact]
    public void Ipv4_fragments_first_has_ports_others_not()
    {
        var ip = Udp4("10.0.0.1", "10.0.0.2", 5000, 161);
        var first = Eth(Ether4(Fragment4(ip, more: true, offsetUnits: 0, id: 0xBEEF)));
        Assert.True(first.IsFragment);
        Assert.True(first.MoreFragments);
        Assert.Equal(0, first.FragmentOffset);
        Assert.Equal(0xBEEFu, first.FragmentId);
        Assert.True(first.HasPorts);
        Assert.Equal(161, first.DstPort);

        var later = Eth(Ether4(Fragment4(ip, more: false, offsetUnits: 185, id: 0xBEEF)));
        Assert.Equal(PacketKind.Ip, later.Kind);
        Assert.Equal(UndecodedReason.None, later.Undecoded);
        Assert.True(later.IsFragment);
        Assert.False(later.MoreFragments);
        Assert.Equal(185 * 8, later.FragmentOffset);
        Assert.Equal(0xBEEFu, later.FragmentId);
        Assert.False(later.HasPorts);
        Assert.Equal(IpProto.Udp, later.Protocol);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(43)]
    [InlineData(60)]
    public void Ipv6_option_style_extension_headers(int type)
    {
        var ip = WithExt6(Tcp6("2001:db8::1", "2001:db8::2", 3333, 443), ((byte)type, Ext((byte)type, 16)));
        var p = Eth(Ether6(ip));
        Assert.Equal(PacketKind.Ip, p.Kind);
        Assert.Equal(IpProto.Tcp, p.Protocol);
        Assert.Equal(443, p.DstPort);
        Assert.Equal(20, p.L4Length);
        Assert.False(p.IsFragment);
    }

    [Fact]
    public void Ipv6_authentication_header_uses_four_octet_units()
    {
        var ip = WithExt6(Udp6("2001:db8::1", "2001:db8::2", 500, 4500), (51, Ext(51, 24)));
        var p = Eth(Ether6(ip));
        Assert.Equal(IpProto.Udp, p.Protocol);
        Assert.Equal(4500, p.DstPort);
    }

    [Fact]
    public void Ipv4_authentication_header_is_skipped()
    {
        var udp = Udp4("10.0.0.1", "10.0.0.2", 500, 4500);
        var ah = Ext(51, 16);
        ah[0] = IpProto.Udp;
        var b = udp.AsSpan(0, 20).ToArray().Concat(ah).Concat(udp.AsSpan(20).ToArray()).ToArray();
        b[9] = IpProto.Ah;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), (ushort)b.Length);
        var p = Eth(Ether4(b));
        Assert.Equal(IpProto.Udp, p.Protocol);
        Assert.Equal(4500, p.DstPort);
        Assert.Equal(12, p.L4Length);
    }

    [Fact]
    public void Ipv6_fragments_and_a_full_chain()
    {
        var tcp = Tcp6("2001:db8::1", "2001:db8::2", 3333, 443);
        var first = Eth(Ether6(WithExt6(tcp, (0, Ext(0, 8)), (44, Ext(44, 8, 0, more: true, fragId: 77)))));
        Assert.True(first.IsFragment);
        Assert.True(first.MoreFragments);
        Assert.Equal(77u, first.FragmentId);
        Assert.True(first.HasPorts);
        Assert.Equal(443, first.DstPort);

        var later = Eth(Ether6(WithExt6(tcp, (44, Ext(44, 8, fragOffsetBytes: 1448, fragId: 77)))));
        Assert.True(later.IsFragment);
        Assert.Equal(1448, later.FragmentOffset);
        Assert.False(later.HasPorts);
        Assert.Equal(IpProto.Tcp, later.Protocol);
        Assert.Equal(UndecodedReason.None, later.Undecoded);

        var chain = Eth(Ether6(WithExt6(tcp, (0, Ext(0, 8)), (60, Ext(60, 8)), (43, Ext(43, 24)), (44, Ext(44, 8)),
            (51, Ext(51, 12)), (60, Ext(60, 16)))));
        Assert.Equal(PacketKind.Ip, chain.Kind);
        Assert.Equal(IpProto.Tcp, chain.Protocol);
        Assert.Equal(443, chain.DstPort);
        Assert.Equal(20, chain.L4Length);
    }

    [Fact]
    public void Ipv6_no_next_header_and_too_many_extension_headers()
    {
        var udp = Udp6("2001:db8::1", "2001:db8::2", 1, 2);
        var nn = WithExt6(udp, (60, Ext(60, 8)));
        nn[40] = IpProto.Ipv6NoNext;
        var p = Eth(Ether6(nn));
        Assert.Equal(PacketKind.Ip, p.Kind);
        Assert.Equal(IpProto.Ipv6NoNext, p.Protocol);
        Assert.False(p.HasPorts);
        Assert.Equal(UndecodedReason.None, p.Undecoded);

        var many = Enumerable.Range(0, Ipv6.MaxExtensionHeaders + 1).Select(_ => ((byte)60, Ext(60, 8))).ToArray();
        var q = Eth(Ether6(WithExt6(udp, many)));
        Assert.Equal(UndecodedReason.TooManyIpv6ExtensionHeaders, q.Undecoded);
        Assert.Equal(PacketKind.Ip, q.Kind); // addresses are usable
        Assert.False(q.HasPorts);
    }

    [Fact]
    public void Icmp_and_icmpv6()
    {
        var echo = Eth(Ether4(IcmpEcho4("10.0.0.1", "10.0.0.2", 8, 0x1234)));
        Assert.Equal(IpProto.Icmp, echo.Protocol);
        Assert.True(echo.HasIcmp);
        Assert.Equal(8, echo.IcmpType);
        Assert.Equal(0x1234, echo.IcmpEchoId);
        Assert.False(echo.HasPorts);

        var unreach = Eth(Ether4(IcmpEcho4("10.0.0.1", "10.0.0.2", 3, 0x1234)));
        Assert.Equal(3, unreach.IcmpType);
        Assert.Equal(0, unreach.IcmpEchoId);

        var v6 = Eth(Ether6(Icmp6("fe80::1", "ff02::1", 129, 0, 0x4321)));
        Assert.Equal(IpProto.IcmpV6, v6.Protocol);
        Assert.Equal(129, v6.IcmpType);
        Assert.Equal(0x4321, v6.IcmpEchoId);

        var ns = Eth(Ether6(Icmp6("fe80::1", "ff02::1:ff00:2", 135, 0, 0)));
        Assert.Equal(135, ns.IcmpType);
    }

    [Fact]
    public void Tcp_with_a_bad_data_offset_is_partial()
    {
        var ip = Tcp4("10.0.0.1", "10.0.0.2", 1, 2);
        ip[20 + 12] = 0x40; // data offset 4 words
        var p = Eth(Ether4(ip));
        Assert.Equal(PacketKind.Ip, p.Kind);
        Assert.True(p.IsPartial);
        Assert.Equal(UndecodedReason.BadTcpHeaderLength, p.Undecoded);
        Assert.True(p.HasPorts); // from the first 4 bytes, as for a header cut short
        Assert.Equal((1, 2), (p.SrcPort, p.DstPort));
    }

    [Fact]
    public void Ipv4_total_length_zero_is_tso()
    {
        var ip = Tcp4("10.0.0.1", "10.0.0.2", 1, 80);
        ip[2] = ip[3] = 0;
        var p = Eth(Ether4(ip));
        Assert.Equal(80, p.DstPort);
        Assert.Equal(20, p.L4Length);
    }

    [Theory]
    [InlineData(0x4E, UndecodedReason.TruncatedIpv4Header)] // IHL 14 words, more than the packet
    [InlineData(0x44, UndecodedReason.BadIpv4HeaderLength)]
    [InlineData(0x65, UndecodedReason.BadIpVersion)]
    public void Ipv4_bad_headers(byte versionIhl, UndecodedReason reason)
    {
        var ip = Udp4("10.0.0.1", "10.0.0.2", 1, 2);
        ip[0] = versionIhl;
        var p = Eth(Ether4(ip));
        Assert.Equal(PacketKind.Undecoded, p.Kind);
        Assert.Equal(reason, p.Undecoded);
    }

    [Fact]
    public void Ipv4_total_length_below_header_is_bad()
    {
        var ip = Udp4("10.0.0.1", "10.0.0.2", 1, 2);
        ip[2] = 0; ip[3] = 12;
        Assert.Equal(UndecodedReason.BadIpv4TotalLength, Eth(Ether4(ip)).Undecoded);
    }

    [Theory]
    [InlineData(0x88CC)] // LLDP
    [InlineData(0x8863)] // PPPoE discovery
    [InlineData(0x888E)] // EAPOL
    [InlineData(0x0026)] // 802.3 length (STP BPDU in LLC)
    public void Other_link_layer_protocols_are_OtherL2(int type)
    {
        var p = Eth(Ether((ushort)type, new byte[40]));
        Assert.Equal(PacketKind.OtherL2, p.Kind);
        Assert.Equal(UndecodedReason.None, p.Undecoded);
        Assert.Equal(type, p.EtherType);
    }

    [Fact]
    public void MacSec_is_undecoded_unsupported_ethertype()
    {
        var p = Eth(Ether(0x88E5, new byte[40]));
        Assert.Equal(PacketKind.Undecoded, p.Kind);
        Assert.Equal(UndecodedReason.UnsupportedEthertype, p.Undecoded);
        Assert.Equal("unsupported-ethertype", UndecodedReasons.Name(p.Undecoded));
    }

    [Fact]
    public void Pppoe_session_carrying_ipv4()
    {
        var ip = Udp4("100.64.0.1", "8.8.8.8", 1000, 53);
        var pppoe = new byte[] { 0x11, 0x00, 0x12, 0x34, 0, 0, 0x00, 0x21 }.Concat(ip).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(pppoe.AsSpan(4), (ushort)(ip.Length + 2));
        var p = Eth(Tagged(Ether(0x8864, pppoe), (0x8100, 300)));
        Assert.Equal(PacketKind.Ip, p.Kind);
        Assert.Equal(300, p.OuterVlan);
        Assert.Equal(IpAddr.Parse("8.8.8.8"), p.DstIp);
        Assert.Equal(53, p.DstPort);
        var lcp = new byte[] { 0x11, 0x00, 0x12, 0x34, 0, 6, 0xC0, 0x21, 1, 1, 0, 4 };
        Assert.Equal(PacketKind.OtherL2, Eth(Ether(0x8864, lcp)).Kind);
    }

    [Fact]
    public void Raw_ip_link_types()
    {
        var v4 = Udp4("10.0.0.1", "10.0.0.2", 1, 53);
        var v6 = Udp6("2001:db8::1", "2001:db8::2", 1, 53);
        foreach (var lt in new[] { LinkTypes.Raw, LinkTypes.RawDlt12, LinkTypes.RawDlt14 })
        {
            Assert.Equal(4, D(lt, v4).IpVersion);
            Assert.Equal(6, D(lt, v6).IpVersion);
            Assert.False(D(lt, v4).HasMac);
            Assert.Equal(UndecodedReason.BadIpVersion, D(lt, [0x50, 0, 0, 0]).Undecoded);
        }
        Assert.Equal(53, D(LinkTypes.Ipv4, v4).DstPort);
        Assert.Equal(53, D(LinkTypes.Ipv6, v6).DstPort);
        Assert.Equal(UndecodedReason.BadIpVersion, D(LinkTypes.Ipv4, v6).Undecoded);
        Assert.Equal(UndecodedReason.BadIpVersion, D(LinkTypes.Ipv6, v4).Undecoded);
    }

    [Theory]
    [InlineData(2u, false, 4)]
    [InlineData(2u, true, 4)]
    [InlineData(24u, false, 6)]
    [InlineData(28u, true, 6)]
    [InlineData(30u, false, 6)]
    public void Null_loopback_both_byte_orders_and_loop(uint family, bool bigEndian, int version)
    {
        var ip = version == 4 ? Udp4("127.0.0.1", "127.0.0.1", 1, 2) : Udp6("::1", "::1", 1, 2);
        var hdr = new byte[4];
        if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(hdr, family); else BinaryPrimitives.WriteUInt32LittleEndian(hdr, family);
        var p = D(LinkTypes.Null, hdr.Concat(ip).ToArray());
        Assert.Equal(version, p.IpVersion);
        Assert.Equal(2, p.DstPort);
        BinaryPrimitives.WriteUInt32BigEndian(hdr, family);
        Assert.Equal(version, D(LinkTypes.Loop, hdr.Concat(ip).ToArray()).IpVersion);
        Assert.Equal(PacketKind.OtherL2, D(LinkTypes.Null, [7, 0, 0, 0, 1, 2]).Kind);
    }

    [Fact]
    public void Linux_sll_and_sll2()
    {
        var ip = Tcp4("10.0.0.1", "10.0.0.2", 1, 80);
        var sll = new byte[16];
        BinaryPrimitives.WriteUInt16BigEndian(sll.AsSpan(2), 1);      // ARPHRD_ETHER
        BinaryPrimitives.WriteUInt16BigEndian(sll.AsSpan(4), 6);
        new byte[] { 2, 0, 0, 0, 0, 9 }.CopyTo(sll, 6);
        BinaryPrimitives.WriteUInt16BigEndian(sll.AsSpan(14), 0x0800);
        var p = D(LinkTypes.LinuxSll, sll.Concat(ip).ToArray());
        Assert.Equal(80, p.DstPort);
        Assert.False(p.HasMac);
        Assert.Equal("02:00:00:00:00:09", p.SrcMac.ToString());

        var sll2 = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(sll2, 0x0800);
        BinaryPrimitives.WriteUInt16BigEndian(sll2.AsSpan(8), 1);
        sll2[11] = 6;
        new byte[] { 2, 0, 0, 0, 0, 8 }.CopyTo(sll2, 12);
        var q = D(LinkTypes.LinuxSll2, sll2.Concat(ip).ToArray());
        Assert.Equal(80, q.DstPort);
        Assert.Equal("02:00:00:00:00:08", q.SrcMac.ToString());
        Assert.Equal(UndecodedReason.TruncatedLinkHeader, D(LinkTypes.LinuxSll2, sll2.AsSpan(0, 19).ToArray()).Undecoded);
    }

    [Fact]
    public void Unsupported_link_type()
    {
        var p = D(160, [1, 2, 3]);
        Assert.Equal(PacketKind.Undecoded, p.Kind);
        Assert.Equal(UndecodedReason.UnsupportedLinkType, p.Undecoded);
        Assert.Equal("unsupported-link-type", UndecodedReasons.Name(p.Undecoded));
    }

    /// <summary>Valid frames with the offset where the IP header starts, where it (fixed part) ends, and where the
    /// transport header the decoder needs ends (0 when there is none).</summary>
    public static TheoryData<string, int, byte[], int, int> Samples()
    {
        var d = new TheoryData<string, int, byte[], int, int>();
        d.Add("tcp4", LinkTypes.Ethernet, Ether4(Tcp4("10.0.0.1", "10.0.0.2", 1, 2)), 14 + 20, 14 + 20 + 20);
        d.Add("udp4-vlan", LinkTypes.Ethernet, Tagged(Ether4(Udp4("10.0.0.1", "10.0.0.2", 1, 2)), (0x8100, 5)), 18 + 20, 18 + 28);
        d.Add("tcp4-qinq-opts", LinkTypes.Ethernet, Tagged(Ether4(WithOptions4(Tcp4("10.0.0.1", "10.0.0.2", 1, 2), 8)), (0x88A8, 5), (0x8100, 6)), 22 + 28, 22 + 28 + 20);
        d.Add("icmp4", LinkTypes.Ethernet, Ether4(IcmpEcho4("10.0.0.1", "10.0.0.2", 8, 9)), 14 + 20, 14 + 20 + 8);
        d.Add("frag4", LinkTypes.Ethernet, Ether4(Fragment4(Udp4("10.0.0.1", "10.0.0.2", 1, 2), false, 10, 1)), 14 + 20, 0);
        d.Add("udp6-chain", LinkTypes.Ethernet, Ether6(WithExt6(Udp6("2001:db8::1", "2001:db8::2", 1, 2), (0, Ext(0, 8)), (43, Ext(43, 24)), (51, Ext(51, 12)), (44, Ext(44, 8)), (60, Ext(60, 16)))), 14 + 40, 14 + 40 + 68 + 8);
        d.Add("icmp6", LinkTypes.Ethernet, Ether6(Icmp6("fe80::1", "fe80::2", 128, 0, 7)), 14 + 40, 14 + 40 + 8);
        d.Add("raw-tcp6", LinkTypes.Raw, Tcp6("2001:db8::1", "2001:db8::2", 1, 2), 40, 60);
        d.Add("null-udp4", LinkTypes.Null, new byte[] { 2, 0, 0, 0 }.Concat(Udp4("10.0.0.1", "10.0.0.2", 1, 2)).ToArray(), 24, 32);
        d.Add("arp", LinkTypes.Ethernet, Ether(0x0806, new ArpPacket(ArpOperation.Response, SrcMac, System.Net.IPAddress.Parse("10.0.0.1"), DstMac, System.Net.IPAddress.Parse("10.0.0.2")).Bytes), 0, 0);
        return d;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_prefix_decodes_without_claiming_fields_beyond_it(string name, int link, byte[] frame, int ipEnd, int l4End)
    {
        var full = D(link, frame);
        Assert.True(full.Kind != PacketKind.Undecoded && full.Undecoded == UndecodedReason.None, name);
        for (int len = 0; len < frame.Length; len++)
        {
            var p = new DecodedPacket();
            // A fresh array of exactly this length: any read past it would throw.
            FrameDecoder.Decode(link, frame.AsSpan(0, len).ToArray(), ref p);
            if (p.Kind == PacketKind.Ip)
            {
                Assert.True(len >= ipEnd, $"{name}/{len}: IP claimed before the IP header ended");
                Assert.Equal(full.SrcIp, p.SrcIp);
                Assert.Equal(full.DstIp, p.DstIp);
            }
            if (p.HasPorts)
            {
                // the ports are the first 4 bytes of the transport header, claimed as soon as those are there
                int portsEnd = l4End - (full.Protocol == IpProto.Tcp ? 20 : 8) + 4;
                Assert.True(l4End > 0 && len >= portsEnd, $"{name}/{len}: ports claimed before the first 4 bytes of the transport header");
                Assert.Equal(full.SrcPort, p.SrcPort);
                Assert.Equal(full.DstPort, p.DstPort);
            }
            if (full.HasPorts && len >= l4End - (full.Protocol == IpProto.Tcp ? 20 : 8) + 4)
                Assert.True(p.HasPorts, $"{name}/{len}: the first 4 bytes of the transport header are there but give no ports");
            if (p.IcmpEchoId != 0) Assert.True(len >= l4End, $"{name}/{len}: echo id claimed early");
            if (p.Kind == PacketKind.Arp) Assert.True(len >= 14 + 28, $"{name}/{len}: ARP claimed early");
            if (l4End > 0 && len < l4End)
                Assert.NotEqual(UndecodedReason.None, p.Undecoded); // counted as undecoded
            Assert.True(p.Kind == PacketKind.Undecoded || p.Kind == full.Kind, $"{name}/{len}: kind {p.Kind}");
        }
    }

    [Fact]
    public void Mutated_frames_decode_without_exception_on_every_link_type()
    {
        var rng = new Random(7);
        int[] links = [LinkTypes.Ethernet, LinkTypes.LinuxSll, LinkTypes.LinuxSll2, LinkTypes.Raw, LinkTypes.Ipv4,
            LinkTypes.Ipv6, LinkTypes.Null, LinkTypes.Loop, 160];
        int decoded = 0;
        foreach (var row in Samples())
        {
            var frame = (byte[])row[2];
            for (int i = 0; i < 400; i++)
            {
                var b = (byte[])frame.Clone();
                for (int k = rng.Next(1, 4); k > 0; k--) b[rng.Next(b.Length)] = (byte)rng.Next(256);
                var cut = b.AsSpan(0, rng.Next(b.Length + 1)).ToArray();
                foreach (var lt in links)
                {
                    var p = new DecodedPacket();
                    bool ok = FrameDecoder.Decode(lt, cut, ref p);
                    Assert.Equal(p.Kind != PacketKind.Undecoded, ok);
                    if (!ok) Assert.NotEqual(UndecodedReason.None, p.Undecoded);
                    if (ok) decoded++;
                }
            }
        }
        Assert.True(decoded > 0);
    }
}
