using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Analysis;

/// <summary>Splits a box by protocol so that fields a protocol does not carry take the value 0 (as a concrete packet has).</summary>
public static class PacketClasses
{
    private static readonly IntervalSet Tcp = IntervalSet.Single(6);
    private static readonly IntervalSet OtherPorted = FieldDomains.PortedProtocols.Subtract(Tcp);
    private static readonly IntervalSet Portless = Domains.Full[(int)Dim.Proto].Subtract(FieldDomains.PortedProtocols).Subtract(FieldDomains.IcmpProtocols);
    private static readonly IntervalSet Zero = IntervalSet.Single(0);
    private static readonly IntervalSet Syn = IntervalSet.Single(TcpFlagBits.Syn);

    /// <summary>
    /// TCP (flags: SYN alone when <paramref name="firstPacketOnly"/>, else any), the other ported protocols, ICMP and
    /// ICMPv6 (any type and code, no ports), and every other protocol (no ports).
    /// </summary>
    public static IEnumerable<PacketBox> ByProtocol(PacketBox b, bool firstPacketOnly)
    {
        var noIcmp = b.With(Dim.IcmpType, Zero).With(Dim.IcmpCode, Zero);
        var tcp = noIcmp.With(Dim.Proto, b[Dim.Proto].Intersect(Tcp));
        if (firstPacketOnly) tcp = tcp.With(Dim.TcpFlags, Syn);
        if (!tcp.IsEmpty) yield return tcp;
        var ported = noIcmp.With(Dim.Proto, b[Dim.Proto].Intersect(OtherPorted)).With(Dim.TcpFlags, Zero);
        if (!ported.IsEmpty) yield return ported;
        var icmp = b.With(Dim.Proto, b[Dim.Proto].Intersect(FieldDomains.IcmpProtocols)).With(Dim.Sport, Zero).With(Dim.Dport, Zero).With(Dim.TcpFlags, Zero);
        if (!icmp.IsEmpty) yield return icmp;
        var rest = noIcmp.With(Dim.Proto, b[Dim.Proto].Intersect(Portless)).With(Dim.Sport, Zero).With(Dim.Dport, Zero).With(Dim.TcpFlags, Zero);
        if (!rest.IsEmpty) yield return rest;
    }
}
