using System.Globalization;
using SegVerify.Core.Net;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.FortiOS;

/// <summary>An IP family of FortiOS objects: <c>address</c>/<c>addrgrp</c> (IPv4) or <c>address6</c>/<c>addrgrp6</c> (IPv6).</summary>
public enum FgFamily : byte { V4, V6 }

/// <summary>
/// A set of addresses an address name stands for. <see cref="Exact"/> is false when part of it cannot be known
/// offline (fqdn, geography, dynamic, ...); <see cref="Set"/> is then an over-approximation and
/// <see cref="Inexact"/> says why (once per object, with its position).
/// </summary>
public sealed record FgAddrSet(IntervalSet Set, bool Exact, IReadOnlyList<FortiWarning> Inexact)
{
    public static FgAddrSet Of(IntervalSet s) => new(s, true, []);
}

/// <summary>One alternative of a service: protocols, source ports, destination ports (and a destination restriction).</summary>
public sealed record FgSvcAlt(IntervalSet Proto, IntervalSet Sport, IntervalSet Dport, IntervalSet? Dst = null, int? IcmpType = null, int? IcmpCode = null);

/// <summary>What a service name admits: alternatives, exactness, and whether ICMP types or codes were narrowed.</summary>
public sealed record FgService(IReadOnlyList<FgSvcAlt> Alts, bool Exact, IReadOnlyList<FortiWarning> Inexact, bool IcmpTyped);

/// <summary>
/// A virtual IP (destination NAT): external address and ports, mapped address and ports, and the sources and
/// interfaces it is limited to (<c>src-filter</c>, <c>srcintf-filter</c>; null: any). A VIP with <c>status
/// disable</c> is not <see cref="Active"/>: it translates nothing.
/// </summary>
public sealed record FgVip(string Name, int Line, int Column, FgFamily Family, IntervalSet ExtIp, IntervalSet MappedIp,
    string ExtIntf, IntervalSet? Proto, IntervalSet? ExtPort, IntervalSet? MappedPort, bool Exact, IReadOnlyList<FortiWarning> Inexact,
    IntervalSet? SrcFilter = null, IReadOnlyList<string>? SrcIntfFilter = null, bool Active = true);

/// <summary>
/// Resolves FortiOS object names to sets: addresses (subnet, iprange, wildcard, interface-subnet; groups nested with
/// exclude-member), services (custom and groups, falling back to FortiOS's factory definitions) and virtual IPs.
/// </summary>
public sealed class FortiResolver(FortiOsConfig cfg)
{
    private readonly Dictionary<(string, FgFamily), FgAddrSet> _addrMemo = new();
    private readonly Dictionary<string, FgService> _svcMemo = new(StringComparer.Ordinal);
    private readonly HashSet<string> _undefinedReported = new(StringComparer.Ordinal);
    public List<FortiWarning> Warnings { get; } = [];

    public static IntervalSet FamilySet(FgFamily f) => f == FgFamily.V4 ? FgSets.V4 : FgSets.V6;
    private static string AddrTable(FgFamily f) => f == FgFamily.V4 ? "firewall address" : "firewall address6";
    private static string GroupTable(FgFamily f) => f == FgFamily.V4 ? "firewall addrgrp" : "firewall addrgrp6";

    public bool IsAddressName(string name, FgFamily fam) =>
        cfg.Table(AddrTable(fam)).Contains(name) || cfg.Table(GroupTable(fam)).Contains(name) || FortiPredefined.TryGet(AddrTable(fam), name, out _) || name == "none";

    // ---------------- addresses ----------------

    public FgAddrSet Address(string name, FgFamily fam, FgWord at) => Address(name, fam, at.Line, at.Column, []);

