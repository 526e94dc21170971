using System.Buffers.Binary;

namespace SegVerify.Benchmarks;

/// <summary>The frame kinds the decoding benchmarks run on, built byte by byte (well-formed headers).</summary>
public enum FrameKind { EthIpv4Tcp64, Vlan, QinQ, Ipv6ExtHeaders, Arp }

public static class Frames
{
    private const ushort EtherIpv4 = 0x0800, EtherIpv6 = 0x86DD, EtherArp = 0x0806, EtherVlan = 0x8100, EtherQinQ = 0x88A8;

    public static byte[] Build(FrameKind kind, uint src = 0x0A14_0A0B, uint dst = 0x0A1E_0032, ushort sport = 40000, ushort dport = 3389)
    {
        var f = new byte[kind == FrameKind.Ipv6ExtHeaders ? 110 : 64];
        BinaryPrimitives.WriteUInt64BigEndian(f, 0x0220_0000_0011_0220UL); // dst 02:20:00:00:00:11, src 02:20:...
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(8), 0x0a01_0203);
        int off = 12;
        if (kind == FrameKind.QinQ)
        {
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(off), EtherQinQ);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(off + 2), 1000);
            off += 4;
        }
        if (kind is FrameKind.Vlan or FrameKind.QinQ)
        {
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(off), EtherVlan);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(off + 2), 120);
            off += 4;
        }
        if (kind == FrameKind.Arp)
        {
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(off), EtherArp);
            var a = f.AsSpan(off + 2);
            BinaryPrimitives.WriteUInt16BigEndian(a, 1);
            BinaryPrimitives.WriteUInt16BigEndian(a.Slice(2), EtherIpv4);
            a[4] = 6; a[5] = 4;
            BinaryPrimitives.WriteUInt16BigEndian(a.Slice(6), 1);
            f.AsSpan(6, 6).CopyTo(a.Slice(8));
            BinaryPrimitives.WriteUInt32BigEndian(a.Slice(14), src);
            BinaryPrimitives.WriteUInt32BigEndian(a.Slice(24), dst);
            return f;
        }
        if (kind == FrameKind.Ipv6ExtHeaders)
        {
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(off), EtherIpv6);
            var ip = f.AsSpan(off + 2);
            BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6000_0000);
            BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(4), 8 + 8 + 20);
            ip[6] = 0;   // hop-by-hop
            ip[7] = 64;
            BinaryPrimitives.WriteUInt64BigEndian(ip.Slice(8), 0xfd00_0020_0000_0000UL);
            BinaryPrimitives.WriteUInt64BigEndian(ip.Slice(16), 0x1000UL + src % 4000);
            BinaryPrimitives.WriteUInt64BigEndian(ip.Slice(24), 0xfd00_0020_0000_0000UL);
            BinaryPrimitives.WriteUInt64BigEndian(ip.Slice(32), 0x100UL + dst % 40);
            var ext = ip.Slice(40);
            ext[0] = 60; ext[1] = 0; ext[2] = 1; ext[3] = 4;       // hop-by-hop -> destination options, PadN
            ext[8] = 6; ext[9] = 0; ext[10] = 1; ext[11] = 4;      // destination options -> TCP, PadN
            WriteTcp(ext.Slice(16), sport, dport);
            return f;
        }
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(off), EtherIpv4);
        var v4 = f.AsSpan(off + 2);
        v4[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(v4.Slice(2), 40);
        BinaryPrimitives.WriteUInt16BigEndian(v4.Slice(6), 0x4000);
        v4[8] = 64;
        v4[9] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(v4.Slice(12), src);
        BinaryPrimitives.WriteUInt32BigEndian(v4.Slice(16), dst);
        WriteTcp(v4.Slice(20), sport, dport);
        return f;
    }

    private static void WriteTcp(Span<byte> t, ushort sport, ushort dport)
    {
        BinaryPrimitives.WriteUInt16BigEndian(t, sport);
        BinaryPrimitives.WriteUInt16BigEndian(t.Slice(2), dport);
        BinaryPrimitives.WriteUInt32BigEndian(t.Slice(4), 1000);
        BinaryPrimitives.WriteUInt32BigEndian(t.Slice(8), 2000);
        t[12] = 5 << 4;
        t[13] = 0x10; // ACK
        BinaryPrimitives.WriteUInt16BigEndian(t.Slice(14), 64240);
    }

    /// <summary><paramref name="inner"/> (an Ethernet frame) in VXLAN over UDP/IPv4 between two VTEPs, in an Ethernet frame.</summary>
    public static byte[] Vxlan(byte[] inner, uint vni)
    {
        var f = new byte[14 + 20 + 8 + 8 + inner.Length];
        f[5] = 2; f[11] = 1;                                                      // MACs
        f[12] = 0x08;                                                             // IPv4
        var ip = f.AsSpan(14);
        ip[0] = 0x45; ip[8] = 64; ip[9] = 17;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(2), (ushort)(20 + 8 + 8 + inner.Length));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(ip.Slice(12), 0x0A14_000B);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(ip.Slice(16), 0x0A14_000C);
        var udp = ip.Slice(20);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(udp, 50000);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(udp.Slice(2), 4789);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(udp.Slice(4), (ushort)(8 + 8 + inner.Length));
        var vx = udp.Slice(8);
        vx[0] = 0x08;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(vx.Slice(4), vni << 8);
        inner.CopyTo(vx.Slice(8));
        return f;
    }
}
