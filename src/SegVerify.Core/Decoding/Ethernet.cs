using System.Runtime.CompilerServices;
using SegVerify.Core.Net;

namespace SegVerify.Core.Decoding;

/// <summary>Ethernet II / 802.3 (LINKTYPE_ETHERNET): destination MAC, source MAC, type/length.</summary>
internal static class Ethernet
{
    public const int HeaderLength = 14;
    private const int DstOffset = 0, SrcOffset = 6, TypeOffset = 12;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<byte> frame, ref DecodedPacket p)
    {
        // Also the first layer of an Ethernet frame carried in a tunnel (ethertype 0x6558): it starts a new frame.
        if (frame.Length < HeaderLength)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedLinkHeader);
            return;
        }
        // the whole header is there: its fields are read without a bounds check each
        p.HasMac = true;
        p.DstMac = new MacAddr(UncheckedBigEndian.U48(frame, DstOffset));
        p.SrcMac = new MacAddr(UncheckedBigEndian.U48(frame, SrcOffset));
        ushort type = UncheckedBigEndian.U16(frame, TypeOffset);
        if (type < EtherTypes.MinEtherType)
        {
            // IEEE 802.3 length field: an LLC frame (STP, CDP, NetBIOS...). Well-formed, not IP.
            p.EtherType = type;
            p.Kind = PacketKind.OtherL2;
            return;
        }
        Dispatch.EtherType(type, frame.Slice(HeaderLength), HeaderLength, ref p);
    }
}