    private FgAddrSet Address(string name, FgFamily fam, int line, int col, HashSet<string> visiting)
    {
        if (_addrMemo.TryGetValue((name, fam), out var memo)) return memo;
        FgAddrSet res;
        if (cfg.Table(AddrTable(fam)).TryGet(name, out var a)) res = AddressObject(a, fam);
        else if (cfg.Table(GroupTable(fam)).TryGet(name, out var g))
        {
            if (!visiting.Add(name))
            {
                var w = new FortiWarning(g.Line, g.Column, $"address group '{name}' contains itself (cycle); taken as any address",
                    $"アドレスグループ '{name}' が自身を含んでいます（循環）。任意のアドレスとして扱います");
                return new FgAddrSet(FamilySet(fam), false, [w]);
            }
            res = Group(g, fam, visiting);
            visiting.Remove(name);
        }
        else if (name == "none") res = FgAddrSet.Of(IntervalSet.Empty);
        else if (FortiPredefined.TryGet(AddrTable(fam), name, out var p)) res = AddressObject(p, fam);
        else
        {
            var w = new FortiWarning(line, col, $"address '{name}' is not defined ({AddrTable(fam)}/{GroupTable(fam)}); taken as any address",
                $"アドレス '{name}' が定義されていません（{AddrTable(fam)}/{GroupTable(fam)}）。任意のアドレスとして扱います");
            return new FgAddrSet(FamilySet(fam), false, [w]);
        }
        _addrMemo[(name, fam)] = res;
        return res;
    }

    private FgAddrSet Group(FgObject g, FgFamily fam, HashSet<string> visiting)
    {
        var set = IntervalSet.Empty;
        bool exact = true;
        var why = new List<FortiWarning>();
        var members = g["member"];
        foreach (var m in members?.Values ?? [])
        {
            var s = Address(m.Text, fam, m.Line, m.Column, visiting);
            set = set.Union(s.Set);
            exact &= s.Exact;
            why.AddRange(s.Inexact);
        }
        if (g.Enabled("exclude") && g["exclude-member"] is { } ex)
        {
            var minus = IntervalSet.Empty;
            bool exExact = true;
            foreach (var m in ex.Values)
            {
                var s = Address(m.Text, fam, m.Line, m.Column, visiting);
                if (!s.Exact) { exExact = false; why.AddRange(s.Inexact); continue; }
                minus = minus.Union(s.Set);
            }
            // An excluded part that cannot be known is not subtracted (the group may hold more than it does).
            set = set.Subtract(minus);
            exact &= exExact;
        }
        return new FgAddrSet(set, exact, why);
    }

    private FgAddrSet AddressObject(FgObject a, FgFamily fam)
    {
        var type = a.Get("type") ?? (fam == FgFamily.V4 ? "ipmask" : "ipprefix");
        var full = FamilySet(fam);
        FgAddrSet Inexact(string what, string whatJa) => new(full, false,
            [new FortiWarning(a.Line, a.Column, $"address '{a.Name}' is {what}, which cannot be resolved offline; taken as any address",
                $"アドレス '{a.Name}' は{whatJa}のためオフラインでは解決できません。任意のアドレスとして扱います")]);
        if (a.Get("sub-type") is { } st && st is not "ip" && type == "dynamic") return Inexact($"dynamic ({st})", $"動的アドレス（{st}）");
        switch (type)
        {
            case "ipmask" when fam == FgFamily.V4:
                {
                    var v = a["subnet"]?.Values;
                    if (v is null || v.Count == 0) return FgAddrSet.Of(full);
                    var s = V4Subnet(v.Select(x => x.Text).ToList());
                    return s is null ? Bad(a, "subnet", full) : FgAddrSet.Of(s);
                }
            case "ipprefix" when fam == FgFamily.V6:
                {
                    var v = a.Get("ip6");
                    if (v is null) return FgAddrSet.Of(full);
                    return Cidr.TryParse(v, out var c) && !c.Network.IsV4 ? FgAddrSet.Of(FgSets.Cidr(c)) : Bad(a, "ip6", full);
                }
            case "iprange":
                {
                    var zero = fam == FgFamily.V4 ? "0.0.0.0" : "::";
                    var s = a.Get("start-ip") ?? zero;
                    var e = a.Get("end-ip") ?? zero;
                    if (!IpAddr.TryParse(s, out var lo) || !IpAddr.TryParse(e, out var hi) || lo.IsV4 != (fam == FgFamily.V4) || hi.IsV4 != lo.IsV4)
                        return Bad(a, "start-ip/end-ip", full);
                    var l = FgSets.ToU(lo); var h = FgSets.ToU(hi);
                    return FgAddrSet.Of(h < l ? IntervalSet.Empty : IntervalSet.Range(l, h));
                }
            case "wildcard" when fam == FgFamily.V4:
                {
                    var v = a["wildcard"]?.Values;
                    if (v is null || v.Count == 0) return FgAddrSet.Of(full);
                    if (v.Count != 2 || !TryV4(v[0].Text, out uint ip) || !TryV4(v[1].Text, out uint mask)) return Bad(a, "wildcard", full);
                    var w = Wildcard(ip, mask);
                    return w is null
                        ? new FgAddrSet(FgSets.Cidr(new Cidr(IpAddr.FromV4(ip & HighMask(mask)), System.Numerics.BitOperations.PopCount(HighMask(mask)))), false,
                            [new FortiWarning(a.Line, a.Column, $"wildcard address '{a.Name}' has too many scattered bits to enumerate; taken as the enclosing prefix",
                                $"ワイルドカードアドレス '{a.Name}' は分散したビットが多すぎるため、包含するプレフィックスとして扱います")])
                        : FgAddrSet.Of(w);
                }
            case "interface-subnet":
                {
                    var ifn = a.Get("interface");
                    var iface = ifn is null ? null : cfg.Table("system interface").Objects.FirstOrDefault(i => i.Name == ifn);
                    var ip = iface?["ip"]?.Values;
                    var s = ip is { Count: > 0 } ? V4Subnet(ip.Select(x => x.Text).ToList(), network: true) : null;
                    return s is null ? Inexact($"interface-subnet of '{ifn}' (no address known)", $"インターフェース '{ifn}' のサブネット（アドレス不明）") : FgAddrSet.Of(s);
                }
            case "fqdn": return Inexact($"an FQDN ({a.Get("fqdn")})", $"FQDN（{a.Get("fqdn")}）");
            case "geography": return Inexact($"a geography address ({a.Get("country")})", $"地域アドレス（{a.Get("country")}）");
            case "dynamic": return Inexact("a dynamic address", "動的アドレス");
            case "mac": return Inexact("a MAC address object (its IP addresses are learned at run time)", "MAC アドレスオブジェクト（IP アドレスは実行時に学習）");
            default: return Inexact($"of type '{type}'", $"種類 '{type}'");
        }
    }

