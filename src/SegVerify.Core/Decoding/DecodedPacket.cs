using SegVerify.Core.Net;

namespace SegVerify.Core.Decoding;

/// <summary>What a frame turned out to be.</summary>
public enum PacketKind : byte
{
    /// <summary>Not decoded; <see cref="DecodedPacket.Undecoded"/> says why.</summary>
    Undecoded = 0,
    /// <summary>ARP (feeds the MAC checks, never a flow).</summary>
    Arp = 1,
    /// <summary>IPv4 or IPv6.</summary>
    Ip = 2,
    /// <summary>A well-formed link-layer frame of another ethertype (LLDP, STP...): counted, not judged.</summary>
    OtherL2 = 3,
}

/// <summary>Why a frame could not be decoded. Names appear in the summary's <c>undecoded</c> object (see <see cref="UndecodedReasons"/>).</summary>
public enum UndecodedReason : byte
{
    None = 0,
    UnsupportedLinkType,
    TruncatedLinkHeader,
    TruncatedVlanTag,
    TooManyVlanTags,
    TruncatedArp,
    TruncatedIpv4Header,
    BadIpv4HeaderLength,
    BadIpv4TotalLength,
    TruncatedIpv6Header,
    BadIpVersion,
    TruncatedIpv6ExtensionHeader,
    TooManyIpv6ExtensionHeaders,
    TruncatedTcpHeader,
    BadTcpHeaderLength,
    TruncatedUdpHeader,
    TruncatedIcmpHeader,
    UnsupportedEthertype,
    Other,
    // ---- added by the capture/decoding work (appended: values above keep their numbers) ----
    TruncatedSctpHeader,
    TruncatedPppoeHeader,
    /// <summary>An IPv4 authentication header (protocol 51) cut short.</summary>
    TruncatedAuthHeader,
    // ---- added by the tunnel work ----
    /// <summary>A tunnel header (GRE, ERSPAN, VXLAN, GENEVE, MPLS) cut short: the outer packet is still used.</summary>
    TruncatedTunnel,
    /// <summary>More than <see cref="TunnelStack.MaxDepth"/> encapsulations: the innermost ones are not opened.</summary>
    TunnelDepth,
}

public static class UndecodedReasons
{
    private static readonly string[] Names = Enum.GetValues<UndecodedReason>().Select(ToKebab).ToArray();
    public static string Name(UndecodedReason r) => Names[(int)r];

    private static string ToKebab(UndecodedReason r)
    {
        var s = r.ToString();
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsUpper(s[i]) && i > 0) sb.Append('-');
            sb.Append(char.ToLowerInvariant(s[i]));
        }
        return sb.ToString();
    }
}

/// <summary>
/// One decoded frame: a plain struct filled in place by the frame decoder (no allocation per packet).
/// Only the fields the flow table and the policy need; the payload is never copied.
/// </summary>
public struct DecodedPacket
{
    public PacketKind Kind;
    public UndecodedReason Undecoded;

    // ---- link layer ----
    /// <summary>False for raw-IP, null/loopback link types: no MAC checks then.</summary>
    public bool HasMac;
    public MacAddr SrcMac;
    public MacAddr DstMac;
    /// <summary>Number of 802.1Q/802.1ad tags (0, 1 or 2; more is reported as 2 with the two outermost).</summary>
    public byte VlanCount;
    /// <summary>Outer tag's VLAN id (the one reported as <c>vlan</c>); 0 when untagged.</summary>
    public ushort OuterVlan;
    /// <summary>Inner tag's VLAN id for QinQ; 0 otherwise.</summary>
    public ushort InnerVlan;
    /// <summary>Ethertype after the tags (0x0800, 0x86DD, 0x0806...).</summary>
    public ushort EtherType;

    // ---- ARP (Kind == Arp) ----
    public ushort ArpOperation;
    public MacAddr ArpSenderMac;
    public IpAddr ArpSenderIp;
    public IpAddr ArpTargetIp;
    /// <summary>Target hardware address (zero in a request).</summary>
    public MacAddr ArpTargetMac;

