using System.Buffers.Binary;

namespace SegVerify.Core.Decoding;

/// <summary>
/// ERSPAN (remote mirror sessions) inside GRE: type I (GRE protocol 0x88BE without the GRE sequence bit: no ERSPAN
/// header), type II (0x88BE, 8-byte header) and type III (0x22EB, 12-byte header, plus an 8-byte platform-specific
/// sub-header when its O bit is set). The mirrored frame is Ethernet (type III frame type 2: an IP packet). The
/// tunnel is reported as <c>erspan</c> with the session id (types II and III) as its id.
/// </summary>
internal static class Erspan
{
    public const int TypeIILength = 8;
    public const int TypeIIILength = 12;
    public const int PlatformSubHeaderLength = 8;
    private const ushort SessionMask = 0x03FF;
    private const ushort VlanMask = 0x0FFF;
    private const int EncapsulationShift = 11, EncapsulationMask = 0x3;
    private const int EncapsulationIsl = 1, EncapsulationDot1Q = 2;
    private const int SessionOffset = 2;
    private const int TypeIIIFlagsOffset = 10;
    private const ushort PlatformSubHeaderFlag = 0x0001;
    private const int FrameTypeShift = 10;
    private const ushort FrameTypeMask = 0x1F;
    private const ushort FrameTypeEthernet = 0, FrameTypeIp = 2;

    /// <summary>GRE protocol 0x88BE: type II when GRE has a sequence number, else type I.</summary>
    public static void DecodeTypeIOrII(ReadOnlySpan<byte> b, ref DecodedPacket p)
    {
        if ((p.GreFlags & Gre.SequenceFlag) == 0)
        {
            TunnelBoundary.Enter(ref p, TunnelType.Erspan, false, 0, EtherTypes.TransparentEthernetBridging, 0, b.Length);
            return;
        }
        if (b.Length < TypeIILength)
        {
            TunnelBoundary.Truncated(ref p);
            return;
        }
        ushort word = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(SessionOffset));
        uint session = (uint)(word & SessionMask);
        TunnelBoundary.Enter(ref p, TunnelType.Erspan, true, session, EtherTypes.TransparentEthernetBridging,
            TypeIILength, b.Length - TypeIILength);
        // En: 0 the frame was untagged, 1 ISL, 2 802.1Q (the tag was removed: its VLAN is in this header), 3 the tag is
        // kept in the frame. For 1 and 2 the header's VLAN stands for the frame's tag.
        int encapsulation = (word >> EncapsulationShift) & EncapsulationMask;
        if (encapsulation is EncapsulationIsl or EncapsulationDot1Q)
            p.NextVlan = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(b) & VlanMask);
    }

    /// <summary>GRE protocol 0x22EB.</summary>
    public static void DecodeTypeIII(ReadOnlySpan<byte> b, ref DecodedPacket p)
    {
        if (b.Length < TypeIIILength)
        {
            TunnelBoundary.Truncated(ref p);
            return;
        }
        uint session = (uint)(BinaryPrimitives.ReadUInt16BigEndian(b.Slice(SessionOffset)) & SessionMask);
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(TypeIIIFlagsOffset));
        int length = TypeIIILength + ((flags & PlatformSubHeaderFlag) != 0 ? PlatformSubHeaderLength : 0);
        if (b.Length < length)
        {
            TunnelBoundary.Truncated(ref p);
            return;
        }
        var frame = b.Slice(length);
        ushort inner = ((flags >> FrameTypeShift) & FrameTypeMask) switch
        {
            FrameTypeEthernet => EtherTypes.TransparentEthernetBridging,
            FrameTypeIp => IpVersion.EtherTypeOf(frame),
            _ => 0,
        };
        if (inner == 0)
        {
            p.NextTunnel = TunnelType.None; // a frame type this decoder does not know: the outer packet only
            return;
        }
        TunnelBoundary.Enter(ref p, TunnelType.Erspan, true, session, inner, length, frame.Length);
    }
}
