namespace SegVerify.Core.Decoding;

/// <summary>
/// Teredo (RFC 4380): UDP port 3544 (either side) whose payload, after an optional authentication indicator and an
/// optional origin indication, is a valid IPv6 header. Anything else on that port is plain UDP.
/// </summary>
internal static class Teredo
{
    public const ushort Port = 3544;
    private const int Ipv6HeaderLength = 40;
    private const int AuthFixedLength = 4;          // indicator type (0x0001), client id length, auth value length
    private const int AuthTrailerLength = 9;        // nonce (8) + confirmation byte
    private const int OriginIndicationLength = 8;   // indicator type (0x0000), port, address
    private const int Ipv6Version = 6;

    public static void Decode(ReadOnlySpan<byte> b, ref DecodedPacket p)
    {
        int length = 0;
        if (b.Length >= AuthFixedLength && b[0] == 0 && b[1] == 1)
            length = AuthFixedLength + b[2] + b[3] + AuthTrailerLength;
        if (b.Length >= length + 2 && b[length] == 0 && b[length + 1] == 0)
            length += OriginIndicationLength;
        if (b.Length < length + Ipv6HeaderLength || b[length] >> 4 != Ipv6Version) return;
        TunnelBoundary.Enter(ref p, TunnelType.Teredo, false, 0, EtherTypes.Ipv6, length, b.Length - length);
    }
}