    private FgAddrSet Bad(FgObject a, string field, IntervalSet full) =>
        new(full, false, [new FortiWarning(a[field.Split('/')[0]]?.Line ?? a.Line, a[field.Split('/')[0]]?.Column ?? a.Column,
            $"address '{a.Name}': '{field}' is not a valid value; taken as any address", $"アドレス '{a.Name}': '{field}' の値が不正です。任意のアドレスとして扱います")]);

    private static uint HighMask(uint mask)
    {
        // The longest run of leading one bits of the mask.
        int n = System.Numerics.BitOperations.LeadingZeroCount(~mask);
        return n == 0 ? 0 : n >= 32 ? uint.MaxValue : uint.MaxValue << (32 - n);
    }

    /// <summary>A FortiOS wildcard (set mask bits must match): the addresses as ranges, or null when there are too many.</summary>
    public static IntervalSet? Wildcard(uint ip, uint mask)
    {
        uint free = ~mask;
        int trailing = System.Numerics.BitOperations.TrailingZeroCount(~free); // low free bits form one range
        if (trailing >= 32) return FgSets.V4;
        uint scattered = free & ~((1u << trailing) - 1);
        int bits = System.Numerics.BitOperations.PopCount(scattered);
        if (bits > 16) return null;
        var ranges = new List<(UInt128, UInt128)>();
        uint baseIp = ip & mask;
        uint size = trailing == 0 ? 0 : (1u << trailing) - 1;
        // Enumerate every combination of the scattered bits (subset enumeration), in ascending order.
        uint sub = 0;
        var starts = new List<uint>();
        do
        {
            starts.Add(baseIp | sub);
            sub = (sub - scattered) & scattered;
        } while (sub != 0);
        starts.Sort();
        foreach (var s in starts)
            ranges.Add((FgSets.ToU(IpAddr.FromV4(s)), FgSets.ToU(IpAddr.FromV4(s | size))));
        return IntervalSet.FromRanges(ranges);
    }

