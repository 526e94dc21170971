using System.Runtime.CompilerServices;
using System.Buffers.Binary;

namespace SegVerify.Core.Decoding;

/// <summary>UDP (RFC 768): ports, once the 8-byte header is present (or its first 4 bytes, see <see cref="TransportPorts"/>).</summary>
internal static class Udp
{
    public const int HeaderLength = 8;
    private const int LengthOffset = 4;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<byte> b, ref DecodedPacket p)
    {
        if (b.Length < HeaderLength)
        {
            TransportPorts.Read(b, ref p);
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedUdpHeader);
            return;
        }
        ushort sport = BinaryPrimitives.ReadUInt16BigEndian(b);
        ushort dport = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(2));
        p.SrcPort = sport;
        p.DstPort = dport;
        p.HasPorts = true;
        // UDP-borne tunnels (VXLAN, GENEVE, Teredo): the payload as the UDP length bounds it, when that is sane
        int length = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(LengthOffset));
        var payload = length >= HeaderLength && length <= b.Length ? b.Slice(HeaderLength, length - HeaderLength) : b.Slice(HeaderLength);
        Dispatch.UdpPayload(sport, dport, payload, HeaderLength, ref p);
    }
}
