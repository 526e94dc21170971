using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using SegVerify.Core.Net;

namespace SegVerify.Core.Decoding;

/// <summary>
/// Linux "cooked" captures: SLL (LINKTYPE_LINUX_SLL, 16-byte header) and SLL2 (LINKTYPE_LINUX_SLL2, 20 bytes).
/// The header holds only the sender's link-layer address, so <see cref="DecodedPacket.HasMac"/> stays false
/// (no MAC checks); the source MAC is still filled in when it is an Ethernet address.
/// </summary>
internal static class LinuxSll
{
    public const int SllHeaderLength = 16;
    public const int Sll2HeaderLength = 20;
    private const ushort ArphrdEther = 1;
    private const ushort ArphrdNetlink = 824;
    private const int MacLength = 6;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<byte> frame, ref DecodedPacket p)
    {
        if (frame.Length < SllHeaderLength)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedLinkHeader);
            return;
        }
        ushort hatype = BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(2));
        ushort halen = BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(4));
        if (hatype == ArphrdEther && halen == MacLength) p.SrcMac = MacAddr.FromBytes(frame.Slice(6));
        ushort proto = BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(14));
        Next(hatype, proto, frame.Slice(SllHeaderLength), SllHeaderLength, ref p);
    }

    public static void Decode2(ReadOnlySpan<byte> frame, ref DecodedPacket p)
    {
        if (frame.Length < Sll2HeaderLength)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedLinkHeader);
            return;
        }
        ushort proto = BinaryPrimitives.ReadUInt16BigEndian(frame);
        ushort hatype = BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(8));
        byte halen = frame[11];
        if (hatype == ArphrdEther && halen == MacLength) p.SrcMac = MacAddr.FromBytes(frame.Slice(12));
        Next(hatype, proto, frame.Slice(Sll2HeaderLength), Sll2HeaderLength, ref p);
    }

    private static void Next(ushort hatype, ushort proto, ReadOnlySpan<byte> payload, int headerLength, ref DecodedPacket p)
    {
        if (hatype == ArphrdNetlink || proto < EtherTypes.MinEtherType)
        {
            // Netlink messages, or a Linux pseudo protocol (802.3 / 802.2 LLC frames...): not IP.
            p.EtherType = proto;
            p.Kind = PacketKind.OtherL2;
            return;
        }
        Dispatch.EtherType(proto, payload, headerLength, ref p);
    }
}
