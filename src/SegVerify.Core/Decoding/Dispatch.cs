using System.Runtime.CompilerServices;
using SegVerify.Core.Capture;
using SegVerify.Core.Net;

namespace SegVerify.Core.Decoding;

/// <summary>
/// The one dispatch table of the decoder, as in Zeek's packet analysis: every layer registers here under the keys
/// that lead to it (link type, ethertype, GRE protocol type, IP protocol number, UDP port), and a layer hands its
/// payload on by key, never by naming the next layer. Adding a layer is adding a file with a static
/// <c>Decode(ReadOnlySpan&lt;byte&gt;, ref DecodedPacket)</c> and a line in <see cref="Register"/>.
/// <para>
/// Dispatch is two array loads and one indirect call through a static function pointer (no delegate, no virtual
/// call, no allocation). Each call also advances <see cref="DecodedPacket.Offset"/> by the header the caller
/// consumed, so a tunnel layer knows where in the frame its carried packet starts.
/// </para>
/// </summary>
internal static unsafe class Dispatch
{
    /// <summary>The table: which layer decodes what follows each key.</summary>
    private static void Register(Builder t)
    {
        // first layer of a frame, by the capture's LINKTYPE
        t.LinkType(LinkTypes.Ethernet, &Ethernet.Decode);
        t.LinkType(LinkTypes.LinuxSll, &LinuxSll.Decode);
        t.LinkType(LinkTypes.LinuxSll2, &LinuxSll.Decode2);
        t.LinkType(LinkTypes.Raw, &IpVersion.Decode);
        t.LinkType(LinkTypes.RawDlt12, &IpVersion.Decode);
        t.LinkType(LinkTypes.RawDlt14, &IpVersion.Decode);
        t.LinkType(LinkTypes.Ipv4, &Ipv4.Decode);
        t.LinkType(LinkTypes.Ipv6, &Ipv6.Decode);
        t.LinkType(LinkTypes.Null, &NullLoopback.DecodeNull);
        t.LinkType(LinkTypes.Loop, &NullLoopback.DecodeLoop);

        // after a link header, a VLAN tag, GRE, GENEVE or a tunnel boundary, by ethertype
        t.EtherType(EtherTypes.Ipv4, &Ipv4.Decode);
        t.EtherType(EtherTypes.Ipv6, &Ipv6.Decode);
        t.EtherType(EtherTypes.Arp, &Arp.Decode);
        t.EtherType(EtherTypes.Vlan, &Vlan.Decode);
        t.EtherType(EtherTypes.QinQ, &Vlan.Decode);
        t.EtherType(EtherTypes.QinQLegacy, &Vlan.Decode);
        t.EtherType(EtherTypes.QinQLegacy2, &Vlan.Decode);
        t.EtherType(EtherTypes.PppoeSession, &PppoeSession.Decode);
        t.EtherType(EtherTypes.TransparentEthernetBridging, &Ethernet.Decode);
        t.EtherType(EtherTypes.MplsUnicast, &Mpls.Decode);
        t.EtherType(EtherTypes.MplsMulticast, &Mpls.Decode);
        // Encapsulations that can carry IP which this decoder does not open: counted as undecoded so that traffic
        // hidden inside them is visible in the summary instead of silently passing as "other L2".
        t.EtherType(EtherTypes.MacSec, &Unsupported);
        t.EtherType(EtherTypes.ProviderBackbone, &Unsupported);

        // GRE protocol types that refine the GRE tunnel instead of starting the carried packet
        t.GreProtocol(EtherTypes.ErspanTypeII, &Erspan.DecodeTypeIOrII);
        t.GreProtocol(EtherTypes.ErspanTypeIII, &Erspan.DecodeTypeIII);

        // after an IP header, by protocol number
        t.IpProtocol(IpProto.Tcp, &Tcp.Decode);
        t.IpProtocol(IpProto.Udp, &Udp.Decode);
        t.IpProtocol(IpProto.Icmp, &Icmp.DecodeV4);
        t.IpProtocol(IpProto.IcmpV6, &Icmp.DecodeV6);
        t.IpProtocol(IpProto.Sctp, &Sctp.Decode);
        t.IpProtocol(IpProto.Ah, &AuthHeader.Decode);   // IPv4 only: IPv6 walks AH in its extension chain
        t.IpProtocol(IpProto.Gre, &Gre.Decode);
        t.IpProtocol(IpProto.IpInIp, &IpInIp.DecodeIpv4);
        t.IpProtocol(IpProto.Ipv6InIp, &IpInIp.DecodeIpv6);

        // after a UDP header, by destination port (and by either port where the protocol is symmetric)
        t.UdpDestinationPort(Vxlan.Port, &Vxlan.Decode);
        t.UdpDestinationPort(Vxlan.LinuxPort, &Vxlan.Decode);
        t.UdpDestinationPort(Geneve.Port, &Geneve.Decode);
        t.UdpEitherPort(Teredo.Port, &Teredo.Decode);
    }