    // ---- IP (Kind == Ip) ----
    /// <summary>4 or 6.</summary>
    public byte IpVersion;
    public IpAddr SrcIp;
    public IpAddr DstIp;
    /// <summary>Upper-layer protocol after IPv6 extension headers (6, 17, 1, 58, ...).</summary>
    public byte Protocol;
    /// <summary>True when <see cref="SrcPort"/>/<see cref="DstPort"/> were read (TCP, UDP, SCTP first fragment).</summary>
    public bool HasPorts;
    public ushort SrcPort;
    public ushort DstPort;
    /// <summary>TCP flags byte (FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10 URG=0x20 ECE=0x40 CWR=0x80).</summary>
    public byte TcpFlags;
    /// <summary>True when the ICMP/ICMPv6 type and code were read.</summary>
    public bool HasIcmp;
    public byte IcmpType;
    public byte IcmpCode;
    /// <summary>Echo identifier for ICMP(v6) echo request/reply; 0 otherwise.</summary>
    public ushort IcmpEchoId;

    // ---- fragments ----
    /// <summary>This packet is an IP fragment (IPv4 MF or offset, or an IPv6 fragment header).</summary>
    public bool IsFragment;
    /// <summary>Fragment offset in bytes; 0 for the first fragment.</summary>
    public int FragmentOffset;
    public bool MoreFragments;
    /// <summary>IPv4 identification or IPv6 fragment header identification.</summary>
    public uint FragmentId;
    /// <summary>
    /// For a fragment: where in the frame its share of the datagram begins (after the IPv4 header, or after the IPv6
    /// fragment header) and how many bytes of the datagram it declares; lets a carried tunnel be reassembled.
    /// </summary>
    public int FragmentDataOffset, FragmentDataLength;

    /// <summary>Bytes of IP payload after all IP headers as declared (for statistics only).</summary>
    public int L4Length;

    // ---- position and tunnels (see TunnelStack and FrameDecoder.DecodeInner) ----
    /// <summary>Offset in the frame of the span handed to the layer being decoded (kept by <see cref="Dispatch"/>).</summary>
    public int Offset;
    /// <summary>How many encapsulations surround this packet (0 for the outermost packet of a frame).</summary>
    public byte TunnelDepth;
    /// <summary>
    /// The virtual network the packet belongs to: VXLAN/GENEVE VNI or GRE key of the innermost tunnel around it that
    /// has one (<see cref="TunnelStack.VirtualNetwork"/> encoding), 0 when none. Part of the flow key.
    /// </summary>
    public ulong VirtualNetwork;
    /// <summary>The encapsulation this packet carries, <see cref="TunnelType.None"/> when none was found.</summary>
    public TunnelType NextTunnel;
    /// <summary>Whether <see cref="NextTunnelId"/> holds the tunnel's id (VNI, GRE key, ERSPAN session, MPLS label).</summary>
    public bool NextHasId;
    public uint NextTunnelId;
    /// <summary>Ethertype that selects the first layer of the carried packet (0x0800, 0x86DD, 0x6558 Ethernet, 0x8847 MPLS).</summary>
    public ushort NextEtherType;
    /// <summary>Offset and length of the carried packet in the frame.</summary>
    public int NextOffset, NextLength;
    /// <summary>Flags word of the GRE header being opened (for ERSPAN, whose type I and II GRE's sequence bit tells apart).</summary>
    public ushort GreFlags;
    /// <summary>
    /// VLAN id a tunnel header gives for its carried frame when the frame itself lost its tag (ERSPAN type II with
    /// encapsulation type 802.1Q or ISL); 0 otherwise.
    /// </summary>
    public ushort NextVlan;

    /// <summary>
    /// True when the IP header was read (<see cref="Kind"/> is <see cref="PacketKind.Ip"/>: addresses and protocol are
    /// usable) but a later header was cut short or malformed (<see cref="Undecoded"/> says which); fields of the cut header are
    /// then not claimed (no ports unless the first 4 bytes of a TCP/UDP/SCTP header are there; for an ICMP echo cut before its identifier, type and code are kept). Such frames are counted in the summary's <c>undecoded</c> like undecoded ones.
    /// </summary>
    public readonly bool IsPartial => Kind != PacketKind.Undecoded && Undecoded != UndecodedReason.None;

    public const byte TcpFin = 0x01, TcpSyn = 0x02, TcpRst = 0x04, TcpPsh = 0x08, TcpAck = 0x10;
}
