using SegVerify.Core.Net;

namespace SegVerify.Core.Decoding;

/// <summary>Chooses the transport layer after the IP header(s) by protocol number.</summary>
internal static class IpDispatch
{
    /// <summary>After an IPv4 header: an authentication header (transport mode) is skipped once, then the transport.</summary>
    public static void DecodeV4Payload(byte proto, ReadOnlySpan<byte> l4, ref DecodedPacket p)
    {
        if (proto == IpProto.Ah)
        {
            if (!AuthHeader.Skip(ref l4, out proto, out int ahLength))
            {
                FrameDecoder.Fail(ref p, UndecodedReason.TruncatedAuthHeader);
                return;
            }
            p.Protocol = proto;
            p.L4Length = Math.Max(0, p.L4Length - ahLength);
        }
        DecodeTransport(proto, l4, ref p);
    }

    public static void DecodeV6Payload(byte proto, ReadOnlySpan<byte> l4, ref DecodedPacket p) => DecodeTransport(proto, l4, ref p);

    private static void DecodeTransport(byte proto, ReadOnlySpan<byte> l4, ref DecodedPacket p)
    {
        switch (proto)
        {
            case IpProto.Tcp:
                Tcp.Decode(l4, ref p);
                return;
            case IpProto.Udp:
                Udp.Decode(l4, ref p);
                return;
            case IpProto.Icmp:
                Icmp.DecodeV4(l4, ref p);
                return;
            case IpProto.IcmpV6:
                Icmp.DecodeV6(l4, ref p);
                return;
            case IpProto.Sctp:
                Sctp.Decode(l4, ref p);
                return;
            default:
                return; // ESP, GRE, OSPF, no next header...: an IP packet without ports
        }
    }
}
