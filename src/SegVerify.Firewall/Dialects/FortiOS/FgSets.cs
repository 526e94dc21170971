using SegVerify.Core.Net;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.FortiOS;

/// <summary>The value domains the FortiOS dialect builds its sets in (the neutral model's field domains).</summary>
internal static class FgSets
{
    public static IntervalSet V4 => FieldDomains.V4;
    public static IntervalSet V6 => FieldDomains.V6;
    public static IntervalSet AllAddresses => FieldDomains.All(HeaderField.SrcIp);
    public static IntervalSet AllProtocols => FieldDomains.All(HeaderField.Protocol);
    public static readonly IntervalSet AllPorts = IntervalSet.Range(0, 65535);
    public static UInt128 ToU(IpAddr a) => FieldDomains.ToU(a);
    public static IntervalSet Cidr(Cidr c) => FieldDomains.Cidr(c);
}
