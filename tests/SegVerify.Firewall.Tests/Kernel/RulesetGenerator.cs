using System.Text;
using SegVerify.Core.Net;
using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Tests.Kernel;

/// <summary>
/// Random nft and iptables/ip6tables rulesets (seeded) for the kernel differential test, using every construct the nft reader models:
/// define (in an included file), IPv4/IPv6 prefixes and negations, port ranges and comparisons (source ports too),
/// th ports, ICMP/ICMPv6 types and codes, TCP flags in every form, ether saddr, ct state, meta nfproto/l4proto,
/// interfaces with wildcards, concatenated named and anonymous sets, verdict maps (anonymous and named, with jump and
/// goto) and a second table. Alongside, the values worth probing (range edges and their neighbours), and probes.
/// </summary>
internal sealed class RulesetGenerator
{
    private readonly Random _r;
    private readonly List<IpAddr> _addr = [];
    private readonly List<ushort> _ports = [1, 1023, 1024, 65535];
    private readonly List<byte> _icmp4 = [0, 3, 8, 11, 13], _icmp6 = [1, 3, 128, 129], _codes = [0, 1, 3, 4];
    private readonly List<MacAddr> _macs = [];
    private static readonly byte[] FlagCombos = [0x02, 0x10, 0x12, 0x04, 0x11, 0x18, 0xC2, 0x03, 0x00, 0x14, 0x29, 0x22];

    public RulesetGenerator(int seed) { _r = new Random(seed); }

    /// <summary>The main file (it includes "defs.nft") and the included file.</summary>
    public (string Main, string Defs) Generate()
    {
        var p1 = Prefix4(0); var p2 = Prefix4(1); var p3 = Prefix4(3);
        var defs = new StringBuilder();
        defs.Append("define LAN = \"eth0\"\n");
        defs.Append("define WEBPORTS = { 80, 443, 8000-8080 }\n");
        defs.Append($"define NETS = {{ {p1}, {p2} }}\n");
        defs.Append($"define ALLNETS = {{ $NETS, {p3} }}\n");
        foreach (ushort p in new ushort[] { 79, 80, 81, 442, 443, 444, 7999, 8000, 8080, 8081 }) _ports.Add(p);

        var sb = new StringBuilder();
        sb.Append("include \"defs.nft\"\n\ntable inet gen {\n");
        // Concatenated sets: addresses (with intervals) and services.
        var pubs = Enumerable.Range(0, 3).Select(i => $"{Prefix4(i + 2)} . {Port()}").ToList();
        sb.Append($"\tset pub {{\n\t\ttype ipv4_addr . inet_service\n\t\tflags interval\n\t\telements = {{ {string.Join(", ", pubs)} }}\n\t}}\n");
        var pub6 = new[] { $"{Prefix6(2)} . tcp . {Port()}", $"{Prefix6(4)} . udp . {Port()}" };
        sb.Append($"\tset pub6 {{\n\t\ttype ipv6_addr . inet_proto . inet_service\n\t\tflags interval\n\t\telements = {{ {string.Join(", ", pub6)} }}\n\t}}\n");
        var m1 = Mac(); var m2 = Mac();
        sb.Append($"\tset macs {{\n\t\ttype ether_addr\n\t\telements = {{ {m1}, {m2} }}\n\t}}\n");
        sb.Append($"\tmap bysrc {{\n\t\ttype ipv4_addr : verdict\n\t\tflags interval\n\t\telements = {{ {Prefix4(1)} : drop, {Prefix4(2)} : accept, {Prefix4(5)} : jump c1 }}\n\t}}\n");
        sb.Append($"\tchain forward {{\n\t\ttype filter hook forward priority filter; policy {(_r.Next(2) == 0 ? "drop" : "accept")};\n");
        if (_r.Next(2) == 0) sb.Append("\t\tct state vmap { invalid : drop, untracked : accept }\n");
        sb.Append("\t\tiifname vmap { $LAN : jump c0, \"eth1\" : goto c1, \"eth2\" : jump c2 }\n");
        for (int i = 0; i < 14; i++) sb.Append("\t\t").Append(Rule(allowJump: true)).Append('\n');
        sb.Append("\t}\n");
        for (int c = 0; c < 3; c++)
        {
            sb.Append($"\tchain c{c} {{\n");
            for (int i = 0; i < 6; i++) sb.Append("\t\t").Append(Rule(allowJump: false)).Append('\n');
            if (c == 0) sb.Append("\t\tmeta l4proto udp jump c2\n\t\tudp sport 1024-65535 return\n");
            sb.Append("\t}\n");
        }
        sb.Append("}\n\ntable ip6 gen6 {\n\tchain fwd6 {\n\t\ttype filter hook forward priority 10; policy accept;\n");
        for (int i = 0; i < 5; i++) sb.Append("\t\t").Append(Rule6()).Append('\n');
        sb.Append("\t}\n}\n");
        return (sb.ToString(), defs.ToString());
    }

