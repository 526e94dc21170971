using SegVerify.Core.Net;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Analysis;

/// <summary>
/// What a destination translation does to one packet and to a box of packets, and back: the destination address
/// becomes one of <see cref="NatTranslation.DstAddresses"/> (or is shifted one to one), the destination port of a
/// protocol with ports is kept when it lies in <see cref="NatTranslation.DstPorts"/> and otherwise becomes its first
/// port (the Linux kernel's choice for DNAT without <c>random</c>), or is shifted one to one; <see cref="HeaderField.DstNat"/>
/// takes the translation's tag.
/// </summary>
public static class NatRewrite
{
    private static readonly UInt128 AddrMax = FieldDomains.Max[(int)HeaderField.DstIp];
    private static readonly UInt128 PortMax = FieldDomains.Max[(int)HeaderField.DstPort];

    /// <summary>
    /// The packet after translation. Where the translation leaves a choice (an address pool), the preferred
    /// address is taken when the pool holds it, else the pool's first address.
    /// </summary>
    public static (IpAddr Dst, ushort Port) Concrete(NatTranslation nat, ProbePacket p, IpAddr? preferDst = null)
    {
        // Not known where it goes: the packet is followed as it is (the trace is approximate anyway).
        if (nat.Unresolved) return (preferDst ?? p.Dst, p.DstPort);
        var dst = p.Dst;
        var du = FieldDomains.ToU(p.Dst);
        if (nat.AddressShift is { } s && du >= s.From) dst = FieldDomains.ToIp(s.Apply(du));
        else if (nat.DstAddresses is { IsEmpty: false } pool)
            dst = preferDst is { } pd && pool.Contains(FieldDomains.ToU(pd)) ? pd : FieldDomains.ToIp(pool.First);
        var port = p.DstPort;
        if (IpProto.HasPorts(p.Proto))
        {
            if (nat.PortShift is { } ps && p.DstPort >= ps.From) port = (ushort)ps.Apply(p.DstPort);
            else if (nat.DstPorts is { IsEmpty: false } pp && !pp.Contains(p.DstPort)) port = (ushort)pp.First;
        }
        return (dst, port);
    }

    /// <summary>The boxes a box of packets becomes (boxes with ports and without are rewritten apart).</summary>
    public static void Symbolic(NatTranslation nat, PacketBox b, List<PacketBox> output)
    {
        var dst = b[Dim.Dst];
        if (nat.AddressShift is { } s) dst = s.Apply(dst, AddrMax);
        else if (nat.DstAddresses is { IsEmpty: false } pool) dst = pool;
        if (dst.IsEmpty) return;
        var tagged = b.With(Dim.Dst, dst).With(Dim.DstNat, IntervalSet.Single((UInt128)nat.Tag));
        var proto = b[Dim.Proto];
        var ported = proto.Intersect(FieldDomains.PortedProtocols);
        var portless = proto.Subtract(FieldDomains.PortedProtocols);
        if (!portless.IsEmpty) output.Add(ported.IsEmpty ? tagged : tagged.With(Dim.Proto, portless));
        if (ported.IsEmpty) return;
        var dport = Ports(nat, b[Dim.Dport]);
        if (!dport.IsEmpty) output.Add(tagged.With(Dim.Proto, ported).With(Dim.Dport, dport));
    }

    private static IntervalSet Ports(NatTranslation nat, IntervalSet d)
    {
        if (nat.Unresolved) return FieldDomains.All(HeaderField.DstPort);
        if (nat.PortShift is { } s) return s.Apply(d, PortMax);
        if (nat.DstPorts is not { IsEmpty: false } pool) return d;
        var kept = d.Intersect(pool);
        return d.IsSubsetOf(pool) ? kept : kept.Union(IntervalSet.Single(pool.First));
    }

    /// <summary>
    /// The destination address and port, as sent, of a packet of <paramref name="sent"/> that the translation turned
    /// into <paramref name="translatedDst"/>:<paramref name="translatedPort"/> (every other field unchanged);
    /// false when no packet of <paramref name="sent"/> does.
    /// </summary>
    public static bool TryInvert(NatTranslation nat, PacketBox sent, byte proto, UInt128 translatedDst, ushort translatedPort,
                                 out IntervalSet dsts, out IntervalSet ports)
    {
        var d = IntervalSet.Single(translatedDst);
        if (nat.AddressShift is { } s) dsts = s.Invert(d, AddrMax).Intersect(sent[Dim.Dst]);
        else if (nat.DstAddresses is { IsEmpty: false } pool) dsts = pool.Contains(translatedDst) ? sent[Dim.Dst] : IntervalSet.Empty;
        else dsts = d.Intersect(sent[Dim.Dst]);
        var p = IntervalSet.Single(translatedPort);
        if (!IpProto.HasPorts(proto)) ports = p.Intersect(sent[Dim.Dport]);
        else if (nat.Unresolved) ports = sent[Dim.Dport];
        else if (nat.PortShift is { } ps) ports = ps.Invert(p, PortMax).Intersect(sent[Dim.Dport]);
        else if (nat.DstPorts is { IsEmpty: false } pool)
        {
            // Kept when in the pool; the pool's first port stands for every port outside it.
            ports = pool.Contains(translatedPort) ? p.Intersect(sent[Dim.Dport]) : IntervalSet.Empty;
            if (translatedPort == (ushort)pool.First) ports = ports.Union(sent[Dim.Dport].Subtract(pool));
        }
        else ports = p.Intersect(sent[Dim.Dport]);
        return !dsts.IsEmpty && !ports.IsEmpty;
    }
}