    /// <summary><c>A.B.C.D M.M.M.M</c>, <c>A.B.C.D/len</c> or <c>A.B.C.D</c>: the subnet (the address is masked).</summary>
    public static IntervalSet? V4Subnet(IReadOnlyList<string> v, bool network = true)
    {
        uint ip, mask;
        if (v.Count >= 2)
        {
            if (!TryV4(v[0], out ip) || !TryV4(v[1], out mask)) return null;
        }
        else
        {
            var s = v[0];
            int slash = s.IndexOf('/');
            if (slash < 0) { if (!TryV4(s, out ip)) return null; mask = uint.MaxValue; }
            else
            {
                if (!TryV4(s[..slash], out ip)) return null;
                var m = s[(slash + 1)..];
                if (int.TryParse(m, NumberStyles.None, CultureInfo.InvariantCulture, out int len) && len is >= 0 and <= 32)
                    mask = len == 0 ? 0 : uint.MaxValue << (32 - len);
                else if (!TryV4(m, out mask)) return null;
            }
        }
        int pl = System.Numerics.BitOperations.PopCount(mask);
        if (pl != 32 && (mask << pl) != 0) return null; // not a netmask
        return FgSets.Cidr(new Cidr(IpAddr.FromV4(ip & mask), pl));
    }

    public static bool TryV4(string s, out uint v)
    {
        v = 0;
        if (!IpAddr.TryParse(s, out var a) || !a.IsV4) return false;
        v = (uint)a.Lo;
        return true;
    }

    // ---------------- services ----------------

    private static readonly IntervalSet AllPorts = FgSets.AllPorts;

    public bool IsServiceName(string name) =>
        cfg.Table("firewall service custom").Contains(name) || cfg.Table("firewall service group").Contains(name)
        || FortiPredefined.TryGet("firewall service custom", name, out _) || FortiPredefined.TryGet("firewall service group", name, out _);

    public FgService Service(string name, FgWord at) => Service(name, at.Line, at.Column, []);

    private FgService Service(string name, int line, int col, HashSet<string> visiting)
    {
        if (_svcMemo.TryGetValue(name, out var memo)) return memo;
        FgService res;
        if (cfg.Table("firewall service custom").TryGet(name, out var c)) res = Custom(c);
        else if (cfg.Table("firewall service group").TryGet(name, out var g)) res = SvcGroup(g, visiting);
        else if (FortiPredefined.TryGet("firewall service custom", name, out var pc)) res = Custom(pc);
        else if (FortiPredefined.TryGet("firewall service group", name, out var pg)) res = SvcGroup(pg, visiting);
        else
        {
            var w = new FortiWarning(line, col, $"service '{name}' is not defined (firewall service custom/group) and is no FortiOS default; taken as any service",
                $"サービス '{name}' が定義されておらず、FortiOS の既定サービスでもありません。任意のサービスとして扱います");
            return new FgService([new FgSvcAlt(FgSets.AllProtocols, AllPorts, AllPorts)], false, [w], false);
        }
        _svcMemo[name] = res;
        return res;
    }

    private FgService SvcGroup(FgObject g, HashSet<string> visiting)
    {
        if (!visiting.Add(g.Name))
        {
            var w = new FortiWarning(g.Line, g.Column, $"service group '{g.Name}' contains itself (cycle); taken as any service",
                $"サービスグループ '{g.Name}' が自身を含んでいます（循環）。任意のサービスとして扱います");
            return new FgService([new FgSvcAlt(FgSets.AllProtocols, AllPorts, AllPorts)], false, [w], false);
        }
        var alts = new List<FgSvcAlt>();
        var why = new List<FortiWarning>();
        bool exact = true, icmp = false;
        foreach (var m in g["member"]?.Values ?? [])
        {
            var s = Service(m.Text, m.Line, m.Column, visiting);
            alts.AddRange(s.Alts);
            exact &= s.Exact; icmp |= s.IcmpTyped;
            why.AddRange(s.Inexact);
        }
        visiting.Remove(g.Name);
        return new FgService(alts, exact, why, icmp);
    }

    private static readonly (string Key, byte Proto)[] PortRanges =
        [("tcp-portrange", IpProto.Tcp), ("udp-portrange", IpProto.Udp), ("sctp-portrange", 132), ("udplite-portrange", 136)];

