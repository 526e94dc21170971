using System.Buffers.Binary;

namespace SegVerify.Core.Decoding;

/// <summary>
/// VXLAN (RFC 7348): UDP destination port 4789 (IANA) or 8472 (Linux's default), 8-byte header whose I flag says the
/// VNI is valid; an Ethernet frame follows. Without the I flag the datagram is plain UDP.
/// </summary>
internal static class Vxlan
{
    public const ushort Port = 4789;
    public const ushort LinuxPort = 8472;
    public const int HeaderLength = 8;
    private const byte VniValidFlag = 0x08;
    private const int VniOffset = 4;

    public static void Decode(ReadOnlySpan<byte> b, ref DecodedPacket p)
    {
        if (b.Length < HeaderLength)
        {
            TunnelBoundary.Truncated(ref p);
            return;
        }
        if ((b[0] & VniValidFlag) == 0) return;
        uint vni = BinaryPrimitives.ReadUInt32BigEndian(b.Slice(VniOffset)) >> 8;
        TunnelBoundary.Enter(ref p, TunnelType.Vxlan, true, vni, EtherTypes.TransparentEthernetBridging,
            HeaderLength, b.Length - HeaderLength);
    }
}
