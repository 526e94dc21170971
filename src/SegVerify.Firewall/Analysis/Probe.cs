using System.Globalization;
using SegVerify.Core.Net;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Analysis;

/// <summary>One concrete packet for a trace.</summary>
public sealed record ProbePacket(
    byte Proto, IpAddr Src, ushort SrcPort, IpAddr Dst, ushort DstPort, string InIf, string OutIf, MacAddr? Mac, int CtState)
{
    /// <summary>
    /// Parses <c>PROTO SRC[:PORT] -> DST[:PORT] in IF out IF [mac MAC] [state new|established]</c>; IPv6 addresses
    /// with a port are written in brackets (<c>[2001:db8::1]:443</c>).
    /// </summary>
    public static bool TryParse(string text, out ProbePacket? p, out string? error)
    {
        p = null; error = null;
        var t = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (t.Length < 7 || t[2] != "->") { error = "expected: PROTO SRC[:PORT] -> DST[:PORT] in IF out IF [mac MAC] [state new|established]"; return false; }
        if (!ProtoNames.TryParse(t[0], out byte proto)) { error = $"unknown protocol '{t[0]}'"; return false; }
        if (!ParseEnd(t[1], out var src, out var sp)) { error = $"bad source '{t[1]}'"; return false; }
        if (!ParseEnd(t[3], out var dst, out var dp)) { error = $"bad destination '{t[3]}'"; return false; }
        if (src.IsV4 != dst.IsV4) { error = "source and destination are of different address families"; return false; }
        string? inIf = null, outIf = null; MacAddr? mac = null; int ct = CtStates.New;
        for (int i = 4; i < t.Length; i++)
        {
            if (i + 1 >= t.Length) { error = $"'{t[i]}' needs a value"; return false; }
            switch (t[i])
            {
                case "in": inIf = t[++i]; break;
                case "out": outIf = t[++i]; break;
                case "mac":
                    if (!MacAddr.TryParse(t[++i], out var m)) { error = $"bad MAC '{t[i]}'"; return false; }
                    mac = m; break;
                case "state":
                    ct = CtStates.Parse(t[++i]);
                    if (ct < 0) { error = $"unknown state '{t[i]}'"; return false; }
                    break;
                default: error = $"unexpected '{t[i]}'"; return false;
            }
        }
        if (inIf is null || outIf is null) { error = "both 'in IF' and 'out IF' are required"; return false; }
        if (!IpProto.HasPorts(proto)) { sp = 0; dp = 0; }
        p = new ProbePacket(proto, src, sp, dst, dp, inIf, outIf, mac, ct);
        return true;
    }

    private static bool ParseEnd(string s, out IpAddr ip, out ushort port)
    {
        port = 0;
        if (s.StartsWith('['))
        {
            int close = s.IndexOf(']');
            if (close < 0 || !IpAddr.TryParse(s.AsSpan(1, close - 1), out ip)) { ip = default; return false; }
            if (close + 1 < s.Length)
                return s[close + 1] == ':' && ushort.TryParse(s.AsSpan(close + 2), NumberStyles.None, null, out port);
            return true;
        }
        int colon = s.IndexOf(':');
        if (colon >= 0 && s.IndexOf(':', colon + 1) < 0)
            return IpAddr.TryParse(s.AsSpan(0, colon), out ip) && ushort.TryParse(s.AsSpan(colon + 1), NumberStyles.None, null, out port);
        return IpAddr.TryParse(s, out ip);
    }

    public bool InDim(Dim d, IntervalSet s) => d switch
    {
        Dim.Src => s.Contains(Domains.ToU(Src)),
        Dim.Dst => s.Contains(Domains.ToU(Dst)),
        Dim.Proto => s.Contains(Proto),
        Dim.Sport => s.Contains(SrcPort),
        Dim.Dport => s.Contains(DstPort),
        Dim.SrcMac => s.Contains(Mac?.Value ?? 0),
        Dim.Ct => s.Contains((UInt128)CtState),
        _ => true,
    };
}

public enum Verdict : byte { Accept, Drop, Reject }

/// <summary>The outcome of tracing one packet: verdict, deciding rule, and every rule that matched on the way.</summary>
public sealed record TraceResult(Verdict Verdict, FwRule? Decider, IReadOnlyList<FwRule> Path, bool Approximate)
{
    public string VerdictText => Verdict switch { Verdict.Accept => "accept", Verdict.Reject => "reject", _ => "drop" };
}

/// <summary>Traces one concrete packet through the forward hook.</summary>
public static class ConcreteTracer
{
    private const int MaxDepth = 64;

    public static TraceResult Trace(FwRuleset rs, ProbePacket p)
    {
        var path = new List<FwRule>();
        bool approx = false;
        FwRule? decider = null;
        foreach (var chain in rs.ForwardChains())
        {
            if (!SymbolicWalker.FamilySet(chain.Family).Contains(Domains.ToU(p.Src))) continue;
            var (v, rule) = Run(chain, p, path, 0, ref approx);
            if (v is null)
            {
                var pol = chain.Policy;
                if (pol is not null) path.Add(pol);
                v = pol is null || pol.Action == RuleAction.Accept ? Verdict.Accept : Verdict.Drop;
                rule = pol;
            }
            decider = rule;
            if (v != Verdict.Accept) return new TraceResult(v.Value, rule, path, approx);
        }
        return new TraceResult(Verdict.Accept, decider, path, approx);
    }

