namespace SegVerify.Core.Capture;

/// <summary>LINKTYPE_* values from the pcap/pcapng link-type registry that SegVerify decodes.</summary>
public static class LinkTypes
{
    public const int Null = 0;          // BSD loopback, host-order 4-byte family
    public const int Ethernet = 1;
    public const int Raw = 101;         // raw IPv4/IPv6 (LINKTYPE_RAW)
    public const int RawDlt12 = 12;     // DLT_RAW on some BSDs
    public const int RawDlt14 = 14;     // DLT_RAW on OpenBSD
    public const int Loop = 108;        // OpenBSD loopback, network-order family
    public const int LinuxSll = 113;
    public const int Ipv4 = 228;
    public const int Ipv6 = 229;
    public const int LinuxSll2 = 276;

    /// <summary>Link types whose frames start directly with an IPv4 or IPv6 header (version nibble decides).</summary>
    public static bool IsRawIp(int linkType) => linkType is Raw or RawDlt12 or RawDlt14;
}
