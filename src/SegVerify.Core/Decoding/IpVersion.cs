using System.Runtime.CompilerServices;

namespace SegVerify.Core.Decoding;

/// <summary>
/// An IP packet whose version only its first nibble gives: raw-IP link types (LINKTYPE_RAW 101, DLT_RAW 12 and 14),
/// BSD loopback and PPP once they have said "IP". The one place where a layer enters IP without an ethertype.
/// </summary>
internal static class IpVersion
{
    private const int Ipv4Version = 4, Ipv6Version = 6;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<byte> b, ref DecodedPacket p)
    {
        if (b.IsEmpty)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedLinkHeader);
            return;
        }
        switch (b[0] >> 4)
        {
            case Ipv4Version:
                Ipv4.Decode(b, ref p);
                return;
            case Ipv6Version:
                Ipv6.Decode(b, ref p);
                return;
            default:
                FrameDecoder.Fail(ref p, UndecodedReason.BadIpVersion);
                return;
        }
    }

    /// <summary>The ethertype naming the version in <paramref name="b"/>'s first nibble (0 when neither 4 nor 6).</summary>
    public static ushort EtherTypeOf(ReadOnlySpan<byte> b) => b.IsEmpty ? (ushort)0 : (b[0] >> 4) switch
    {
        Ipv4Version => EtherTypes.Ipv4,
        Ipv6Version => EtherTypes.Ipv6,
        _ => (ushort)0,
    };
}