    private FgService Custom(FgObject c)
    {
        var proto = (c.Get("protocol") ?? "TCP/UDP/SCTP").ToUpperInvariant();
        var alts = new List<FgSvcAlt>();
        var why = new List<FortiWarning>();
        bool exact = true, icmpTyped = false;
        IntervalSet? dst = null;
        if (c.Get("iprange") is { } ipr && ipr != "0.0.0.0")
        {
            dst = ParseRange(ipr);
            if (dst is null) { exact = false; why.Add(W(c, $"service '{c.Name}': iprange '{ipr}' is not understood; ignored", $"サービス '{c.Name}': iprange '{ipr}' を解釈できません。無視します")); }
        }
        if (c.Get("fqdn") is { Length: > 0 } fq)
        {
            exact = false;
            why.Add(W(c, $"service '{c.Name}' is restricted to FQDN '{fq}', which cannot be resolved offline; taken as any destination",
                $"サービス '{c.Name}' は FQDN '{fq}' に限定されていますが、オフラインでは解決できません。任意の宛先として扱います"));
        }
        switch (proto)
        {
            case "TCP/UDP/SCTP":
            case "TCP/UDP/UDP-LITE/SCTP":
                foreach (var (key, p) in PortRanges)
                {
                    if (c[key] is not { } attr) continue;
                    foreach (var v in attr.Values)
                    {
                        var (d, s) = SplitRange(v.Text);
                        var dp = d is null ? null : PortRange(d);
                        var sp = s is null ? AllPorts : PortRange(s);
                        if (dp is null || sp is null)
                        {
                            exact = false;
                            why.Add(new FortiWarning(attr.Line, attr.Column, $"service '{c.Name}': port range '{v.Text}' is not understood; taken as every port",
                                $"サービス '{c.Name}': ポート範囲 '{v.Text}' を解釈できません。全ポートとして扱います"));
                            alts.Add(new FgSvcAlt(IntervalSet.Single(p), AllPorts, AllPorts, dst));
                            continue;
                        }
                        alts.Add(new FgSvcAlt(IntervalSet.Single(p), sp, dp, dst));
                    }
                }
                break;
            case "IP":
                {
                    var n = c.Get("protocol-number");
                    int num = 0;
                    if (n is not null && (!int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out num) || num > 255))
                    {
                        exact = false;
                        why.Add(W(c, $"service '{c.Name}': protocol-number '{n}' is not understood; taken as every protocol", $"サービス '{c.Name}': protocol-number '{n}' を解釈できません。全プロトコルとして扱います"));
                        num = 0;
                    }
                    alts.Add(new FgSvcAlt(num == 0 ? FgSets.AllProtocols : IntervalSet.Single((UInt128)num), AllPorts, AllPorts, dst));
                    break;
                }
            case "ICMP":
            case "ICMP6":
                {
                    int? type = null, code = null;
                    if (c.Get("icmptype") is { } ts)
                    {
                        if (byte.TryParse(ts, NumberStyles.None, CultureInfo.InvariantCulture, out var tb)) type = tb;
                        else { exact = false; why.Add(W(c, $"service '{c.Name}': icmptype '{ts}' is not understood; taken as every type", $"サービス '{c.Name}': icmptype '{ts}' を解釈できません。全タイプとして扱います")); }
                        // A code only narrows a type (FortiOS rejects icmpcode without icmptype).
                        if (type is not null && c.Get("icmpcode") is { } cs)
                        {
                            if (byte.TryParse(cs, NumberStyles.None, CultureInfo.InvariantCulture, out var cb)) code = cb;
                            else { exact = false; why.Add(W(c, $"service '{c.Name}': icmpcode '{cs}' is not understood; taken as every code", $"サービス '{c.Name}': icmpcode '{cs}' を解釈できません。全コードとして扱います")); }
                        }
                    }
                    alts.Add(new FgSvcAlt(IntervalSet.Single(proto == "ICMP" ? IpProto.Icmp : IpProto.IcmpV6), AllPorts, AllPorts, dst, type, code));
                    icmpTyped = type is not null;
                    break;
                }
            default:
                // Explicit-proxy protocols (ALL, HTTP, FTP, CONNECT, SOCKS-TCP, SOCKS-UDP) belong to proxy policies.
                exact = false;
                why.Add(W(c, $"service '{c.Name}' uses protocol '{proto}' (explicit proxy); taken as every TCP and UDP port",
                    $"サービス '{c.Name}' はプロトコル '{proto}'（明示プロキシ）です。TCP・UDP の全ポートとして扱います"));
                alts.Add(new FgSvcAlt(IntervalSet.FromRanges([(IpProto.Tcp, IpProto.Tcp), (IpProto.Udp, IpProto.Udp)]), AllPorts, AllPorts, dst));
                break;
        }
        return new FgService(alts, exact, why, icmpTyped);
    }

    private static FortiWarning W(FgObject o, string en, string ja) => new(o.Line, o.Column, en, ja);

    private static (string? D, string? S) SplitRange(string v)
    {
        int colon = v.IndexOf(':');
        return colon < 0 ? (v, null) : (v[..colon], v[(colon + 1)..]);
    }

    /// <summary><c>N</c> or <c>N-M</c> (0-65535).</summary>
    public static IntervalSet? PortRange(string s)
    {
        int dash = s.IndexOf('-');
        if (dash < 0) return ushort.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? IntervalSet.Single(p) : null;
        if (!ushort.TryParse(s.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var lo)
            || !ushort.TryParse(s.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var hi)) return null;
        if (hi < lo) (lo, hi) = (hi, lo);
        return IntervalSet.Range(lo, hi);
    }

    /// <summary><c>A</c> or <c>A-B</c> (IPv4 or IPv6), or <c>A/len</c>.</summary>
    public static IntervalSet? ParseRange(string s)
    {
        int dash = s.IndexOf('-');
        if (dash > 0 && IpAddr.TryParse(s.AsSpan(0, dash), out var a) && IpAddr.TryParse(s.AsSpan(dash + 1), out var b) && a.IsV4 == b.IsV4)
        {
            var l = FgSets.ToU(a); var h = FgSets.ToU(b);
            return h < l ? IntervalSet.Empty : IntervalSet.Range(l, h);
        }
        if (IpAddr.TryParse(s, out var one)) return IntervalSet.Single(FgSets.ToU(one));
        return Cidr.TryParse(s, out var c) ? FgSets.Cidr(c) : null;
    }

    // ---------------- virtual IPs ----------------

    public bool IsVipName(string name, FgFamily fam) =>
        cfg.Table(fam == FgFamily.V4 ? "firewall vip" : "firewall vip6").Contains(name)
        || cfg.Table(fam == FgFamily.V4 ? "firewall vipgrp" : "firewall vipgrp6").Contains(name);

    /// <summary>The VIPs a name stands for (a VIP, or a VIP group's members).</summary>
    public List<FgVip> Vips(string name, FgFamily fam)
    {
        var res = new List<FgVip>();
        var vipTable = cfg.Table(fam == FgFamily.V4 ? "firewall vip" : "firewall vip6");
        if (vipTable.TryGet(name, out var v)) { res.Add(Vip(v, fam)); return res; }
        if (cfg.Table(fam == FgFamily.V4 ? "firewall vipgrp" : "firewall vipgrp6").TryGet(name, out var g))
            foreach (var m in g.List("member"))
                if (vipTable.TryGet(m, out var mv)) res.Add(Vip(mv, fam));
        return res;
    }

    private FgVip Vip(FgObject v, FgFamily fam)
    {
        var why = new List<FortiWarning>();
        bool exact = true;
        var type = v.Get("type") ?? "static-nat";
        var full = FamilySet(fam);
        IntervalSet ext = full, mapped = full;
        if (type is not ("static-nat" or "load-balance" or "server-load-balance"))
        {
            exact = false;
            why.Add(W(v, $"virtual IP '{v.Name}' of type '{type}' cannot be resolved offline; its mapped address is taken as any address",
                $"バーチャル IP '{v.Name}'（種類 '{type}'）はオフラインでは解決できません。変換先を任意のアドレスとして扱います"));
        }
        else
        {
            var extText = v.Get("extip");
            if (extText is not null) ext = ParseRange(extText) ?? full;
            else if (v.List("extaddr") is { Count: > 0 } extAddrs)
            {
                // FortiOS 7.0+: the external addresses as address objects.
                ext = IntervalSet.Empty;
                foreach (var n in extAddrs)
                {
                    var a = Address(n, fam, v.Line, v.Column, []);
                    ext = ext.Union(a.Set);
                    if (!a.Exact) { exact = false; why.AddRange(a.Inexact); }
                }
            }
            var mappedVals = v["mappedip"]?.Values;
            if (type == "server-load-balance")
            {
                // Real servers are listed under config realservers.
                var ips = v.Nested.Where(n => n.Path == "realservers").SelectMany(n => n.Edits)
                    .Select(e => e.Settings.LastOrDefault(s => s.Key.Text == "ip" && s.Verb == "set")?.Values.FirstOrDefault().Text)
                    .Where(s => s is not null).Select(s => ParseRange(s!)).ToList();
                if (ips.Count > 0 && ips.All(i => i is not null)) mapped = ips.Aggregate(IntervalSet.Empty, (acc, i) => acc.Union(i!));
                else { exact = false; why.Add(W(v, $"virtual IP '{v.Name}': real servers not understood; mapped address taken as any", $"バーチャル IP '{v.Name}': 実サーバーを解釈できません。変換先を任意のアドレスとして扱います")); }
            }
            else if (mappedVals is { Count: > 0 })
            {
                var set = IntervalSet.Empty;
                foreach (var m in mappedVals)
                {
                    var r = ParseRange(m.Text);
                    if (r is null) { exact = false; set = full; why.Add(W(v, $"virtual IP '{v.Name}': mappedip '{m.Text}' is not understood; taken as any address", $"バーチャル IP '{v.Name}': mappedip '{m.Text}' を解釈できません。任意のアドレスとして扱います")); break; }
                    set = set.Union(r);
                }
                mapped = set;
            }
            else if (v.Get("mapped-addr") is { } ma)
            {
                exact = false;
                why.Add(W(v, $"virtual IP '{v.Name}' maps to address object '{ma}'; resolved as an address", $"バーチャル IP '{v.Name}' はアドレスオブジェクト '{ma}' へ変換します"));
                var s = Address(ma, fam, v.Line, v.Column, []);
                mapped = s.Set; exact = s.Exact; why.AddRange(s.Inexact);
            }
        }
        IntervalSet? proto = null, extPort = null, mappedPort = null;
        if (v.Enabled("portforward"))
        {
            var p = (v.Get("protocol") ?? "tcp").ToLowerInvariant();
            proto = p switch
            {
                "tcp" => IntervalSet.Single(IpProto.Tcp),
                "udp" => IntervalSet.Single(IpProto.Udp),
                "sctp" => IntervalSet.Single(132),
                "icmp" => IntervalSet.Single(IpProto.Icmp),
                _ => null,
            };
            if (p != "icmp")
            {
                extPort = v.Get("extport") is { } ep ? PortRange(ep) : null;
                mappedPort = v.Get("mappedport") is { } mp ? PortRange(mp) : extPort;
                if (extPort is null)
                {
                    exact = false;
                    why.Add(W(v, $"virtual IP '{v.Name}': port forwarding without a valid extport; taken as every port", $"バーチャル IP '{v.Name}': extport が不正なポート転送です。全ポートとして扱います"));
                    mappedPort = null;
                }
                else if (mappedPort is not null && mappedPort.Count == 1 && extPort.Count == 1
                         && (mappedPort.Hi(0) - mappedPort.Lo(0)) < (extPort.Hi(0) - extPort.Lo(0)) && mappedPort.Lo(0) == mappedPort.Hi(0))
                {
                    // extport a-b to a single mappedport: every external port maps to that one port.
                }
                else if (mappedPort is not null && extPort.Count == 1 && mappedPort.Count == 1)
                {
                    // Ranges map one to one from their starts.
                    var len = extPort.Hi(0) - extPort.Lo(0);
                    var hi = mappedPort.Lo(0) + len;
                    if (hi > 65535) hi = 65535;
                    mappedPort = IntervalSet.Range(mappedPort.Lo(0), hi);
                }
            }
        }
        IntervalSet? srcFilter = null;
        if (v.List("src-filter") is { Count: > 0 } filters)
        {
            srcFilter = IntervalSet.Empty;
            foreach (var f in filters)
            {
                if (ParseRange(f) is { } r) srcFilter = srcFilter.Union(r);
                else
                {
                    // Not understood: the VIP is taken to translate every source (the policy then matches any of them).
                    srcFilter = null;
                    why.Add(W(v, $"virtual IP '{v.Name}': src-filter '{f}' is not understood; taken as any source", $"バーチャル IP '{v.Name}': src-filter '{f}' を解釈できません。任意の送信元として扱います"));
                    break;
                }
            }
        }
        var srcIntf = v.List("srcintf-filter") is { Count: > 0 } sif ? sif : null;
        return new FgVip(v.Name, v.Line, v.Column, fam, ext, mapped, v.Get("extintf") ?? "any", proto, extPort, mappedPort, exact, why,
            srcFilter, srcIntf, v.Get("status") != "disable");
    }
}