    private T Pick<T>(IReadOnlyList<T> l) => l[_r.Next(l.Count)];

    private string Prefix4(int zone)
    {
        var net = zone < 6 ? Cidr.Parse(KernelLab.ZoneNets4[zone]) : Cidr.Parse("203.0.113.0/24");
        int len = Math.Max(net.PrefixLength, _r.Next(20, 31));
        uint span = len >= 32 ? 0 : (1u << (32 - net.PrefixLength)) - 1;
        uint a = net.Network.V4 + (uint)_r.NextInt64(0, (long)span + 1);
        var c = new Cidr(Cidr.Mask(IpAddr.FromV4(a), len), len);
        foreach (var x in new[] { c.Network.V4, c.Last.V4, c.Network.V4 - 1, c.Last.V4 + 1 }) _addr.Add(IpAddr.FromV4(x));
        return c.ToString();
    }

    private string Prefix6(int zone)
    {
        var net = zone < 6 ? Cidr.Parse(KernelLab.ZoneNets6[zone]) : Cidr.Parse("2001:db8:99::/64");
        int len = _r.Next(112, 127);
        var a = new IpAddr(net.Network.Hi, (ulong)_r.NextInt64());
        var c = new Cidr(Cidr.Mask(a, len), len);
        _addr.Add(c.Network); _addr.Add(c.Last);
        _addr.Add(new IpAddr(c.Network.Hi, c.Network.Lo - 1)); _addr.Add(new IpAddr(c.Last.Hi, c.Last.Lo + 1));
        return c.ToString();
    }

    private ushort Port()
    {
        ushort p = (ushort)_r.Next(2, 65000);
        _ports.Add(p); _ports.Add((ushort)(p - 1)); _ports.Add((ushort)(p + 1));
        return p;
    }

    private string Range()
    {
        ushort lo = (ushort)_r.Next(2, 65000), hi = (ushort)(lo + _r.Next(0, 40));
        foreach (var p in new[] { lo - 1, lo, hi, hi + 1 }) _ports.Add((ushort)p);
        return lo == hi ? lo.ToString() : $"{lo}-{hi}";
    }

    private string Mac()
    {
        var m = new MacAddr(0x020000000000UL | (ulong)_r.NextInt64(1, 0xFFFFFFFF));
        _macs.Add(m);
        return m.ToString();
    }

    private string Neg() => _r.Next(4) == 0 ? "!= " : "";

