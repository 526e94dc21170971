using SegVerify.Core.Net;
using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Dialects.Iptables;
using SegVerify.Firewall.Dialects.Nftables;
using SegVerify.Firewall.Model;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Firewall.Tests;

/// <summary>
/// Differential tests of destination NAT against the Linux kernel, in the namespaces of
/// <see cref="KernelDifferentialTests"/>: rulesets with DNAT (single addresses, address pools, ports and port ranges),
/// REDIRECT and filters on <c>--ctstate DNAT</c> / <c>ct status dnat</c> and on the original destination (<c>--ctorigdst</c>, <c>ct original ip daddr</c>), in iptables and nft. Each probe is sent to
/// the address as a client would (often a public address the firewall translates); the destination namespace records
/// the source port with the destination address and port that arrived. For every probe the kernel must deliver
/// exactly when <see cref="ConcreteTracer"/> accepts, and deliver to the translated destination it reports (for an
/// address pool, to one of the pool's addresses). Needs root, ip netns, iptables-restore and nft; skipped otherwise.
/// </summary>
[Collection("kernel")]
public class KernelDnatDifferentialTests(ITestOutputHelper output)
{
    internal const string Iptables = """
        *nat
        :PREROUTING ACCEPT [0:0]
        :INPUT ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :POSTROUTING ACCEPT [0:0]
        :PUBLISH - [0:0]
        -A PREROUTING -i eth6 -d 203.0.113.0/28 -j PUBLISH
        -A PREROUTING -i eth6 -d 203.0.113.13/32 -p tcp -j REDIRECT --to-ports 3128
        -A PREROUTING -i eth1 -d 203.0.113.64/26 -p tcp -m tcp --dport 80 -j DNAT --to-destination 198.51.100.20:8080
        -A PREROUTING -i eth2 -d 203.0.113.12/32 -j DNAT --to-destination 172.16.5.5
        -A PUBLISH -d 203.0.113.10/32 -p tcp -m tcp --dport 443 -j DNAT --to-destination 198.51.100.10
        -A PUBLISH -d 203.0.113.10/32 -p tcp -m tcp --dport 8445 -j DNAT --to-destination 10.10.0.20:445
        -A PUBLISH -d 203.0.113.11/32 -p udp -m udp --dport 5000:5010 -j DNAT --to-destination 10.30.0.5:5004-5008
        -A PUBLISH -d 203.0.113.11/32 -p tcp -m multiport --dports 7000,7001 -j DNAT --to-destination 10.30.0.8-10.30.0.11
        -A PUBLISH -d 203.0.113.9/32 -j RETURN
        -A PUBLISH -p tcp -j DNAT --to-destination 198.51.100.30:9000
        COMMIT
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD DROP [0:0]
        :OUTPUT ACCEPT [0:0]
        -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
        -A FORWARD -i eth6 -p tcp -m conntrack --ctorigdst 203.0.113.11 --ctorigdstport 7001 -j DROP
        -A FORWARD -i eth2 -m conntrack --ctorigdst 10.10.0.0/16 -j DROP
        -A FORWARD -i eth6 -m conntrack --ctstate DNAT -p tcp -j ACCEPT
        -A FORWARD -i eth6 -m conntrack --ctstate DNAT -p udp -m udp --dport 5004:5006 -j ACCEPT
        -A FORWARD -i eth1 -o eth4 -m conntrack --ctreplsrc 198.51.100.20 --ctorigsrc 10.20.0.0/16 -j ACCEPT
        -A FORWARD -i eth2 -o eth3 -m conntrack --ctstate NEW,DNAT -m conntrack --ctstate DNAT -j ACCEPT
        -A FORWARD -i eth2 -o eth3 -j DROP
        -A FORWARD -i eth2 -j ACCEPT
        COMMIT

        """;

