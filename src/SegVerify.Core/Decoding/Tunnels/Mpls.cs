using System.Buffers.Binary;

namespace SegVerify.Core.Decoding;

/// <summary>
/// MPLS label stacks (ethertypes 0x8847, 0x8848): labels up to the bottom-of-stack bit, then by the first nibble:
/// 4 an IPv4 packet, 6 an IPv6 packet, 0 a pseudowire control word followed by an Ethernet frame. The tunnel's id is
/// the bottom label (the one naming the service: VPN or pseudowire); MPLS has no carrying IP header. Another first
/// nibble (an associated channel, a pseudowire without control word) is not opened.
/// </summary>
internal static class Mpls
{
    public const int LabelEntryLength = 4;
    public const int ControlWordLength = 4;
    private const uint BottomOfStackBit = 0x100;
    private const int LabelShift = 12;
    private const int Ipv4Nibble = 4, Ipv6Nibble = 6, ControlWordNibble = 0;

    public static void Decode(ReadOnlySpan<byte> b, ref DecodedPacket p)
    {
        if (p.Kind == PacketKind.Undecoded) p.Kind = PacketKind.OtherL2; // a labelled frame carries no IP header of its own
        int length = 0;
        uint entry;
        do
        {
            if (b.Length < length + LabelEntryLength)
            {
                TunnelBoundary.Truncated(ref p);
                return;
            }
            entry = BinaryPrimitives.ReadUInt32BigEndian(b.Slice(length));
            length += LabelEntryLength;
        } while ((entry & BottomOfStackBit) == 0);
        uint label = entry >> LabelShift;
        if (b.Length <= length)
        {
            TunnelBoundary.Truncated(ref p);
            return;
        }
        ushort inner;
        switch (b[length] >> 4)
        {
            case Ipv4Nibble: inner = EtherTypes.Ipv4; break;
            case Ipv6Nibble: inner = EtherTypes.Ipv6; break;
            case ControlWordNibble:
                if (b.Length < length + ControlWordLength)
                {
                    TunnelBoundary.Truncated(ref p);
                    return;
                }
                length += ControlWordLength;
                inner = EtherTypes.TransparentEthernetBridging;
                break;
            default:
                return;
        }
        TunnelBoundary.Enter(ref p, TunnelType.Mpls, true, label, inner, length, b.Length - length);
    }
}
