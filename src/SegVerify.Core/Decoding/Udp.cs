using System.Runtime.CompilerServices;

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
        // the header is there: its fields are read without a bounds check each
        ushort sport = UncheckedBigEndian.U16(b, 0);
        ushort dport = UncheckedBigEndian.U16(b, 2);
        p.SrcPort = sport;
        p.DstPort = dport;
        p.HasPorts = true;
        // UDP-borne tunnels (VXLAN, GENEVE, Teredo): the payload as the UDP length bounds it, when that is sane
        int length = UncheckedBigEndian.U16(b, LengthOffset);
        var payload = length >= HeaderLength && length <= b.Length ? b.Slice(HeaderLength, length - HeaderLength) : b.Slice(HeaderLength);
        Dispatch.UdpPayload(sport, dport, payload, HeaderLength, ref p);
    }
}
