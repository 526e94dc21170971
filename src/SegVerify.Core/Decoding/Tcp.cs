using System.Runtime.CompilerServices;
using System.Buffers.Binary;

namespace SegVerify.Core.Decoding;

/// <summary>TCP (RFC 9293): ports and flags, once the fixed 20-byte header is present and its data offset is sane (ports alone from a shorter header, see <see cref="TransportPorts"/>).</summary>
internal static class Tcp
{
    public const int MinHeaderLength = 20;
    private const int DataOffsetUnit = 4;
    private const int DataOffsetByte = 12, FlagsByte = 13;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<byte> b, ref DecodedPacket p)
    {
        if (b.Length < MinHeaderLength)
        {
            TransportPorts.Read(b, ref p);
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedTcpHeader);
            return;
        }
        if ((b[DataOffsetByte] >> 4) * DataOffsetUnit < MinHeaderLength)
        {
            TransportPorts.Read(b, ref p);
            FrameDecoder.Fail(ref p, UndecodedReason.BadTcpHeaderLength);
            return;
        }
        // Options beyond the fixed header are not needed: a data offset past the captured bytes is fine.
        p.SrcPort = BinaryPrimitives.ReadUInt16BigEndian(b);
        p.DstPort = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(2));
        p.TcpFlags = b[FlagsByte];
        p.HasPorts = true;
    }
}
