using System.Runtime.CompilerServices;
using SegVerify.Core.Decoding;
using SegVerify.Core.Net;

namespace SegVerify.Core.Flows;

/// <summary>
/// How an IP packet maps to its flow key. The key is built so that every packet of a flow has the flow's Community ID
/// (<see cref="CommunityId.ForFlow"/> computes it from the key alone):
/// <list type="bullet">
/// <item>TCP, UDP, SCTP: addresses and ports, the lower address:port first (a transport header cut short still gives
/// its ports when its first 4 bytes are there; below that the ports are 0 and the flow is marked port-less).</item>
/// <item>ICMP and ICMPv6 of a request/reply type (<see cref="IcmpPairs"/>): addresses and the (type, counterpart) pair
/// as ports, ordered like TCP, so a request and its reply share a key whichever comes first; echo flows also carry the
/// echo identifier, its high byte in the high byte of <see cref="FlowKey.PortA"/> and its low byte in that of
/// <see cref="FlowKey.PortB"/> (the type values fill only the low bytes).</item>
/// <item>ICMP and ICMPv6 of any other type (errors, redirects...): one-way as Community ID defines them, so the key is
/// not reordered: <see cref="FlowKey.A"/> is the sender, ports are (type, code). A reply in the other direction is
/// another flow, as it has another id. The low byte of PortA of such a key is never a paired type, so it never equals
/// a paired key.</item>
/// <item>An ICMP header under 4 bytes, and every other protocol: the two addresses, ordered, ports 0.</item>
/// </list>
/// The key also holds the outer VLAN and the virtual network (VXLAN/GENEVE VNI, GRE key) of the innermost tunnel
/// around the packet that has one.
/// </summary>
public static class FlowKeys
{
    /// <summary>
    /// The key of an IP packet that carries its own transport header (not a later fragment, see
    /// <see cref="FragmentTable"/>). <paramref name="fromA"/>: the packet was sent by the key's A side;
    /// <paramref name="noPorts"/>: a port protocol (TCP, UDP, SCTP, ICMP) whose header was too short to give ports.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FlowKey Make(in DecodedPacket p, out bool fromA, out bool noPorts)
    {
        Make(in p, out FlowKey key, out fromA, out noPorts);
        return key;
    }

    /// <summary><see cref="Make(in DecodedPacket, out bool, out bool)"/> writing the key in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Make(in DecodedPacket p, out FlowKey key, out bool fromA, out bool noPorts)
    {
        byte proto = p.Protocol;
        noPorts = false;
        if (p.HasPorts)
        {
            Ordered(in p, p.SrcPort, p.DstPort, out key, out fromA);
            return;
        }
        if (proto is IpProto.Icmp or IpProto.IcmpV6)
        {
            if (p.HasIcmp)
            {
                Icmp(in p, out key, out fromA);
                return;
            }
            noPorts = true;
        }
        else noPorts = IpProto.HasPorts(proto);
        Ordered(in p, 0, 0, out key, out fromA);
    }

    /// <summary>The key of <paramref name="p"/> when it has one by itself: an IP packet that is not a later fragment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryMake(in DecodedPacket p, out FlowKey key) => TryMake(in p, out key, out _, out _);

    /// <summary><see cref="TryMake(in DecodedPacket, out FlowKey)"/> with <see cref="Make(in DecodedPacket, out FlowKey, out bool, out bool)"/>'s other results.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryMake(in DecodedPacket p, out FlowKey key, out bool fromA, out bool noPorts)
    {
        if (p.Kind != PacketKind.Ip || (p.IsFragment && p.FragmentOffset != 0))
        {
            key = default;
            fromA = noPorts = false;
            return false;
        }
        Make(in p, out key, out fromA, out noPorts);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Ordered(in DecodedPacket p, ushort sport, ushort dport, out FlowKey key, out bool fromA)
    {
        fromA = p.SrcIp < p.DstIp || (p.SrcIp == p.DstIp && sport <= dport);
        if (fromA) { key.A = p.SrcIp; key.B = p.DstIp; key.PortA = sport; key.PortB = dport; }
        else { key.A = p.DstIp; key.B = p.SrcIp; key.PortA = dport; key.PortB = sport; }
        key.Vlan = p.OuterVlan;
        key.Proto = p.Protocol;
        key.VirtualNetwork = p.VirtualNetwork;
    }

    private static void Icmp(in DecodedPacket p, out FlowKey key, out bool fromA)
    {
        byte proto = p.Protocol, type = p.IcmpType;
        if (!IcmpPairs.TryCounterpart(proto, type, out byte counter))
        {
            // one-way: the sender is A, whatever the address order
            key.A = p.SrcIp; key.B = p.DstIp; key.PortA = type; key.PortB = p.IcmpCode;
            key.Vlan = p.OuterVlan;
            key.Proto = proto;
            key.VirtualNetwork = p.VirtualNetwork;
            fromA = true;
            return;
        }
        Ordered(in p, type, counter, out key, out fromA);
        if (IcmpPairs.IsEcho(proto, type))
        {
            ushort id = p.IcmpEchoId;
            key.PortA |= (ushort)(id & 0xFF00);
            key.PortB |= (ushort)(id << 8);
        }
    }
}
