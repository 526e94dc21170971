using System.Runtime.CompilerServices;
using SegVerify.Core.Net;

namespace SegVerify.Core.Decoding;

/// <summary>
/// IPv4 (RFC 791) with options and fragments. A non-first fragment (offset &gt; 0) has no transport header: it is an
/// IP packet with <see cref="DecodedPacket.IsFragment"/>, its offset and id, and no ports. A total length of 0 is
/// taken as a TSO/GSO super-packet (as Wireshark does) and the captured bytes are used.
/// </summary>
internal static class Ipv4
{
    public const int MinHeaderLength = 20;
    private const int Version = 4;
    private const int IhlUnit = 4;
    private const int TotalLengthOffset = 2, IdOffset = 4, FlagsOffset = 6, ProtocolOffset = 9, SrcOffset = 12, DstOffset = 16;
    private const ushort MoreFragmentsFlag = 0x2000;
    private const ushort FragmentOffsetMask = 0x1FFF;
    private const int FragmentOffsetUnit = 8;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<byte> b, ref DecodedPacket p)
    {
        if (b.IsEmpty)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedIpv4Header);
            return;
        }
        if (b[0] >> 4 != Version)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.BadIpVersion);
            return;
        }
        if (b.Length < MinHeaderLength)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedIpv4Header);
            return;
        }
        int ihl = (b[0] & 0x0F) * IhlUnit;
        if (ihl < MinHeaderLength)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.BadIpv4HeaderLength);
            return;
        }
        if (ihl > b.Length)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedIpv4Header); // options cut by the snap length
            return;
        }
        // the fixed header is there (b.Length >= ihl >= 20): its fields are read without a bounds check each
        int totalLength = UncheckedBigEndian.U16(b, TotalLengthOffset);
        if (totalLength != 0 && totalLength < ihl)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.BadIpv4TotalLength);
            return;
        }
        p.IpVersion = Version;
        p.SrcIp = IpAddr.FromV4(UncheckedBigEndian.U32(b, SrcOffset));
        p.DstIp = IpAddr.FromV4(UncheckedBigEndian.U32(b, DstOffset));
        byte proto = UncheckedBigEndian.U8(b, ProtocolOffset);
        p.Protocol = proto;
        ushort flags = UncheckedBigEndian.U16(b, FlagsOffset);
        int fragOffset = (flags & FragmentOffsetMask) * FragmentOffsetUnit;
        bool more = (flags & MoreFragmentsFlag) != 0;
        if (more || fragOffset != 0)
        {
            p.IsFragment = true;
            p.MoreFragments = more;
            p.FragmentOffset = fragOffset;
            p.FragmentId = UncheckedBigEndian.U16(b, IdOffset);
            p.FragmentDataOffset = p.Offset + ihl;
            p.FragmentDataLength = (totalLength == 0 ? b.Length : totalLength) - ihl;
        }
        p.Kind = PacketKind.Ip;
        int declared = totalLength == 0 ? b.Length : totalLength;
        p.L4Length = declared - ihl;
        if (fragOffset != 0) return; // no transport header in a non-first fragment
        // Bound the payload by the declared length (drops Ethernet padding) and by what was captured.
        int end = Math.Min(declared, b.Length);
        Dispatch.IpProtocol(proto, b.Slice(ihl, end - ihl), ihl, ref p);
    }
}
