using System.Runtime.CompilerServices;
using System.Buffers.Binary;

namespace SegVerify.Core.Decoding;

/// <summary>UDP (RFC 768): ports, once the 8-byte header is present (or its first 4 bytes, see <see cref="TransportPorts"/>).</summary>
internal static class Udp
{
    public const int HeaderLength = 8;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<byte> b, ref DecodedPacket p)
    {
        if (b.Length < HeaderLength)
        {
            TransportPorts.Read(b, ref p);
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedUdpHeader);
            return;
        }
        p.SrcPort = BinaryPrimitives.ReadUInt16BigEndian(b);
        p.DstPort = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(2));
        p.HasPorts = true;
    }
}