    /// <summary>Runs a chain; null verdict means the packet fell off the end or returned.</summary>
    private static (Verdict? V, FwRule? Rule) Run(FwChain chain, ProbePacket p, List<FwRule> path, int depth, ref bool approx)
    {
        if (depth > MaxDepth) return (null, null);
        foreach (var r in RulesFor(chain, p.InIf, p.OutIf))
        {
            if (!Matches(r, p, ref approx)) continue;
            path.Add(r);
            switch (r.Action)
            {
                case RuleAction.Accept: return (Verdict.Accept, r);
                case RuleAction.Drop: return (Verdict.Drop, r);
                case RuleAction.Reject: return (Verdict.Reject, r);
                case RuleAction.Return: return (null, null);
                case RuleAction.Continue: break;
                case RuleAction.Jump:
                    {
                        var (v, d) = Run(r.TargetChain!, p, path, depth + 1, ref approx);
                        if (v is not null) return (v, d);
                        break;
                    }
                case RuleAction.Goto:
                    return Run(r.TargetChain!, p, path, depth + 1, ref approx);
            }
        }
        return (null, null);
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<FwChain, Dictionary<(string, string), FwRule[]>> ByIfaces = new();

    /// <summary>The rules of a chain whose interface matches can hold for this in/out pair (cached per pair).</summary>
    private static FwRule[] RulesFor(FwChain chain, string inIf, string outIf)
    {
        var map = ByIfaces.GetOrCreateValue(chain);
        lock (map)
        {
            if (map.TryGetValue((inIf, outIf), out var rules)) return rules;
            rules = chain.Rules.Where(r => r.Ifaces.All(i => i.Matches(i.In ? inIf : outIf))).ToArray();
            map[(inIf, outIf)] = rules;
            return rules;
        }
    }

    public static bool Matches(FwRule r, ProbePacket p, ref bool approx)
    {
        if (r.Never) return false;
        foreach (var i in r.Ifaces) if (!i.Matches(i.In ? p.InIf : p.OutIf)) return false;
        foreach (var f in r.Fields) if (!p.InDim(f.Dim, f.Values)) return false;
        foreach (var g in r.AnyOf)
        {
            bool one = false;
            foreach (var alt in g)
            {
                bool all = true;
                foreach (var f in alt) if (!p.InDim(f.Dim, f.Values)) { all = false; break; }
                if (all) { one = true; break; }
            }
            if (!one) return false;
        }
        if (r.HasUnknown)
        {
            approx = true;
            // Same approximation as the analysis: may-match, except where matching would drop the packet.
            return r.Action is not (RuleAction.Drop or RuleAction.Reject);
        }
        return true;
    }
}

/// <summary>Protocol names as iptables, nftables and /etc/protocols spell them.</summary>
public static class ProtoNames
{
    private static readonly Dictionary<string, byte> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["icmp"] = 1, ["igmp"] = 2, ["ipencap"] = 4, ["tcp"] = 6, ["egp"] = 8, ["udp"] = 17, ["dccp"] = 33, ["ipv6"] = 41,
        ["gre"] = 47, ["esp"] = 50, ["ah"] = 51, ["icmpv6"] = 58, ["ipv6-icmp"] = 58, ["icmp6"] = 58, ["ospf"] = 89,
        ["ospfigp"] = 89, ["pim"] = 103, ["vrrp"] = 112, ["l2tp"] = 115, ["sctp"] = 132, ["udplite"] = 136, ["mh"] = 135,
        ["ipv6-mh"] = 135, ["ipip"] = 94, ["comp"] = 108,
    };

    public static bool TryParse(string s, out byte proto)
    {
        if (Names.TryGetValue(s, out proto)) return true;
        return byte.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out proto);
    }
}

/// <summary>Well-known service names for ports (the usual /etc/services entries rulesets use).</summary>
public static class PortNames
{
    private static readonly Dictionary<string, ushort> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ftp-data"] = 20, ["ftp"] = 21, ["ssh"] = 22, ["telnet"] = 23, ["smtp"] = 25, ["domain"] = 53, ["bootps"] = 67,
        ["bootpc"] = 68, ["tftp"] = 69, ["http"] = 80, ["www"] = 80, ["kerberos"] = 88, ["pop3"] = 110, ["sunrpc"] = 111,
        ["ident"] = 113, ["auth"] = 113, ["ntp"] = 123, ["netbios-ns"] = 137, ["netbios-dgm"] = 138,
        ["netbios-ssn"] = 139, ["imap"] = 143, ["imap2"] = 143, ["snmp"] = 161, ["snmp-trap"] = 162, ["bgp"] = 179,
        ["ldap"] = 389, ["https"] = 443, ["microsoft-ds"] = 445, ["isakmp"] = 500, ["syslog"] = 514, ["submission"] = 587,
        ["ldaps"] = 636, ["imaps"] = 993, ["pop3s"] = 995, ["openvpn"] = 1194, ["ms-sql-s"] = 1433, ["mysql"] = 3306,
        ["rdp"] = 3389, ["ms-wbt-server"] = 3389, ["postgresql"] = 5432, ["http-alt"] = 8080, ["webcache"] = 8080,
        ["smtps"] = 465, ["ipp"] = 631, ["rsync"] = 873, ["dns"] = 53, ["ipsec-nat-t"] = 4500, ["sip"] = 5060,
        ["x11"] = 6000, ["squid"] = 3128, ["nfs"] = 2049, ["xmpp-client"] = 5222, ["irc"] = 6667,
    };

    public static bool TryParse(string s, out ushort port)
    {
        if (ushort.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out port)) return true;
        return Names.TryGetValue(s, out port);
    }
}
