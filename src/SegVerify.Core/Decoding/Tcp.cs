using System.Runtime.CompilerServices;

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
        // the fixed header is there: its fields are read without a bounds check each
        if ((UncheckedBigEndian.U8(b, DataOffsetByte) >> 4) * DataOffsetUnit < MinHeaderLength)
        {
            TransportPorts.Read(b, ref p);
            FrameDecoder.Fail(ref p, UndecodedReason.BadTcpHeaderLength);
            return;
        }
        // Options beyond the fixed header are not needed: a data offset past the captured bytes is fine.
        p.SrcPort = UncheckedBigEndian.U16(b, 0);
        p.DstPort = UncheckedBigEndian.U16(b, 2);
        p.TcpFlags = UncheckedBigEndian.U8(b, FlagsByte);
        p.HasPorts = true;
    }
}
