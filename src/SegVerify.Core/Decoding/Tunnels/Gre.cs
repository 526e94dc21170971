using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SegVerify.Core.Decoding;

/// <summary>
/// GRE (RFC 2784 with RFC 2890's key and sequence number), IP protocol 47: the protocol type is the ethertype of the
/// carried packet (IPv4, IPv6, 0x6558 Ethernet, MPLS...), except where a GRE protocol type refines the tunnel (ERSPAN,
/// see <see cref="Dispatch"/>). The key, when present, is the tunnel's id and names its virtual network.
/// Enhanced GRE (version 1, PPTP) and RFC 1701 source routing are not opened: the packet stays plain IP protocol 47.
/// </summary>
internal static class Gre
{
    public const int BaseLength = 4;
    public const ushort ChecksumFlag = 0x8000, RoutingFlag = 0x4000, KeyFlag = 0x2000, SequenceFlag = 0x1000;
    private const ushort VersionMask = 0x0007;
    private const int OptionalFieldLength = 4;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<byte> b, ref DecodedPacket p)
    {
        if (b.Length < BaseLength)
        {
            TunnelBoundary.Truncated(ref p);
            return;
        }
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(b);
        ushort protocol = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(2));
        if ((flags & (VersionMask | RoutingFlag)) != 0) return;
        int length = BaseLength;
        if ((flags & ChecksumFlag) != 0) length += OptionalFieldLength;   // checksum + reserved
        bool hasKey = (flags & KeyFlag) != 0;
        uint key = 0;
        if (hasKey)
        {
            if (b.Length < length + OptionalFieldLength)
            {
                TunnelBoundary.Truncated(ref p);
                return;
            }
            key = BinaryPrimitives.ReadUInt32BigEndian(b.Slice(length));
            length += OptionalFieldLength;
        }
        if ((flags & SequenceFlag) != 0) length += OptionalFieldLength;
        if (b.Length < length)
        {
            TunnelBoundary.Truncated(ref p);
            return;
        }
        var payload = b.Slice(length);
        TunnelBoundary.Enter(ref p, TunnelType.Gre, hasKey, key, protocol, length, payload.Length);
        p.GreFlags = flags;
        Dispatch.GreProtocol(protocol, payload, length, ref p);
    }
}
