using System.Runtime.CompilerServices;
using System.Buffers.Binary;

namespace SegVerify.Core.Decoding;

/// <summary>
/// ICMP (RFC 792) and ICMPv6 (RFC 4443): type and code from the first 4 bytes; for echo request/reply the identifier
/// from the 8-byte echo header (an echo message shorter than that is marked truncated, type and code still set).
/// </summary>
internal static class Icmp
{
    public const int HeaderLength = 4;          // type, code, checksum
    public const int EchoHeaderLength = 8;      // + identifier, sequence
    private const int IdOffset = 4;
    private const byte V4EchoReply = 0, V4EchoRequest = 8;
    private const byte V6EchoRequest = 128, V6EchoReply = 129;

    public static void DecodeV4(ReadOnlySpan<byte> b, ref DecodedPacket p) =>
        Decode(b, ref p, isEcho: b.Length >= 1 && b[0] is V4EchoReply or V4EchoRequest);

    public static void DecodeV6(ReadOnlySpan<byte> b, ref DecodedPacket p) =>
        Decode(b, ref p, isEcho: b.Length >= 1 && b[0] is V6EchoRequest or V6EchoReply);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Decode(ReadOnlySpan<byte> b, ref DecodedPacket p, bool isEcho)
    {
        if (b.Length < HeaderLength)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedIcmpHeader);
            return;
        }
        p.IcmpType = b[0];
        p.IcmpCode = b[1];
        p.HasIcmp = true;
        if (!isEcho) return;
        if (b.Length < EchoHeaderLength)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedIcmpHeader);
            return;
        }
        p.IcmpEchoId = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(IdOffset));
    }
}
