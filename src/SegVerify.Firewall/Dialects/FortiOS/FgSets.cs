using SegVerify.Core.Net;
using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.FortiOS;

/// <summary>The value domains the FortiOS dialect builds its sets in (one place to follow the neutral model's names).</summary>
internal static class FgSets
{
    public static IntervalSet V4 => Domains.V4;
    public static IntervalSet V6 => Domains.V6;
    public static IntervalSet AllAddresses => Domains.Full[(int)Dim.Src];
    public static IntervalSet AllProtocols => Domains.Full[(int)Dim.Proto];
    public static readonly IntervalSet AllPorts = IntervalSet.Range(0, 65535);
    public static UInt128 ToU(IpAddr a) => Domains.ToU(a);
    public static IntervalSet Cidr(Cidr c) => Domains.Cidr(c);
}