    /// <summary>One match, with the family (0 any, 4, 6) and transport ("" any, tcp, udp, tu, icmp, icmpv6) it implies.</summary>
    private (string Text, int Fam, string L4) Atom()
    {
        switch (_r.Next(24))
        {
            case 0: return ($"ip saddr {Neg()}{Prefix4(_r.Next(7))}", 4, "");
            case 1: return ($"ip daddr {Neg()}{Prefix4(_r.Next(7))}", 4, "");
            case 2: return ($"ip6 saddr {Neg()}{Prefix6(_r.Next(7))}", 6, "");
            case 3: return ($"ip6 daddr {Neg()}{Prefix6(_r.Next(7))}", 6, "");
            case 4: return (_r.Next(2) == 0 ? "ip saddr $NETS" : "ip daddr != $ALLNETS", 4, "");
            case 5: { var pr = Pick(new[] { "tcp", "udp" }); return ($"{pr} dport {Neg()}{Range()}", 0, pr); }
            case 6:
                {
                    ushort n = (ushort)Pick(new[] { 1024, 1023, 32768, 40000, 60000 });
                    _ports.Add(n); _ports.Add((ushort)(n - 1)); _ports.Add((ushort)(n + 1));
                    var pr = Pick(new[] { "tcp", "udp" });
                    return ($"{pr} sport {Pick(new[] { "<", ">", "<=", ">=" })} {n}", 0, pr);
                }
            case 7: return ($"udp sport {{ {Range()}, {Port()} }}", 0, "udp");
            case 8: return ("meta l4proto { tcp, udp } th dport $WEBPORTS", 0, "tu");
            case 9: return (Pick(new[] { "icmp type { echo-request, timestamp-request, 0 }", "icmp type destination-unreachable icmp code { host-unreachable, 3 }", "icmp type != echo-request", "icmp code 0" }), 4, "icmp");
            case 10: return (Pick(new[] { "icmpv6 type { echo-request, echo-reply }", "icmpv6 type destination-unreachable icmpv6 code { no-route, 3 }", "icmpv6 type != 128" }), 6, "icmpv6");
            case 11:
                return (Pick(new[]
                {
                    "tcp flags syn", "tcp flags syn,ack", "tcp flags == syn", "tcp flags != syn", "tcp flags & (syn|ack) == syn",
                    "tcp flags & (fin|syn|rst|ack) != syn", "tcp flags syn / syn,ack", "tcp flags { ack, syn | ack }", "tcp flags != { syn, ack }",
                    "tcp flags & (ecn|cwr) == ecn|cwr", "tcp flags & (syn|fin) != syn|fin",
                }), 0, "tcp");
            case 12: return (_r.Next(3) switch { 0 => $"ether saddr {Mac()}", 1 => "ether saddr @macs", _ => $"ether saddr != {(_macs.Count > 0 ? Pick(_macs).ToString() : Mac())}" }, 0, "");
            case 13: return (Pick(new[] { "ct state new", "ct state { invalid }", "ct state != new", "ct state established,related", "ct state new,invalid" }), 0, "");
            case 14:
                return _r.Next(6) switch
                {
                    0 => ("meta nfproto ipv6", 6, ""), 1 => ("meta nfproto ipv4", 4, ""), 2 => ("meta l4proto icmp", 4, "icmp"),
                    3 => ("ip protocol udp", 4, "udp"), 4 => ("ip6 nexthdr tcp", 6, "tcp"), _ => ("meta l4proto != tcp", 0, ""),
                };
            case 15: return (Pick(new[] { "iifname \"eth3\"", "oifname { \"eth1\", \"eth2\" }", "oifname != \"eth5\"", "iifname \"eth*\"", "iifname $LAN", "oifname \"eth6\"" }), 0, "");
            case 16: return ("ip daddr . tcp dport @pub", 4, "tcp");
            case 17: return ("ip6 daddr . meta l4proto . th dport @pub6", 6, "tu");
            case 18: return ($"iifname . ip saddr {{ \"eth4\" . {Prefix4(4)}, \"eth*\" . {Prefix4(3)} }}", 4, "");
            case 19: return ($"ip saddr . ip daddr . udp dport {{ {Prefix4(_r.Next(6))} . {Prefix4(_r.Next(7))} . {Port()} }}", 4, "udp");
            case 20: return ($"tcp dport {Neg()}{{ {Port()}, {Range()} }}", 0, "tcp");
            case 21: return ($"udp dport {Pick(new[] { "<", ">" })} {Port()}", 0, "udp");
            case 22: return ($"ip6 saddr . ip6 daddr {{ {Prefix6(_r.Next(6))} . {Prefix6(_r.Next(7))} }}", 6, "");
            default: return ($"oifname . tcp dport {{ \"eth{_r.Next(7)}\" . {Port()}, \"eth{_r.Next(7)}\" . {Range()} }}", 0, "tcp");
        }
    }

    private static bool Compatible(List<(string Text, int Fam, string L4)> atoms)
    {
        var fams = atoms.Select(a => a.Fam).Where(f => f != 0).Distinct().Count();
        var l4s = atoms.Select(a => a.L4).Where(l => l.Length > 0).Distinct().Count();
        return fams <= 1 && l4s <= 1;
    }

    private string Rule(bool allowJump)
    {
        while (true)
        {
            var atoms = Enumerable.Range(0, _r.Next(1, 4)).Select(_ => Atom()).ToList();
            int v = _r.Next(20);
            (string Text, int Fam, string L4) verdict = v switch
            {
                < 8 => ("accept", 0, ""),
                < 13 => ("drop", 0, ""),
                13 => ("reject", 0, ""),
                14 => ("counter", 0, ""),
                15 when allowJump => ($"jump c{_r.Next(3)}", 0, ""),
                15 => ("accept", 0, ""),
                16 => ($"tcp dport vmap {{ {Port()} : accept, {Range()} : drop }}", 0, "tcp"),
                17 => allowJump ? ("ip saddr vmap @bysrc", 4, "") : ("drop", 0, ""),
                18 => ($"meta l4proto vmap {{ udp : {(allowJump ? "jump c2" : "accept")}, icmp : drop }}", 0, ""),
                _ => ("counter accept", 0, ""),
            };
            if (verdict.Text.Contains("vmap")) atoms = atoms.Take(1).ToList();
            if (!Compatible([.. atoms, verdict])) continue;
            // ip6 nexthdr in a rule that may drop is read with a warning (extension headers, NftNextHeader.cs): the
            // generated rulesets stay exact.
            if (atoms.Any(a => a.Text.StartsWith("ip6 nexthdr")) && (verdict.Text.Contains("drop") || verdict.Text.Contains("reject") || verdict.Text.Contains("vmap"))) continue;
            return string.Join(" ", atoms.Select(a => a.Text)) + " " + verdict.Text;
        }
    }