    internal const string Nft = """
        table ip nat {
            chain publish {
                ip daddr 203.0.113.10 tcp dport 443 dnat to 198.51.100.10
                ip daddr 203.0.113.10 tcp dport 8445 dnat to 10.10.0.20:445
                ip daddr 203.0.113.11 udp dport 5000-5010 dnat to 10.30.0.5:5004-5008
                ip daddr 203.0.113.11 tcp dport { 7000, 7001 } dnat to 10.30.0.8-10.30.0.11
                ip daddr 203.0.113.9 return
                meta l4proto tcp dnat to 198.51.100.30:9000
            }
            chain prerouting {
                type nat hook prerouting priority dstnat; policy accept;
                iifname "eth6" ip daddr 203.0.113.0/28 jump publish
                iifname "eth6" ip daddr 203.0.113.13 meta l4proto tcp redirect to :3128
                iifname "eth1" ip daddr 203.0.113.64/26 tcp dport 80 dnat ip to 198.51.100.20:8080
                iifname "eth2" ip daddr 203.0.113.12 dnat to 172.16.5.5
            }
        }
        table inet filter {
            chain forward {
                type filter hook forward priority filter; policy drop;
                ct state established,related accept
                iifname "eth6" ct status dnat meta l4proto tcp accept
                iifname "eth6" ct status dnat udp dport 5004-5006 accept
                iifname "eth1" oifname "eth4" ip daddr 198.51.100.20 accept
                iifname "eth2" oifname "eth3" ct status dnat accept
                iifname "eth2" oifname "eth3" drop
                iifname "eth2" accept
            }
        }

        """;

    /// <summary>Destination NAT through maps: named and anonymous, concatenated keys and address . port data, port
    /// ranges as keys and data, an interval map, and load balancing with numgen; filters on the original destination.</summary>
    internal const string NftMaps = """
        table ip nat {
            map published {
                type ipv4_addr . inet_service : ipv4_addr . inet_service
                elements = { 203.0.113.10 . 8445 : 10.10.0.20 . 445, 203.0.113.10 . 443 : 198.51.100.10 . 443, 203.0.113.11 . 7001 : 10.30.0.5 . 7000 }
            }
            map web {
                type ipv4_addr : ipv4_addr
                flags interval
                elements = { 203.0.113.64/26 : 198.51.100.20, 203.0.113.12 : 172.16.5.5 }
            }
            chain prerouting {
                type nat hook prerouting priority dstnat; policy accept;
                iifname "eth6" dnat ip to ip daddr . tcp dport map @published
                iifname "eth6" ip daddr 203.0.113.11 dnat ip to udp dport map { 5000-5003 : 10.30.0.5 . 5004-5008, 5009 : 10.30.0.8 . 5010-5011 }
                iifname "eth6" ip daddr 203.0.113.13 meta l4proto tcp dnat to numgen inc mod 2 map { 0 : 10.30.0.8, 1 : 10.30.0.9 }
                iifname { "eth1", "eth2" } dnat to ip daddr map @web
                iifname "eth6" dnat to ip daddr map { 203.0.113.14 : 198.51.100.30, 203.0.113.9 : 10.20.0.9 }
            }
        }
        table inet filter {
            chain forward {
                type filter hook forward priority filter; policy drop;
                ct state established,related accept
                iifname "eth6" meta l4proto tcp ct original ip daddr 203.0.113.13 ct original proto-dst 22 drop
                iifname "eth2" ct original ip daddr 10.10.0.0/16 drop
                iifname "eth6" ct status dnat meta l4proto tcp accept
                iifname "eth6" ct status dnat udp dport { 5004-5006, 5010 } accept
                iifname "eth6" oifname "eth1" ct status dnat accept
                iifname "eth1" oifname "eth4" ct reply ip saddr 198.51.100.20 ct original ip saddr 10.20.0.0/16 accept
                iifname "eth2" oifname "eth3" ct status dnat accept
                iifname "eth2" oifname "eth3" drop
                iifname "eth2" accept
            }
        }

        """;

    private static readonly Cidr[] Nets = KernelDifferentialTests.ZoneNets.Select(Cidr.Parse).ToArray();

    /// <summary>The interface the router sends an address out of (its routes: the zone networks, else eth6).</summary>
    private static string Route(IpAddr a)
    {
        for (int i = 0; i < 6; i++) if (Nets[i].Contains(a)) return $"eth{i}";
        return "eth6";
    }

