using System.Buffers.Binary;

namespace SegVerify.Core.Decoding;

/// <summary>
/// GENEVE (RFC 8926): UDP destination port 6081, 8-byte header plus options (length in 4-byte units), version 0;
/// the protocol type is the carried packet's ethertype (0x6558 Ethernet, IPv4, IPv6). Another version is not opened.
/// </summary>
internal static class Geneve
{
    public const ushort Port = 6081;
    public const int BaseLength = 8;
    private const int OptionUnit = 4;
    private const byte OptionLengthMask = 0x3F;
    private const int VersionShift = 6;
    private const int ProtocolOffset = 2, VniOffset = 4;

    public static void Decode(ReadOnlySpan<byte> b, ref DecodedPacket p)
    {
        if (b.Length < BaseLength)
        {
            TunnelBoundary.Truncated(ref p);
            return;
        }
        if (b[0] >> VersionShift != 0) return;
        int length = BaseLength + (b[0] & OptionLengthMask) * OptionUnit;
        if (b.Length < length)
        {
            TunnelBoundary.Truncated(ref p);
            return;
        }
        ushort protocol = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(ProtocolOffset));
        uint vni = BinaryPrimitives.ReadUInt32BigEndian(b.Slice(VniOffset)) >> 8;
        TunnelBoundary.Enter(ref p, TunnelType.Geneve, true, vni, protocol, length, b.Length - length);
    }
}
