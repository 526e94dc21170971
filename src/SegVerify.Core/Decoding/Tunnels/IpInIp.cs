namespace SegVerify.Core.Decoding;

/// <summary>IP in IP: protocol 4 carries IPv4 (4in4, 4in6), protocol 41 IPv6 (6in4, 6in6); reported as <c>ipip</c>.</summary>
internal static class IpInIp
{
    public static void DecodeIpv4(ReadOnlySpan<byte> b, ref DecodedPacket p) =>
        TunnelBoundary.Enter(ref p, TunnelType.IpIp, false, 0, EtherTypes.Ipv4, 0, b.Length);

    public static void DecodeIpv6(ReadOnlySpan<byte> b, ref DecodedPacket p) =>
        TunnelBoundary.Enter(ref p, TunnelType.IpIp, false, 0, EtherTypes.Ipv6, 0, b.Length);
}
