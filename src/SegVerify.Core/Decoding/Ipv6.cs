using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using SegVerify.Core.Net;

namespace SegVerify.Core.Decoding;

/// <summary>
/// IPv6 (RFC 8200) and its extension header chain: hop-by-hop (0), routing (43), fragment (44), destination options
/// (60), authentication header (51, length in 4-octet units plus 2), no next header (59), capped at
/// <see cref="MaxExtensionHeaders"/>. A payload length of 0 (jumbogram / BIG TCP) uses the captured bytes.
/// </summary>
internal static class Ipv6
{
    public const int HeaderLength = 40;
    /// <summary>
    /// Cap on the chain. The walk is already bounded by the packet (each header is at least 8 octets); the cap only
    /// bounds the work per packet. It is deliberately generous: real test captures chain 130-175 headers
    /// (libpcap's ipv6_ext_headers.pcap, Suricata's frag-12 evasion case) and a low cap would let such a chain hide
    /// the ports from the policy.
    /// </summary>
    public const int MaxExtensionHeaders = 256;
    private const int Version = 6;
    private const int PayloadLengthOffset = 4, NextHeaderOffset = 6, SrcOffset = 8, DstOffset = 24;
    private const int ExtMinLength = 2;        // next header + length
    private const int ExtLengthUnit = 8;       // hop-by-hop, routing, destination options: (len + 1) * 8
    private const int AhLengthUnit = 4;        // AH: (len + 2) * 4
    private const int FragmentHeaderLength = 8;
    private const ushort FragmentOffsetMask = 0xFFF8;
    private const ushort MoreFragmentsFlag = 0x0001;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<byte> b, ref DecodedPacket p)
    {
        if (b.IsEmpty)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedIpv6Header);
            return;
        }
        if (b[0] >> 4 != Version)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.BadIpVersion);
            return;
        }
        if (b.Length < HeaderLength)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedIpv6Header);
            return;
        }
        // the fixed header is there: its fields are read without a bounds check each
        int payloadLength = UncheckedBigEndian.U16(b, PayloadLengthOffset);
        byte next = UncheckedBigEndian.U8(b, NextHeaderOffset);
        p.IpVersion = Version;
        p.SrcIp = new IpAddr(UncheckedBigEndian.U64(b, SrcOffset), UncheckedBigEndian.U64(b, SrcOffset + 8));
        p.DstIp = new IpAddr(UncheckedBigEndian.U64(b, DstOffset), UncheckedBigEndian.U64(b, DstOffset + 8));
        p.Protocol = next;
        p.Kind = PacketKind.Ip;

        int declared = payloadLength == 0 ? b.Length - HeaderLength : payloadLength;
        var rest = b.Slice(HeaderLength, Math.Min(declared, b.Length - HeaderLength));
        int consumed = 0;
        for (int count = 0; ; count++)
        {
            int len;
            switch (next)
            {
                case IpProto.HopByHop:
                case IpProto.Ipv6Route:
                case IpProto.Ipv6DstOpts:
                    if (rest.Length < ExtMinLength) goto Truncated;
                    len = (rest[1] + 1) * ExtLengthUnit;
                    break;
                case IpProto.Ah:
                    if (rest.Length < ExtMinLength) goto Truncated;
                    len = (rest[1] + 2) * AhLengthUnit;
                    break;
                case IpProto.Ipv6Frag:
                {
                    if (rest.Length < FragmentHeaderLength) goto Truncated;
                    ushort fo = BinaryPrimitives.ReadUInt16BigEndian(rest.Slice(2));
                    p.IsFragment = true;
                    p.FragmentOffset = fo & FragmentOffsetMask;
                    p.MoreFragments = (fo & MoreFragmentsFlag) != 0;
                    p.FragmentId = BinaryPrimitives.ReadUInt32BigEndian(rest.Slice(4));
                    p.FragmentDataOffset = p.Offset + HeaderLength + consumed + FragmentHeaderLength;
                    p.FragmentDataLength = declared - consumed - FragmentHeaderLength;
                    len = FragmentHeaderLength;
                    break;
                }
                default:
                    // Upper-layer protocol (or 59 no next header, 50 ESP...).
                    p.Protocol = next;
                    p.L4Length = declared - consumed;
                    Dispatch.IpProtocol(next, rest, HeaderLength + consumed, ref p);
                    return;
            }
            if (count >= MaxExtensionHeaders)
            {
                FrameDecoder.Fail(ref p, UndecodedReason.TooManyIpv6ExtensionHeaders);
                return;
            }
            if (len > rest.Length) goto Truncated;
            next = rest[0];
            p.Protocol = next;
            rest = rest.Slice(len);
            consumed += len;
            if (p.IsFragment && p.FragmentOffset != 0)
            {
                // Non-first fragment: what follows is the middle of the payload, not a header.
                p.L4Length = declared - consumed;
                return;
            }
        }
    Truncated:
        FrameDecoder.Fail(ref p, UndecodedReason.TruncatedIpv6ExtensionHeader);
    }
}
