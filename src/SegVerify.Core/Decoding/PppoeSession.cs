using System.Runtime.CompilerServices;
using System.Buffers.Binary;

namespace SegVerify.Core.Decoding;

/// <summary>PPPoE session stage (RFC 2516, ethertype 0x8864) carrying PPP: IPv4 and IPv6 are followed.</summary>
internal static class PppoeSession
{
    public const int HeaderLength = 6;      // ver/type, code, session id, length
    private const int PppProtocolLength = 2;
    private const ushort PppIpv4 = 0x0021;
    private const ushort PppIpv6 = 0x0057;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<byte> b, ref DecodedPacket p)
    {
        if (b.Length < HeaderLength + PppProtocolLength)
        {
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedPppoeHeader);
            return;
        }
        ushort proto = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(HeaderLength));
        var ip = b.Slice(HeaderLength + PppProtocolLength);
        switch (proto)
        {
            case PppIpv4:
            case PppIpv6:
                p.Offset += HeaderLength + PppProtocolLength;
                IpVersion.Decode(ip, ref p);
                return;
            default:
                p.Kind = PacketKind.OtherL2; // LCP, IPCP, CHAP...: PPP control traffic
                return;
        }
    }
}