    // ---- the tables (index 0 of every key table is "not registered") ----
    private const int MaxLinkType = 512;
    private static readonly delegate*<ReadOnlySpan<byte>, ref DecodedPacket, void>[] Layers;
    private static readonly byte[] ByLinkType = new byte[MaxLinkType];
    private static readonly byte[] ByEtherType = new byte[65536];
    private static readonly byte[] ByGreProtocol = new byte[65536];
    private static readonly byte[] ByIpProtocol = new byte[256];
    private static readonly byte[] ByUdpDestination = new byte[65536];
    private static readonly byte[] ByUdpSource = new byte[65536];

    static Dispatch()
    {
        var b = new Builder();
        Register(b);
        Layers = b.Build();
    }

    private sealed class Builder
    {
        private readonly List<nint> _layers = [0];

        private byte Id(delegate*<ReadOnlySpan<byte>, ref DecodedPacket, void> fn)
        {
            int i = _layers.IndexOf((nint)fn);
            if (i < 0) { i = _layers.Count; _layers.Add((nint)fn); }
            if (i > byte.MaxValue) throw new InvalidOperationException("too many decoder layers");
            return (byte)i;
        }

        public void LinkType(int linkType, delegate*<ReadOnlySpan<byte>, ref DecodedPacket, void> fn) => ByLinkType[linkType] = Id(fn);
        public void EtherType(ushort type, delegate*<ReadOnlySpan<byte>, ref DecodedPacket, void> fn) => ByEtherType[type] = Id(fn);
        public void GreProtocol(ushort type, delegate*<ReadOnlySpan<byte>, ref DecodedPacket, void> fn) => ByGreProtocol[type] = Id(fn);
        public void IpProtocol(byte proto, delegate*<ReadOnlySpan<byte>, ref DecodedPacket, void> fn) => ByIpProtocol[proto] = Id(fn);
        public void UdpDestinationPort(ushort port, delegate*<ReadOnlySpan<byte>, ref DecodedPacket, void> fn) => ByUdpDestination[port] = Id(fn);
        public void UdpEitherPort(ushort port, delegate*<ReadOnlySpan<byte>, ref DecodedPacket, void> fn)
        {
            ByUdpDestination[port] = Id(fn);
            ByUdpSource[port] = Id(fn);
        }

        public delegate*<ReadOnlySpan<byte>, ref DecodedPacket, void>[] Build()
        {
            var a = new delegate*<ReadOnlySpan<byte>, ref DecodedPacket, void>[_layers.Count];
            for (int i = 1; i < a.Length; i++) a[i] = (delegate*<ReadOnlySpan<byte>, ref DecodedPacket, void>)_layers[i];
            return a;
        }
    }

    // ---- dispatch ----

    /// <summary>First layer of a frame; false when the link type is not registered.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool LinkType(int linkType, ReadOnlySpan<byte> frame, ref DecodedPacket p)
    {
        if ((uint)linkType >= MaxLinkType || ByLinkType[linkType] == 0) return false;
        Layers[ByLinkType[linkType]](frame, ref p);
        return true;
    }

    /// <summary>
    /// The layer after a link header, tag or tunnel header. <paramref name="advance"/> is how far
    /// <paramref name="payload"/> starts after the caller's own span. An ethertype nobody registered is a well-formed
    /// frame of another protocol (LLDP, PPPoE discovery, EAPOL, RARP...): counted, not judged.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void EtherType(ushort type, ReadOnlySpan<byte> payload, int advance, ref DecodedPacket p)
    {
        p.EtherType = type;
        p.Offset += advance;
        byte id = ByEtherType[type];
        if (id == 0)
        {
            p.Kind = PacketKind.OtherL2;
            return;
        }
        Layers[id](payload, ref p);
    }

    /// <summary>A GRE protocol type registered as refining the tunnel (ERSPAN); false when none is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool GreProtocol(ushort type, ReadOnlySpan<byte> payload, int advance, ref DecodedPacket p)
    {
        byte id = ByGreProtocol[type];
        if (id == 0) return false;
        p.Offset += advance;
        Layers[id](payload, ref p);
        return true;
    }

    /// <summary>The layer after the IP header(s); a protocol nobody registered is an IP packet without ports.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void IpProtocol(byte proto, ReadOnlySpan<byte> payload, int advance, ref DecodedPacket p)
    {
        byte id = ByIpProtocol[proto];
        if (id == 0) return;
        p.Offset += advance;
        Layers[id](payload, ref p);
    }

    /// <summary>The layer after a UDP header, by destination port, else by a source port registered for either.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UdpPayload(ushort srcPort, ushort dstPort, ReadOnlySpan<byte> payload, int advance, ref DecodedPacket p)
    {
        byte id = ByUdpDestination[dstPort];
        if (id == 0 && (id = ByUdpSource[srcPort]) == 0) return;
        p.Offset += advance;
        Layers[id](payload, ref p);
    }

    private static void Unsupported(ReadOnlySpan<byte> payload, ref DecodedPacket p) =>
        FrameDecoder.Fail(ref p, UndecodedReason.UnsupportedEthertype);
}
