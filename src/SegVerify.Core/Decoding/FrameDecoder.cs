using System.Runtime.CompilerServices;
using SegVerify.Core.Capture;

namespace SegVerify.Core.Decoding;

/// <summary>
/// Decodes one captured frame into a <see cref="DecodedPacket"/> without allocating. Structured like Zeek's packet
/// analysis: the link type selects the first layer, each layer is a small static class that reads its header from a
/// span and hands the rest to the next layer chosen by ethertype (<see cref="EtherTypeDispatch"/>) or IP protocol
/// number (<see cref="IpDispatch"/>). Adding a layer is adding a file and one dispatch case.
/// <para>
/// Conventions: a layer never reads past the span it is given; when a header is cut short or malformed it sets
/// <see cref="DecodedPacket.Undecoded"/> to the reason and stops. <see cref="DecodedPacket.Kind"/> says how far
/// decoding got: <see cref="PacketKind.Undecoded"/> when nothing usable was read, <see cref="PacketKind.Ip"/> once the
/// IP header (addresses, protocol) was read, even if a later header then failed (then <see cref="DecodedPacket.IsPartial"/>
/// is true and the L4 fields are not claimed). Every frame with <c>Undecoded != None</c> belongs in the summary's
/// <c>undecoded</c> counts. Checksums are not verified (mirror ports see offloaded checksums).
/// </para>
/// </summary>
public static class FrameDecoder
{
    /// <summary>Resets <paramref name="p"/>, decodes <paramref name="frame"/> of the given LINKTYPE into it, and
    /// returns true when <see cref="DecodedPacket.Kind"/> is not <see cref="PacketKind.Undecoded"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Decode(int linkType, ReadOnlySpan<byte> frame, ref DecodedPacket p)
    {
        p = default;
        switch (linkType)
        {
            case LinkTypes.Ethernet:
                Ethernet.Decode(frame, ref p);
                break;
            case LinkTypes.LinuxSll:
                LinuxSll.Decode(frame, ref p);
                break;
            case LinkTypes.LinuxSll2:
                LinuxSll.Decode2(frame, ref p);
                break;
            case LinkTypes.Raw:
            case LinkTypes.RawDlt12:
            case LinkTypes.RawDlt14:
                RawIp.Decode(frame, ref p);
                break;
            case LinkTypes.Ipv4:
                p.EtherType = EtherTypes.Ipv4;
                Ipv4.Decode(frame, ref p);
                break;
            case LinkTypes.Ipv6:
                p.EtherType = EtherTypes.Ipv6;
                Ipv6.Decode(frame, ref p);
                break;
            case LinkTypes.Null:
                NullLoopback.DecodeNull(frame, ref p);
                break;
            case LinkTypes.Loop:
                NullLoopback.DecodeLoop(frame, ref p);
                break;
            default:
                p.Undecoded = UndecodedReason.UnsupportedLinkType;
                break;
        }
        return p.Kind != PacketKind.Undecoded;
    }

    /// <summary>Marks the frame as not decodable for <paramref name="reason"/> (keeps a Kind already reached).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Fail(ref DecodedPacket p, UndecodedReason reason) => p.Undecoded = reason;
}
