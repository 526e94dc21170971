using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using PacketDotNet;

namespace SegVerify.Core.Tests.Decoding;

/// <summary>Test frames: IP and transport built with PacketDotNet, tags and extension headers spliced in by hand.</summary>
internal static class Frames
{
    public static readonly PhysicalAddress SrcMac = PhysicalAddress.Parse("02-00-00-00-00-01");
    public static readonly PhysicalAddress DstMac = PhysicalAddress.Parse("02-00-00-00-00-02");

    public static byte[] Tcp4(string src, string dst, ushort sport, ushort dport, bool syn = true)
    {
        var tcp = new TcpPacket(sport, dport) { Synchronize = syn, Acknowledgment = !syn };
        var ip = new IPv4Packet(IPAddress.Parse(src), IPAddress.Parse(dst)) { PayloadPacket = tcp };
        ip.UpdateCalculatedValues();
        return ip.Bytes;
    }

    public static byte[] Udp4(string src, string dst, ushort sport, ushort dport)
    {
        var udp = new UdpPacket(sport, dport) { PayloadData = [1, 2, 3, 4] };
        var ip = new IPv4Packet(IPAddress.Parse(src), IPAddress.Parse(dst)) { PayloadPacket = udp };
        ip.UpdateCalculatedValues();
        return ip.Bytes;
    }

    public static byte[] Udp6(string src, string dst, ushort sport, ushort dport)
    {
        var udp = new UdpPacket(sport, dport) { PayloadData = [1, 2, 3, 4] };
        var ip = new IPv6Packet(IPAddress.Parse(src), IPAddress.Parse(dst)) { PayloadPacket = udp };
        ip.UpdateCalculatedValues();
        return ip.Bytes;
    }

    public static byte[] Tcp6(string src, string dst, ushort sport, ushort dport)
    {
        var tcp = new TcpPacket(sport, dport) { Synchronize = true };
        var ip = new IPv6Packet(IPAddress.Parse(src), IPAddress.Parse(dst)) { PayloadPacket = tcp };
        ip.UpdateCalculatedValues();
        return ip.Bytes;
    }

    /// <summary>ICMP echo (type 8 or 0) with the given identifier.</summary>
    public static byte[] IcmpEcho4(string src, string dst, byte type, ushort id)
    {
        var icmpBytes = new byte[12];
        icmpBytes[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(icmpBytes.AsSpan(4), id);
        var icmp = new IcmpV4Packet(new PacketDotNet.Utils.ByteArraySegment(icmpBytes));
        var ip = new IPv4Packet(IPAddress.Parse(src), IPAddress.Parse(dst)) { PayloadPacket = icmp };
        ip.UpdateCalculatedValues();
        return ip.Bytes;
    }

    public static byte[] Icmp6(string src, string dst, byte type, byte code, ushort id)
    {
        var icmpBytes = new byte[12];
        icmpBytes[0] = type;
        icmpBytes[1] = code;
        BinaryPrimitives.WriteUInt16BigEndian(icmpBytes.AsSpan(4), id);
        var icmp = new IcmpV6Packet(new PacketDotNet.Utils.ByteArraySegment(icmpBytes));
        var ip = new IPv6Packet(IPAddress.Parse(src), IPAddress.Parse(dst)) { PayloadPacket = icmp };
        ip.UpdateCalculatedValues();
        return ip.Bytes;
    }

    public static byte[] Ether(ushort etherType, byte[] payload)
    {
        var eth = new EthernetPacket(SrcMac, DstMac, (EthernetType)etherType)
        {
            PayloadData = payload,
        };
        return eth.Bytes;
    }

    public static byte[] Ether4(byte[] ip) => Ether(0x0800, ip);
    public static byte[] Ether6(byte[] ip) => Ether(0x86DD, ip);

    /// <summary>Inserts VLAN tags (tpid, vid) after the MAC addresses, outermost first.</summary>
    public static byte[] Tagged(byte[] eth, params (ushort Tpid, ushort Vid)[] tags)
    {
        var o = new List<byte>(eth.AsSpan(0, 12).ToArray());
        foreach (var (tpid, vid) in tags)
        {
            o.Add((byte)(tpid >> 8)); o.Add((byte)tpid);
            o.Add((byte)(vid >> 8 | 0x20)); o.Add((byte)vid);   // PCP 1
        }
        o.AddRange(eth.AsSpan(12).ToArray());
        return o.ToArray();
    }

    /// <summary>Sets IPv4 flags/fragment offset (in 8-byte units) and identification.</summary>
    public static byte[] Fragment4(byte[] ip, bool more, int offsetUnits, ushort id)
    {
        var b = (byte[])ip.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(6), (ushort)((more ? 0x2000 : 0) | offsetUnits));
        return b;
    }

    /// <summary>Adds <paramref name="optionBytes"/> (a multiple of 4) of IPv4 options (NOPs then EOL).</summary>
    public static byte[] WithOptions4(byte[] ip, int optionBytes)
    {
        int ihl = (ip[0] & 0xF) * 4;
        var o = new byte[ip.Length + optionBytes];
        ip.AsSpan(0, ihl).CopyTo(o);
        for (int i = 0; i < optionBytes; i++) o[ihl + i] = (byte)(i == optionBytes - 1 ? 0 : 1);
        ip.AsSpan(ihl).CopyTo(o.AsSpan(ihl + optionBytes));
        o[0] = (byte)(0x40 | (ihl + optionBytes) / 4);
        BinaryPrimitives.WriteUInt16BigEndian(o.AsSpan(2), (ushort)o.Length);
        return o;
    }

    /// <summary>One IPv6 extension header to splice after the fixed header: (type, raw bytes without next-header byte).</summary>
    public static byte[] Ext(byte type, int bodyLen, ushort fragOffsetBytes = 0, bool more = false, uint fragId = 0)
    {
        // Returns the header with a placeholder next-header byte at [0].
        switch (type)
        {
            case 44:
            {
                var f = new byte[8];
                BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(2), (ushort)(fragOffsetBytes | (more ? 1 : 0)));
                BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(4), fragId);
                return f;
            }
            case 51:
            {
                var a = new byte[bodyLen];          // multiple of 4, >= 12
                a[1] = (byte)(bodyLen / 4 - 2);
                return a;
            }
            default:
            {
                var h = new byte[bodyLen];          // multiple of 8
                h[1] = (byte)(bodyLen / 8 - 1);
                if (bodyLen > 2) { h[2] = 1; h[3] = (byte)(bodyLen - 4); } // PadN
                return h;
            }
        }
    }

    /// <summary>Splices extension headers (type, bytes) into an IPv6 packet between the fixed header and the payload.</summary>
    public static byte[] WithExt6(byte[] ip6, params (byte Type, byte[] Bytes)[] exts)
    {
        byte upper = ip6[6];
        var o = new List<byte>(ip6.AsSpan(0, 40).ToArray());
        for (int i = 0; i < exts.Length; i++)
        {
            var h = (byte[])exts[i].Bytes.Clone();
            h[0] = i + 1 < exts.Length ? exts[i + 1].Type : upper;
            o.AddRange(h);
        }
        o.AddRange(ip6.AsSpan(40).ToArray());
        var b = o.ToArray();
        b[6] = exts.Length > 0 ? exts[0].Type : upper;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), (ushort)(b.Length - 40));
        return b;
    }
}