    [SkippableTheory]
    [InlineData("iptables")]
    [InlineData("nft")]
    [InlineData("nft-maps")]
    public void KernelTranslatesAsTheProbeSays(string dialect)
    {
        var why = KernelDifferentialTests.Missing();
        if (why is not null) { Console.WriteLine("SKIP kernel DNAT differential: " + why); Skip.If(true, "kernel DNAT differential test skipped: " + why); }
        bool nft = dialect.StartsWith("nft");
        var text = dialect switch { "nft" => Nft, "nft-maps" => NftMaps, _ => Iptables };
        var rs = nft ? NftParser.Parse("dnat.nft", text) : IptablesParser.Parse("dnat.rules", text);
        Assert.Empty(rs.Warnings);
        int seed = dialect switch { "iptables" => 7, "nft" => 11, _ => 13 };
        var probes = MakeProbes(rs, seed);
        string id = $"{Environment.ProcessId % 1000:D3}{seed + 80}";
        string router = $"svfr{id}";
        var zones = Enumerable.Range(0, 7).Select(i => $"svfz{id}{i}").ToArray();
        try
        {
            // (Setup routes the external zone's own packets, to the zones and to 203.0.113.0/24, through the router,
            // and makes every zone record the source port, destination and destination port of what arrives.)
            KernelDifferentialTests.Setup(router, zones);
            var tmp = Path.GetTempFileName();
            File.WriteAllText(tmp, text);
            try
            {
                if (nft) KernelDifferentialTests.Must($"ip netns exec {router} nft -f {tmp}");
                else KernelDifferentialTests.Must($"ip netns exec {router} iptables-restore {tmp}");
            }
            finally { File.Delete(tmp); }
            foreach (var p in probes) KernelDifferentialTests.Send(zones[p.InIf[3] - '0'], p);
            Thread.Sleep(1500);
            var got = new Dictionary<int, (IpAddr Dst, ushort Port, string Iface)>();
            foreach (var ((sport, dst, dport), zi) in KernelDifferentialTests.Arrived(zones))
                got[sport] = (dst, (ushort)dport, $"eth{zi}");
            int disagree = 0, translated = 0;
            var used = new HashSet<AclLine>();
            foreach (var p in probes)
            {
                var tr = ConcreteTracer.Trace(rs, p);
                bool expect = tr.Verdict == Verdict.Accept;
                bool arrived = got.TryGetValue(p.SrcPort, out var g);
                string? why2 = null;
                if (expect != arrived) why2 = $"probe says {tr.VerdictText}, kernel {(arrived ? "delivered" : "dropped")}";
                else if (arrived)
                {
                    var wantDst = tr.NatDst ?? p.Dst;
                    var wantPort = tr.NatDst is null ? p.DstPort : tr.NatDstPort!.Value;
                    var pool = tr.Path.LastOrDefault(l => l.Action == LineAction.Translate)?.Nat?.DstAddresses;
                    bool dstOk = g.Dst == wantDst || (tr.NatDst is not null && pool is not null && pool.Contains(FieldDomains.ToU(g.Dst)));
                    if (!dstOk || g.Port != wantPort || g.Iface != p.OutIf)
                        why2 = $"probe says {wantDst}:{wantPort} out {p.OutIf}, kernel delivered to {g.Dst}:{g.Port} on {g.Iface}";
                    if (tr.NatDst is not null) { translated++; used.Add(tr.Path.Last(l => l.Action == LineAction.Translate)); }
                }
                if (why2 is not null)
                {
                    disagree++;
                    output.WriteLine($"DISAGREE {IpProto.Name(p.Proto)} {p.Src}:{p.SrcPort} -> {p.Dst}:{p.DstPort} in {p.InIf} out {p.OutIf}: {why2} via [{string.Join(",", tr.Path.Select(r => r.Pos))}]");
                }
            }
            output.WriteLine($"{dialect}: {probes.Count} probes, {got.Count} delivered, {translated} of them translated, {disagree} disagreements");
            Assert.True(translated >= 20, $"only {translated} translated deliveries: the probes do not exercise DNAT");
            // Every translation that forwards (each value of each map) is taken by at least one delivered probe (a
            // rule split by the original destinations the filters compare counts once).
            static (ConfigPos, NatTranslation) Written(AclLine l) => (l.Pos, l.Nat! with { Tag = 0 });
            var taken = used.Select(Written).ToHashSet();
            var unused = rs.Acls.SelectMany(acl => acl.Lines)
                .Where(l => l.Action == LineAction.Translate && l.Nat is { ToDevice: false } && !taken.Contains(Written(l))).ToList();
            Assert.True(unused.Count == 0, "translations no delivered probe takes: " + string.Join("; ", unused.Select(l => $"{l.Pos.Line}: {l.Text} -> {l.Nat}")));
            Assert.Equal(0, disagree);
        }
        finally
        {
            KernelDifferentialTests.Run("ip", $"netns del {router}", out _);
            foreach (var z in zones) KernelDifferentialTests.Run("ip", $"netns del {z}", out _);
        }
    }

