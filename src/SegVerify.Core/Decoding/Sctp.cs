using System.Runtime.CompilerServices;
using System.Buffers.Binary;

namespace SegVerify.Core.Decoding;

/// <summary>SCTP (RFC 9260) common header: ports, once the 12-byte header is present (or its first 4 bytes, see <see cref="TransportPorts"/>).</summary>
internal static class Sctp
{
    public const int CommonHeaderLength = 12;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<byte> b, ref DecodedPacket p)
    {
        if (b.Length < CommonHeaderLength)
        {
            TransportPorts.Read(b, ref p);
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedSctpHeader);
            return;
        }
        p.SrcPort = BinaryPrimitives.ReadUInt16BigEndian(b);
        p.DstPort = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(2));
        p.HasPorts = true;
    }
}
