using System.Buffers.Binary;
using SegVerify.Core.Net;
using SegVerify.Core.Tests.Engine;

namespace SegVerify.Core.Tests.Decoding;

/// <summary>Encapsulations built byte by byte from their RFCs (independent of the decoder under test).</summary>
internal static class TunnelFrames
{
    public const string OuterMac = "02:10:ff:ff:ff:01", OuterPeerMac = "02:10:ff:ff:ff:02";

    /// <summary>An IPv4 or IPv6 packet (by the source address's family) around <paramref name="payload"/>.</summary>
    public static byte[] Ip(string src, string dst, byte proto, byte[] payload) =>
        src.Contains(':')
            ? [.. TestFrames.Ipv6Header(src, dst, proto, payload.Length), .. payload]
            : [.. TestFrames.Ipv4Header(src, dst, proto, payload.Length, 7, 0, false), .. payload];

    public static byte[] Tcp(string src, string dst, ushort sport, ushort dport, byte flags = TestFrames.Syn) =>
        Ip(src, dst, IpProto.Tcp, TestFrames.L4Tcp(sport, dport, flags, 0));

    public static byte[] Udp(ushort sport, ushort dport, byte[] payload)
    {
        var u = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(u, sport);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(4), (ushort)u.Length);
        payload.CopyTo(u, 8);
        return u;
    }

    public static byte[] UdpIp(string src, string dst, ushort sport, ushort dport, byte[] payload) =>
        Ip(src, dst, IpProto.Udp, Udp(sport, dport, payload));

    /// <summary>An Ethernet frame (padded to 60 bytes), tagged with <paramref name="vlans"/>.</summary>
    public static byte[] Ether(string smac, string dmac, ushort etherType, byte[] payload, params ushort[] vlans) =>
        TestFrames.L2(smac, dmac, vlans, etherType, payload);

    /// <summary>The outer frame: router MACs, IPv4 or IPv6 by <paramref name="ipPacket"/>'s version.</summary>
    public static byte[] Outer(byte[] ipPacket, params ushort[] vlans) =>
        Ether(OuterMac, OuterPeerMac, (ipPacket[0] >> 4) == 6 ? (ushort)0x86DD : (ushort)0x0800, ipPacket, vlans);

    public static byte[] Gre(ushort protocol, byte[] payload, uint? key = null, uint? sequence = null, bool checksum = false)
    {
        var h = new List<byte>();
        ushort flags = (ushort)((checksum ? 0x8000 : 0) | (key is null ? 0 : 0x2000) | (sequence is null ? 0 : 0x1000));
        h.AddRange(Be16(flags));
        h.AddRange(Be16(protocol));
        if (checksum) h.AddRange(new byte[4]);
        if (key is { } k) h.AddRange(Be32(k));
        if (sequence is { } s) h.AddRange(Be32(s));
        h.AddRange(payload);
        return h.ToArray();
    }

    /// <summary>ERSPAN type II header (version 1) and the mirrored frame; goes in GRE 0x88BE with a sequence number.</summary>
    public static byte[] ErspanII(ushort session, byte[] frame, ushort vlan = 0, int encapsulation = 3)
    {
        var h = new byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(h, (ushort)(1 << 12 | vlan));
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), (ushort)(encapsulation << 11 | session)); // En = 3: tag kept in the frame
        return [.. h, .. frame];
    }

    /// <summary>ERSPAN type III header (version 2), optional platform sub-header (O bit); goes in GRE 0x22EB.</summary>
    public static byte[] ErspanIII(ushort session, byte[] frame, bool platformSubHeader, int frameType = 0)
    {
        var h = new byte[12 + (platformSubHeader ? 8 : 0)];
        BinaryPrimitives.WriteUInt16BigEndian(h, 2 << 12);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), session);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), 0x12345678);          // timestamp
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(10), (ushort)(frameType << 10 | (platformSubHeader ? 1 : 0)));
        if (platformSubHeader) h[12] = 0x18;                                      // platform id 3, whatever follows
        return [.. h, .. frame];
    }

    public static byte[] Vxlan(uint vni, byte[] frame, bool iFlag = true)
    {
        var h = new byte[8];
        h[0] = (byte)(iFlag ? 0x08 : 0);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), vni << 8);
        return [.. h, .. frame];
    }

    /// <summary>GENEVE with <paramref name="optionWords"/> 4-byte words of options.</summary>
    public static byte[] Geneve(uint vni, ushort protocol, byte[] payload, int optionWords = 0)
    {
        var h = new byte[8 + optionWords * 4];
        h[0] = (byte)optionWords;
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), protocol);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), vni << 8);
        if (optionWords > 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(8), 0x0104); // option class
            h[10] = 0x01; h[11] = (byte)(optionWords - 1);                // type, length
        }
        return [.. h, .. payload];
    }

    /// <summary>An MPLS label stack (bottom-of-stack set on the last) and its payload.</summary>
    public static byte[] Mpls(uint[] labels, byte[] payload)
    {
        var o = new List<byte>();
        for (int i = 0; i < labels.Length; i++)
            o.AddRange(Be32(labels[i] << 12 | (i == labels.Length - 1 ? 0x100u : 0) | 64));
        o.AddRange(payload);
        return o.ToArray();
    }

    public static readonly byte[] ControlWord = [0, 0, 0, 5];

    /// <summary>Teredo payload: optional authentication indicator and origin indication, then the IPv6 packet.</summary>
    public static byte[] Teredo(byte[] ipv6, bool auth = false, bool origin = false)
    {
        var o = new List<byte>();
        if (auth) o.AddRange([0, 1, 2, 3, 0xAA, 0xBB, 1, 2, 3, /*nonce*/ 1, 2, 3, 4, 5, 6, 7, 8, /*confirmation*/ 0]);
        if (origin) o.AddRange([0, 0, 0xF2, 0x2B, 0x3F, 0xFF, 0xFF, 0xFE]);
        o.AddRange(ipv6);
        return o.ToArray();
    }

    private static byte[] Be16(ushort v) => [(byte)(v >> 8), (byte)v];
    private static byte[] Be32(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];
}