    /// <summary>
    /// Probes at and around every NAT rule's addresses and ports (every combination from the interfaces NAT rules
    /// name, and random ones from the others), and to the zones' own addresses; each leaves through the interface the
    /// router routes its translated destination to.
    /// </summary>
    private static List<ProbePacket> MakeProbes(FwRuleset rs, int seed)
    {
        var rnd = new Random(seed);
        var res = new List<ProbePacket>();
        string[] publics = ["203.0.113.9", "203.0.113.10", "203.0.113.11", "203.0.113.12", "203.0.113.13", "203.0.113.14", "203.0.113.70", "203.0.113.200"];
        ushort[] ports = [80, 443, 444, 7000, 7001, 7002, 8445, 4999, 5000, 5002, 5003, 5004, 5005, 5009, 5010, 5011, 3128, 22];
        string[] sources = ["10.10.1.1", "10.20.1.1", "10.30.1.1", "172.16.1.1", "198.51.100.40", "192.0.2.1", "198.18.0.7"];
        int sport = 21000;
        void Add(ProbePacket p)
        {
            // The out interface follows the translated destination, as the kernel routes after PREROUTING.
            var first = ConcreteTracer.Trace(rs, p);
            var outIf = Route(first.NatDst ?? p.Dst);
            // Untranslated packets to the public addresses would go back out to the external zone, whose namespace
            // owns every address: they test no translation and are left out, as is traffic inside one zone.
            if (outIf == "eth6" || outIf == p.InIf) return;
            res.Add(p with { OutIf = outIf });
        }
        // Every public address, port and protocol from the zones where the NAT rules apply ...
        foreach (int zi in new[] { 6, 1, 2 })
            foreach (var pub in publics)
                foreach (var port in ports)
                    foreach (var proto in new[] { IpProto.Tcp, IpProto.Udp })
                        Add(new ProbePacket(proto, IpAddr.Parse(sources[zi]), (ushort)sport++, IpAddr.Parse(pub), port, $"eth{zi}", "eth0", null, ConnStates.New));
        // ... then random probes, also from the other zones and to the zones' own addresses.
        for (int k = 0, n = res.Count; res.Count < n + 200 && k < 5000; k++)
        {
            int zi = k % 3 == 0 ? 6 : rnd.Next(3) == 0 ? rnd.Next(7) : new[] { 1, 2, 6 }[rnd.Next(3)];
            var src = IpAddr.Parse(sources[zi]);
            var dst = rnd.Next(6) == 0 ? IpAddr.Parse(KernelDifferentialTests.ZoneNets[rnd.Next(6)].Split('/')[0]) : IpAddr.Parse(publics[rnd.Next(publics.Length)]);
            if (!dst.IsV4 || dst.V4 % 256 == 0) dst = IpAddr.FromV4(dst.V4 + 5);
            byte proto = rnd.Next(2) == 0 ? IpProto.Tcp : IpProto.Udp;
            Add(new ProbePacket(proto, src, (ushort)sport++, dst, ports[rnd.Next(ports.Length)], $"eth{zi}", "eth0", null, ConnStates.New));
        }
        return res;
    }
}
