using System.Buffers.Binary;

namespace SegVerify.Core.Decoding;

/// <summary>
/// BSD loopback: LINKTYPE_NULL (a 4-byte address family in the capturing host's byte order, so both orders are
/// accepted) and LINKTYPE_LOOP (the same in network byte order). AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD,
/// OpenBSD, BSD/OS), 28 (FreeBSD) or 30 (macOS).
/// </summary>
internal static class NullLoopback
{
    public const int HeaderLength = 4;
    private const uint AfInet = 2;
    private const uint AfInet6Bsd = 24, AfInet6FreeBsd = 28, AfInet6Darwin = 30;
    private const uint LowHalfMask = 0xFFFF;

    public static void DecodeNull(ReadOnlySpan<byte> frame, ref DecodedPacket p)
    {
        if (frame.Length < HeaderLength)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedLinkHeader);
            return;
        }
        uint fam = BinaryPrimitives.ReadUInt32LittleEndian(frame);
        if (fam > LowHalfMask) fam = BinaryPrimitives.ReverseEndianness(fam); // written by a big-endian host
        Next(fam, frame.Slice(HeaderLength), ref p);
    }

    public static void DecodeLoop(ReadOnlySpan<byte> frame, ref DecodedPacket p)
    {
        if (frame.Length < HeaderLength)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedLinkHeader);
            return;
        }
        Next(BinaryPrimitives.ReadUInt32BigEndian(frame), frame.Slice(HeaderLength), ref p);
    }

    private static void Next(uint family, ReadOnlySpan<byte> payload, ref DecodedPacket p)
    {
        switch (family)
        {
            case AfInet:
            case AfInet6Bsd:
            case AfInet6FreeBsd:
            case AfInet6Darwin:
                p.Offset += HeaderLength;
                IpVersion.Decode(payload, ref p);
                return;
            default:
                p.Kind = PacketKind.OtherL2; // another address family (OSI, AppleTalk...): not IP
                return;
        }
    }
}