    private string Rule6()
    {
        string atom = _r.Next(4) switch
        {
            0 => $"ip6 saddr {Neg()}{Prefix6(_r.Next(7))}",
            1 => $"tcp dport {Neg()}{Range()}",
            2 => "icmpv6 type echo-reply",
            _ => $"ip6 daddr . udp dport {{ {Prefix6(_r.Next(7))} . {Port()} }}",
        };
        return atom + " " + (_r.Next(3) == 0 ? "accept" : "drop");
    }

    /// <summary>
    /// An iptables-save (or ip6tables-save) ruleset with the iptables equivalents: addresses and negations, port
    /// ranges on both ports, multiport, ICMP/ICMPv6 types and codes, --tcp-flags and --syn, -m mac, -m conntrack,
    /// interfaces with '+', a user chain with RETURN.
    /// </summary>
    public string GenerateIptables(bool v6)
    {
        var sb = new StringBuilder();
        sb.Append(v6 ? "# Generated by ip6tables-save\n" : "# Generated by iptables-save\n");
        sb.Append($"*filter\n:INPUT ACCEPT [0:0]\n:FORWARD {(_r.Next(2) == 0 ? "DROP" : "ACCEPT")} [0:0]\n:OUTPUT ACCEPT [0:0]\n:sub - [0:0]\n");
        string Addr() => v6 ? Prefix6(_r.Next(7)) : Prefix4(_r.Next(7));
        string PortRange() { var r = Range(); return r.Replace('-', ':'); }
        string RuleText(bool inSub)
        {
            var parts = new List<string>();
            if (_r.Next(3) == 0) parts.Add($"{(_r.Next(4) == 0 ? "! " : "")}-s {Addr()}");
            if (_r.Next(3) == 0) parts.Add($"{(_r.Next(4) == 0 ? "! " : "")}-d {Addr()}");
            if (_r.Next(4) == 0) parts.Add(Pick(new[] { "-i eth3", "-o eth+", "! -o eth5", "-i eth0" }));
            if (_r.Next(5) == 0) parts.Add($"-m mac {(_r.Next(3) == 0 ? "! " : "")}--mac-source {(_macs.Count > 0 && _r.Next(2) == 0 ? Pick(_macs).ToString() : Mac())}");
            if (_r.Next(5) == 0) parts.Add(Pick(new[] { "-m conntrack --ctstate NEW", "-m conntrack --ctstate INVALID", "-m conntrack ! --ctstate NEW", "-m state --state NEW,INVALID" }));
            switch (_r.Next(5))
            {
                case 0:
                    parts.Add("-p tcp -m tcp");
                    if (_r.Next(2) == 0) parts.Add($"{(_r.Next(4) == 0 ? "! " : "")}--dport {PortRange()}");
                    if (_r.Next(3) == 0) parts.Add($"--sport {Pick(new[] { "1024:65535", "0:1023", "1023", "32768:60999" })}");
                    if (_r.Next(2) == 0) parts.Add(Pick(new[] { "--syn", "! --syn", "--tcp-flags SYN,ACK SYN", "--tcp-flags ALL ACK", "! --tcp-flags FIN,SYN,RST,ACK SYN", "--tcp-flags SYN,RST RST" }));
                    break;
                case 1:
                    parts.Add("-p udp -m udp");
                    parts.Add(_r.Next(2) == 0 ? $"--sport {PortRange()}" : $"{(_r.Next(4) == 0 ? "! " : "")}--dport {PortRange()}");
                    break;
                case 2:
                    parts.Add($"-p tcp -m multiport --dports {Port()},{PortRange()}");
                    break;
                case 3:
                    parts.Add(v6 ? "-p ipv6-icmp -m icmp6" : "-p icmp -m icmp");
                    parts.Add(v6 ? $"{(_r.Next(4) == 0 ? "! " : "")}--icmpv6-type {Pick(new[] { "128", "echo-reply", "1/3", "destination-unreachable", "3" })}"
                                 : $"{(_r.Next(4) == 0 ? "! " : "")}--icmp-type {Pick(new[] { "8", "echo-reply", "3/4", "host-unreachable", "destination-unreachable", "13" })}");
                    break;
            }
            var target = _r.Next(10) switch { < 4 => "ACCEPT", < 7 => "DROP", 7 => "REJECT", 8 => inSub ? "RETURN" : "sub", _ => "ACCEPT" };
            return string.Join(" ", parts) + " -j " + target;
        }
        for (int i = 0; i < 18; i++) sb.Append("-A FORWARD ").Append(RuleText(false)).Append('\n');
        for (int i = 0; i < 6; i++) sb.Append("-A sub ").Append(RuleText(true)).Append('\n');
        sb.Append("COMMIT\n");
        return sb.ToString();
    }

