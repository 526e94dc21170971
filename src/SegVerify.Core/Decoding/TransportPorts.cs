using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SegVerify.Core.Decoding;

/// <summary>
/// The source and destination ports that open TCP, UDP and SCTP headers. A header cut short (or otherwise unusable)
/// still gives its ports when its first <see cref="Length"/> bytes are there: the frame is counted as undecoded by its
/// reason, and its flow keeps its ports.
/// </summary>
internal static class TransportPorts
{
    public const int Length = 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Read(ReadOnlySpan<byte> b, ref DecodedPacket p)
    {
        if (b.Length < Length) return;
        p.SrcPort = BinaryPrimitives.ReadUInt16BigEndian(b);
        p.DstPort = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(2));
        p.HasPorts = true;
    }
}
