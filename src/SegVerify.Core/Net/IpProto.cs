namespace SegVerify.Core.Net;

/// <summary>IP protocol numbers used by name in the code.</summary>
public static class IpProto
{
    public const byte HopByHop = 0;
    public const byte Icmp = 1;
    /// <summary>IPv4 in IP (4in4, 4in6).</summary>
    public const byte IpInIp = 4;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    /// <summary>IPv6 in IP (6in4, 6in6).</summary>
    public const byte Ipv6InIp = 41;
    public const byte Ipv6Route = 43;
    public const byte Ipv6Frag = 44;
    public const byte Gre = 47;
    public const byte Esp = 50;
    public const byte Ah = 51;
    public const byte IcmpV6 = 58;
    public const byte Ipv6NoNext = 59;
    public const byte Ipv6DstOpts = 60;
    public const byte Sctp = 132;
    public const byte Dccp = 33;
    public const byte UdpLite = 136;

    /// <summary>
    /// The protocols whose header starts with a 16-bit source port and a 16-bit destination port: the one definition
    /// of "carries ports" (the firewall analysis, the policy's services and the output all use it).
    /// </summary>
    public static readonly byte[] Ported = [Tcp, Udp, Dccp, Sctp, UdpLite];

    /// <summary>The spec's text for a protocol: tcp, udp, icmp, icmpv6, else the number.</summary>
    public static string Name(byte proto) => proto switch
    {
        Tcp => "tcp",
        Udp => "udp",
        Icmp => "icmp",
        IcmpV6 => "icmpv6",
        _ => NumberNames[proto],
    };

    private static readonly string[] NumberNames = Enumerable.Range(0, 256).Select(i => i.ToString()).ToArray();

    public static bool HasPorts(byte proto) => proto is Tcp or Udp or Dccp or Sctp or UdpLite;
}
