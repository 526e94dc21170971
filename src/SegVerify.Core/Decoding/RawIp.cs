using System.Runtime.CompilerServices;
namespace SegVerify.Core.Decoding;

/// <summary>Raw IP link types (LINKTYPE_RAW 101, DLT_RAW 12 and 14): the version nibble says IPv4 or IPv6.</summary>
internal static class RawIp
{
    private const int Ipv4Version = 4, Ipv6Version = 6;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<byte> frame, ref DecodedPacket p)
    {
        if (frame.IsEmpty)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedLinkHeader);
            return;
        }
        switch (frame[0] >> 4)
        {
            case Ipv4Version:
                p.EtherType = EtherTypes.Ipv4;
                Ipv4.Decode(frame, ref p);
                return;
            case Ipv6Version:
                p.EtherType = EtherTypes.Ipv6;
                Ipv6.Decode(frame, ref p);
                return;
            default:
                FrameDecoder.Fail(ref p, UndecodedReason.BadIpVersion);
                return;
        }
    }
}
