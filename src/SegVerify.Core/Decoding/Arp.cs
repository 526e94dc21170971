using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using SegVerify.Core.Net;

namespace SegVerify.Core.Decoding;

/// <summary>ARP (RFC 826) for Ethernet hardware and IPv4: operation, sender MAC/IP, target IP.</summary>
internal static class Arp
{
    public const int FixedLength = 8;            // htype, ptype, hlen, plen, oper
    public const int EthernetIpv4Length = 28;    // fixed part + 2 * (6 + 4)
    private const ushort HardwareEthernet = 1;
    private const ushort HardwareIeee802 = 6;
    private const byte MacLength = 6, Ipv4Length = 4;
    private const int SenderMacOffset = 8, SenderIpOffset = 14, TargetMacOffset = 18, TargetIpOffset = 24;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<byte> b, ref DecodedPacket p)
    {
        if (b.Length < FixedLength)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedArp);
            return;
        }
        ushort htype = BinaryPrimitives.ReadUInt16BigEndian(b);
        ushort ptype = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(2));
        if (htype is not (HardwareEthernet or HardwareIeee802) || ptype != EtherTypes.Ipv4 ||
            b[4] != MacLength || b[5] != Ipv4Length)
        {
            // ARP for another hardware or protocol: well-formed, nothing to judge.
            p.Kind = PacketKind.OtherL2;
            return;
        }
        if (b.Length < EthernetIpv4Length)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedArp);
            return;
        }
        p.ArpOperation = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(6));
        p.ArpSenderMac = MacAddr.FromBytes(b.Slice(SenderMacOffset));
        p.ArpSenderIp = IpAddr.FromV4Bytes(b.Slice(SenderIpOffset));
        p.ArpTargetMac = MacAddr.FromBytes(b.Slice(TargetMacOffset));
        p.ArpTargetIp = IpAddr.FromV4Bytes(b.Slice(TargetIpOffset));
        p.Kind = PacketKind.Arp;
    }
}