    /// <summary>Probes: mostly from the interesting values, some at random; every 5-tuple distinct.</summary>
    public List<ProbePacket> Probes(int count)
    {
        var res = new List<ProbePacket>();
        var seen = new HashSet<string>();
        var a4 = _addr.Where(a => a.IsV4 && Usable(a)).ToList();
        var a6 = _addr.Where(a => !a.IsV4 && Usable(a)).ToList();
        while (res.Count < count)
        {
            bool v6 = _r.Next(3) == 0;
            IpAddr Addr(int zoneHint)
            {
                var pool = v6 ? a6 : a4;
                if (pool.Count > 0 && _r.Next(3) != 0) return Pick(pool);
                if (v6)
                {
                    var net = zoneHint < 6 ? Cidr.Parse(KernelLab.ZoneNets6[zoneHint]) : Cidr.Parse("2001:db8:99::/64");
                    return new IpAddr(net.Network.Hi, (ulong)_r.NextInt64(1, long.MaxValue));
                }
                var n4 = zoneHint < 6 ? Cidr.Parse(KernelLab.ZoneNets4[zoneHint]) : Cidr.Parse("203.0.113.0/24");
                return IpAddr.FromV4(n4.Network.V4 + (uint)_r.Next(1, (int)Math.Min(int.MaxValue, (1L << (32 - n4.PrefixLength)) - 1)));
            }
            var src = Addr(_r.Next(7));
            var dst = Addr(_r.Next(7));
            if (!Usable(src) || !Usable(dst) || src == dst) continue;
            int outIf = KernelLab.RouteOf(dst);
            int inIf = _r.Next(7);
            if (inIf == outIf) inIf = (inIf + 1 + _r.Next(6)) % 7;
            byte proto = _r.Next(10) switch { < 4 => IpProto.Tcp, < 7 => IpProto.Udp, _ => v6 ? (byte)58 : IpProto.Icmp };
            ushort sp = 0, dp = 0;
            byte? type = null, code = null, flags = null;
            if (proto is IpProto.Tcp or IpProto.Udp)
            {
                sp = _r.Next(2) == 0 ? Pick(_ports) : (ushort)_r.Next(1, 65536);
                dp = _r.Next(4) != 0 ? Pick(_ports) : (ushort)_r.Next(1, 65536);
                if (sp == 0) sp = 1;
                if (dp == 0) dp = 1;
                if (proto == IpProto.Tcp) flags = _r.Next(3) == 0 ? FlagCombos[_r.Next(FlagCombos.Length)] : TcpFlagBits.Syn;
            }
            else
            {
                type = Pick(v6 ? _icmp6 : _icmp4);
                code = _r.Next(2) == 0 ? (byte)0 : Pick(_codes);
            }
            var key = $"{proto} {src} {sp} {dst} {dp}";
            if (proto is IpProto.Tcp or IpProto.Udp && !seen.Add(key)) continue;
            var mac = _macs.Count > 0 && _r.Next(3) == 0 ? Pick(_macs) : new MacAddr(0x020000000000UL | (ulong)_r.NextInt64(1, 0xFFFFFFFF));
            int ct = KernelLab.FirstPacketState(proto, type ?? 0, flags ?? 0);
            res.Add(new ProbePacket(proto, src, sp, dst, dp, $"eth{inIf}", $"eth{outIf}", mac, ct, type, code, flags));
        }
        return res;
    }

    /// <summary>Addresses a router forwards (no loopback, link-local, multicast, broadcast or unspecified).</summary>
    private static bool Usable(IpAddr a)
    {
        if (a.IsV4)
        {
            uint v = a.V4;
            return v >> 24 is not (0 or 127 or >= 224) && v >> 16 != 0xA9FE && (v & 0xFF) is not (0 or 255);
        }
        return (a.Hi >> 61) == 0b001 || (a.Hi >> 57) == 0b1111110; // global unicast 2000::/3 or ULA fc00::/7
    }
}
