using SegVerify.Core.Findings;
using SegVerify.Core.Net;
using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Model;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Firewall.Tests;

/// <summary>
/// Destination NAT in the set analysis (iptables and nft): the policy judges the translated destination, witnesses
/// keep the packet as sent in dst_ip/dst_port and add nat_dst_ip/nat_dst_port, --required counts what gets through
/// translated.
/// </summary>
public class NatAnalysisTests
{
    private static object? X(Finding f, string key) => f.Extra!.FirstOrDefault(k => k.Key == key).Value;

    private static string Compliant => File.ReadAllText(TestPaths.InRepo("topologies", "firewall", "fw-core-compliant.iptables"));

    private const string PublishDirect =
        "-A ALLOWED -i eth6 -o eth4 -d 198.51.100.10/32 -p tcp -m tcp --dport 443 -m comment --comment \"publish-www\" -j ACCEPT\n";

    /// <summary>The compliant sample publishing www through DNAT only: the filter accepts translated traffic.</summary>
    private static string Published(string extraNat = "", string extraFilter = "") =>
        "*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n" +
        "-A PREROUTING -i eth6 -d 203.0.113.10/32 -p tcp -m tcp --dport 443 -j DNAT --to-destination 198.51.100.10\n" +
        extraNat +
        "-A POSTROUTING -o eth6 -j MASQUERADE\nCOMMIT\n" +
        Compliant.Replace(PublishDirect, "-A ALLOWED -i eth6 -m conntrack --ctstate DNAT -j ACCEPT\n" + extraFilter);

    private static List<Finding> Violations(AnalysisResult r) => r.Findings.Where(f => f.Severity == Severity.Violation).ToList();

    [Fact]
    public void PublishedThroughDnatIsCompliantAndSatisfiesRequired()
    {
        Assert.Contains(PublishDirect, Compliant);
        var r = AnalysisTests.Analyse(AnalysisTests.Ipt(Published()), required: true);
        Assert.Empty(r.Findings.Select(f => $"{f.Rule}: {SegVerify.Core.Localization.Messages.Message(f, "en")}"));
    }

    [Fact]
    public void ViolationThroughDnatKeepsTheSentDestinationAndAddsTheTranslatedOne()
    {
        var rs = AnalysisTests.Ipt(Published("-A PREROUTING -i eth6 -d 203.0.113.10/32 -p tcp -m tcp --dport 8445 -j DNAT --to-destination 10.10.0.20:445\n"));
        var v = Assert.Single(Violations(AnalysisTests.Analyse(rs)));
        Assert.Equal("mynumber-internet", v.Rule);
        Assert.Equal(("external", "mn-office"), (v.SrcZone, v.DstZone));
        Assert.Equal(IpAddr.Parse("203.0.113.10"), v.DstIp);
        Assert.Equal((ushort)8445, v.DstPort);
        Assert.Equal("10.10.0.20", X(v, "nat_dst_ip"));
        Assert.Equal(445, X(v, "nat_dst_port"));
        // Accepted by the ctstate DNAT rule; the DNAT line is on the path.
        var acceptLine = Published().Split('\n').ToList().FindIndex(l => l.Contains("--ctstate DNAT -j ACCEPT")) + 2; // + the extra NAT line, 1-based
        Assert.Equal(acceptLine, v.Config!.Line);
        Assert.Contains("t.rules:5", (string[])X(v, "path")!);
        Assert.Equal(("eth6", "eth0"), ((string)X(v, "in_interface")!, (string)X(v, "out_interface")!));
    }

    [Fact]
    public void ThePolicyJudgesTheTranslatedDestinationAndRequiredSeesTheServerUnreachable()
    {
        // www is published on the wrong port: what arrives is www:8443 (not permitted), and www:443 is never reached.
        var text = Published().Replace("--to-destination 198.51.100.10\n", "--to-destination 198.51.100.10:8443\n");
        var r = AnalysisTests.Analyse(AnalysisTests.Ipt(text), required: true);
        var v = Violations(r);
        var forbidden = Assert.Single(v, f => f.Rule != RuleIds.RequiredBlocked);
        Assert.Equal("public-web", forbidden.DstZone);
        Assert.Equal(((ushort?)443, "198.51.100.10", (object?)8443), (forbidden.DstPort, (string?)X(forbidden, "nat_dst_ip"), X(forbidden, "nat_dst_port")));
        Assert.Equal(IpAddr.Parse("203.0.113.10"), forbidden.DstIp);
        var blocked = Assert.Single(v, f => f.Rule == RuleIds.RequiredBlocked);
        Assert.Equal("publish-www", blocked.AllowedBy);
        Assert.Equal(IpAddr.Parse("198.51.100.10"), blocked.DstIp);
    }

    [Fact]
    public void UntranslatedTrafficToTheSameServerIsStillJudged()
    {
        // Accepting eth6 -> www directly as well: no new violation (the policy permits https to www either way),
        // but an accept of anything towards mn-office untranslated is reported without nat fields.
        var rs = AnalysisTests.Ipt(Published(extraFilter: "-A ALLOWED -i eth6 -o eth0 -d 10.10.0.20/32 -p tcp -m tcp --dport 445 -j ACCEPT\n"));
        var v = Assert.Single(Violations(AnalysisTests.Analyse(rs)));
        Assert.Equal(IpAddr.Parse("10.10.0.20"), v.DstIp);
        Assert.Null(X(v, "nat_dst_ip"));
    }

    [Fact]
    public void RedirectToTheDeviceForwardsNothing()
    {
        const string filter = "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -i eth0 -o eth6 -s 10.10.0.0/16 -p tcp --dport 80 -j ACCEPT\nCOMMIT\n";
        var open = Violations(AnalysisTests.Analyse(AnalysisTests.Ipt(filter)));
        Assert.Contains(open, f => f.Rule == "mynumber-internet");
        var redirected = AnalysisTests.Ipt("*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -i eth0 -p tcp --dport 80 -j REDIRECT --to-ports 3128\nCOMMIT\n" + filter);
        Assert.Empty(Violations(AnalysisTests.Analyse(redirected)));
    }

    [Fact]
    public void NftDnatAndCtStatusDnat()
    {
        const string text = """
            table ip nat {
                chain prerouting {
                    type nat hook prerouting priority dstnat; policy accept;
                    iifname "eth6" ip daddr 203.0.113.10 tcp dport 443 dnat to 198.51.100.10
                    iifname "eth6" ip daddr 203.0.113.10 tcp dport 8445 counter dnat to 10.10.0.20:445
                    iifname "eth0" tcp dport 80 redirect to :3128
                }
            }
            table inet filter {
                chain forward {
                    type filter hook forward priority filter; policy drop;
                    ct state established,related accept
                    iifname "eth6" ct status dnat accept
                    iifname "eth0" oifname "eth6" ip saddr 10.10.0.0/16 tcp dport 80 accept
                }
            }
            """;
        var rs = AnalysisTests.Nft(text);
        Assert.Empty(rs.Warnings);
        var v = Assert.Single(Violations(AnalysisTests.Analyse(rs)));
        Assert.Equal(("mynumber-internet", "external", "mn-office"), (v.Rule, v.SrcZone, v.DstZone));
        Assert.Equal((IpAddr.Parse("203.0.113.10"), (ushort?)8445), (v.DstIp, v.DstPort));
        Assert.Equal(("10.10.0.20", (object?)445), ((string?)X(v, "nat_dst_ip"), X(v, "nat_dst_port")));
        Assert.Equal(13, v.Config!.Line);
        Assert.Contains("t.nft:5", (string[])X(v, "path")!);
    }

    [Theory]
    [InlineData("dnat ip to 10.10.0.20", "10.10.0.20", null)]
    [InlineData("dnat to 10.10.0.20:445", "10.10.0.20", "445")]
    [InlineData("dnat ip to 10.10.0.20-10.10.0.29:445-449 persistent", "10.10.0.20-10.10.0.29", "445-449")]
    [InlineData("dnat ip6 to [fd00:10::20]:445", "fd00:10::20", "445")]
    [InlineData("redirect to :3128", null, "3128")]
    [InlineData("redirect", null, null)]
    public void NftNatStatementsAreRead(string stmt, string? addrs, string? ports)
    {
        var rs = AnalysisTests.Nft($"table inet nat {{\n chain pre {{\n  type nat hook prerouting priority -100;\n  tcp dport 8445 {stmt}\n }}\n}}\n");
        Assert.Empty(rs.Warnings);
        var line = Assert.Single(rs.DestinationNat).Acl.Lines.Single();
        Assert.Equal(LineAction.Translate, line.Action);
        Assert.Equal(stmt.StartsWith("redirect"), line.Nat!.ToDevice);
        Assert.Equal(addrs, line.Nat.DstAddresses is { } a ? Range(a, true) : null);
        Assert.Equal(ports, line.Nat.DstPorts is { } p ? Range(p, false) : null);
    }

    private static string Range(IntervalSet s, bool addr)
    {
        string One(UInt128 v) => addr ? FieldDomains.ToIp(v).ToString() : v.ToString();
        return s.Lo(0) == s.Hi(0) ? One(s.Lo(0)) : $"{One(s.Lo(0))}-{One(s.Hi(0))}";
    }

    /// <summary>The filter of the nft NAT-map tests: what was translated is accepted from the Internet.</summary>
    private const string AcceptTranslated = """
        table inet filter {
            chain forward {
                type filter hook forward priority filter; policy drop;
                iifname "eth6" ct status dnat accept
            }
        }
        """;

    private static FwRuleset NatNft(string natRules, string tableBody = "") =>
        AnalysisTests.Nft($"table ip nat {{\n{tableBody}\n chain pre {{\n  type nat hook prerouting priority dstnat; policy accept;\n{natRules}\n }}\n}}\n" + AcceptTranslated);

    private static ProbePacket FromInternet(byte proto, string dst, ushort port, string outIf = "eth0") =>
        new(proto, IpAddr.Parse("198.18.0.1"), 40000, IpAddr.Parse(dst), port, "eth6", outIf, null, ConnStates.New);

    [Fact]
    public void NftDnatThroughAnAddressMapIsOneTranslationPerValue()
    {
        var rs = NatNft("  iifname \"eth6\" tcp dport 445 dnat to ip daddr map { 203.0.113.1 : 10.10.0.20, 203.0.113.2 : 10.10.0.20, 203.0.113.3 : 198.51.100.10 }");
        Assert.Empty(rs.Warnings);
        var lines = Assert.Single(rs.DestinationNat).Acl.Lines;
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Equal((LineAction.Translate, 5), (l.Action, l.Pos.Line)));
        Assert.Equal(["10.10.0.20", "198.51.100.10"], lines.Select(l => Range(l.Nat!.DstAddresses!, true)));
        Assert.All(lines, l => Assert.Null(l.Nat!.DstPorts));
        var t = ConcreteTracer.Trace(rs, FromInternet(IpProto.Tcp, "203.0.113.2", 445));
        Assert.Equal((Verdict.Accept, IpAddr.Parse("10.10.0.20"), (ushort?)445), (t.Verdict, t.NatDst, t.NatDstPort));
        // A key not in the map: not translated, and the filter drops it.
        t = ConcreteTracer.Trace(rs, FromInternet(IpProto.Tcp, "203.0.113.4", 445));
        Assert.Equal((Verdict.Drop, (IpAddr?)null), (t.Verdict, t.NatDst));
        // The set analysis: the two published mn-office addresses are one class, sent to 203.0.113.1-2.
        var all = Violations(AnalysisTests.Analyse(rs));
        Assert.Equal(["mynumber-internet 203.0.113.1 10.10.0.20:445", "zone-crossing 203.0.113.3 198.51.100.10:445"],
            all.Select(f => $"{f.Rule} {f.DstIp} {X(f, "nat_dst_ip")}:{X(f, "nat_dst_port")}").Order());
        var v = all[0];
        Assert.Equal(("mynumber-internet", "external", "mn-office"), (v.Rule, v.SrcZone, v.DstZone));
        Assert.Equal("10.10.0.20", X(v, "nat_dst_ip"));
        Assert.Equal(v.DstPort, (ushort?)(int?)X(v, "nat_dst_port"));
        Assert.Equal("t.nft:5", ((string[])X(v, "path")!)[0]);
    }

    [Fact]
    public void NftDnatThroughAConcatenatedMapTranslatesAddressAndPort()
    {
        var rs = NatNft("  dnat ip to ip daddr . tcp dport map { 203.0.113.10 . 8445 : 10.10.0.20 . 445, 203.0.113.10 . 443 : 198.51.100.10 . 443 }\n" +
                        "  ip daddr 203.0.113.10 dnat ip to tcp dport map { 8080 : 198.51.100.10 . 80 }");
        Assert.Empty(rs.Warnings);
        var t = ConcreteTracer.Trace(rs, FromInternet(IpProto.Tcp, "203.0.113.10", 8445));
        Assert.Equal((Verdict.Accept, IpAddr.Parse("10.10.0.20"), (ushort?)445), (t.Verdict, t.NatDst, t.NatDstPort));
        // The key needs TCP: UDP to the same address and port is not translated (the second rule does not match either).
        Assert.Null(ConcreteTracer.Trace(rs, FromInternet(IpProto.Udp, "203.0.113.10", 8445)).NatDst);
        t = ConcreteTracer.Trace(rs, FromInternet(IpProto.Tcp, "203.0.113.10", 8080, "eth4"));
        Assert.Equal((IpAddr.Parse("198.51.100.10"), (ushort?)80), (t.NatDst, t.NatDstPort));
        var all = Violations(AnalysisTests.Analyse(rs));
        // www:80 through the second map is not permitted either; www:443 is.
        Assert.Equal(["mynumber-internet 203.0.113.10:8445 10.10.0.20:445", "zone-crossing 203.0.113.10:8080 198.51.100.10:80"],
            all.Select(f => $"{f.Rule} {f.DstIp}:{f.DstPort} {X(f, "nat_dst_ip")}:{X(f, "nat_dst_port")}").Order());
        var v = Assert.Single(all, f => f.Rule == "mynumber-internet");
        Assert.Equal(("10.10.0.20", (object?)445), ((string?)X(v, "nat_dst_ip"), X(v, "nat_dst_port")));
        Assert.Equal(IpProto.Tcp, v.Protocol);
    }

    [Fact]
    public void NftDnatThroughNamedMapsAndTheOlderAddrPortSyntax()
    {
        const string maps = """
            map published { type ipv4_addr . inet_service : ipv4_addr . inet_service; elements = { 203.0.113.10 . 8445 : 10.10.0.20 . 445 } }
            map web { type ipv4_addr : ipv4_addr; flags interval; elements = { 203.0.113.64/26 : 198.51.100.10 } }
            """;
        var rs = NatNft("  dnat ip addr . port to ip daddr . tcp dport map @published\n  dnat to ip daddr map @web", maps);
        Assert.Empty(rs.Warnings);
        var t = ConcreteTracer.Trace(rs, FromInternet(IpProto.Tcp, "203.0.113.10", 8445));
        Assert.Equal((IpAddr.Parse("10.10.0.20"), (ushort?)445), (t.NatDst, t.NatDstPort));
        t = ConcreteTracer.Trace(rs, FromInternet(IpProto.Udp, "203.0.113.100", 53, "eth4"));
        Assert.Equal((Verdict.Accept, IpAddr.Parse("198.51.100.10"), (ushort?)53), (t.Verdict, t.NatDst, t.NatDstPort));
        var v = Assert.Single(Violations(AnalysisTests.Analyse(rs)), f => f.Rule == "mynumber-internet");
        Assert.Equal((IpAddr.Parse("203.0.113.10"), (ushort?)8445, "10.10.0.20"), (v.DstIp, v.DstPort, (string?)X(v, "nat_dst_ip")));
    }

    [Fact]
    public void NftDnatBalancedOverAMapIsAPool()
    {
        var rs = NatNft("  ip daddr 203.0.113.10 tcp dport 445 dnat to numgen inc mod 2 map { 0 : 10.10.0.20, 1 : 10.10.0.21 }");
        Assert.Empty(rs.Warnings);
        var line = Assert.Single(rs.DestinationNat).Acl.Lines.Single();
        Assert.Equal("10.10.0.20-10.10.0.21", Range(line.Nat!.DstAddresses!, true));
        Assert.False(line.HasUnknown);
        var v = Assert.Single(Violations(AnalysisTests.Analyse(rs)));
        Assert.Contains((string)X(v, "nat_dst_ip")!, new[] { "10.10.0.20", "10.10.0.21" });
        // A result with no destination leaves those packets untranslated: possibly translated, with a warning.
        rs = NatNft("  ip daddr 203.0.113.10 tcp dport 445 dnat to jhash ip saddr mod 3 map { 0 : 10.10.0.20, 1 : 10.10.0.21 }");
        Assert.Equal(5, Assert.Single(rs.Warnings).Pos.Line);
        Assert.True(rs.DestinationNat[0].Acl.Lines.Single().HasUnknown);
    }

    /// <summary>A destination NAT not understood must not hide what it may publish: it may translate to anywhere.</summary>
    [Theory]
    [InlineData("dnat to ip daddr map @dyn", "set dyn { type ipv4_addr; flags dynamic; }\n map dynm { type ipv4_addr : ipv4_addr; flags dynamic; }")]
    [InlineData("dnat to ip daddr map @dynm", "map dynm { type ipv4_addr : ipv4_addr; flags dynamic; }")]
    [InlineData("dnat to ip daddr map @nosuch", "")]
    [InlineData("dnat to ip daddr map { 203.0.113.10 : 10.10.0.20 } : tcp dport map { 445 : 445 }", "")]
    [InlineData("dnat to numgen random mod 2 map { 0 : 10.10.0.20 . 445, 1 : 10.10.0.21 . 446 }", "")]
    [InlineData("dnat to $nowhere", "")]
    public void NftDnatNotUnderstoodIsReportedAndOverApproximated(string stmt, string tableBody)
    {
        FwRuleset rs;
        try { rs = NatNft("  iifname \"eth6\" " + stmt, tableBody); }
        catch (FirewallConfigException) { Assert.Contains("$", stmt); return; } // an undefined variable is an error (exit 2)
        var w = Assert.Single(rs.Warnings);
        Assert.Equal(5 + tableBody.Count(c => c == '\n'), w.Pos.Line);
        Assert.All(rs.DestinationNat[0].Acl.Lines, l => Assert.True(l.Action == LineAction.Translate && l.HasUnknown));
        var r = AnalysisTests.Analyse(rs);
        Assert.True(r.OverApproximated);
        // Translated to anywhere and accepted as translated: every zone is reachable from the Internet.
        var v = Violations(r);
        Assert.Contains(v, f => f.Rule == "mynumber-internet" && X(f, "nat_dst_ip") is not null);
        Assert.Contains(v, f => f.Rule == "lgwan-internet-separation" && X(f, "nat_dst_ip") is not null);
    }

    [Fact]
    public void IptablesDnatNotUnderstoodIsReportedAndOverApproximated()
    {
        var rs = AnalysisTests.Ipt("*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -i eth6 -p tcp -j DNAT --to-destination 203.0.113.5 --bogus-option\nCOMMIT\n" +
                                   "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -i eth6 -m conntrack --ctstate DNAT -j ACCEPT\nCOMMIT\n");
        Assert.Equal(3, Assert.Single(rs.Warnings).Pos.Line);
        var r = AnalysisTests.Analyse(rs);
        Assert.True(r.OverApproximated);
        Assert.Contains(Violations(r), f => f.Rule == "mynumber-internet" && X(f, "nat_dst_ip") is not null && f.Protocol == IpProto.Tcp);
    }

    /// <summary>The kernel differential rulesets: every witness the set analysis gives (through pools, port
    /// ranges, chains in the NAT table, redirects) is judged and traced the same way again.</summary>
    [Theory]
    [InlineData("iptables")]
    [InlineData("nft")]
    [InlineData("nft-maps")]
    public void SetAnalysisOfTheKernelDnatRulesetsAgreesWithTheTracer(string dialect)
    {
        var rs = dialect switch
        {
            "nft" => AnalysisTests.Nft(KernelDnatDifferentialTests.Nft),
            "nft-maps" => AnalysisTests.Nft(KernelDnatDifferentialTests.NftMaps),
            _ => AnalysisTests.Ipt(KernelDnatDifferentialTests.Iptables),
        };
        Assert.Empty(rs.Warnings);
        var v = Violations(AnalysisTests.Analyse(rs, required: true));
        // 203.0.113.10:8445 -> mn-fs:445 from the Internet, through the PUBLISH chain.
        Assert.Contains(v, f => f.Rule == "mynumber-internet" && f.DstIp == IpAddr.Parse("203.0.113.10") && f.DstPort == 8445
                                && (string?)X(f, "nat_dst_ip") == "10.10.0.20" && (int?)X(f, "nat_dst_port") == 445);
        // Translated classes enter where NAT rules apply, and their sent destination is a public address.
        var translated = v.Where(f => X(f, "nat_dst_ip") is not null).ToList();
        Assert.NotEmpty(translated);
        Assert.All(translated, f => Assert.Contains((string)X(f, "in_interface")!, new[] { "eth6", "eth1", "eth2" }));
        Assert.All(translated, f => Assert.StartsWith("203.0.113.", f.DstIp.ToString()));
    }

    [Fact]
    public void IptablesCtstateDnatList()
    {
        var rs = AnalysisTests.Ipt("*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -d 203.0.113.10 -p tcp --dport 80 -j DNAT --to-destination 198.51.100.10\nCOMMIT\n" +
                                   "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -m conntrack --ctstate ESTABLISHED,DNAT -j ACCEPT\nCOMMIT\n");
        Assert.Empty(rs.Warnings);
        var sent = new ProbePacket(IpProto.Tcp, IpAddr.Parse("198.18.0.1"), 40000, IpAddr.Parse("203.0.113.10"), 80, "eth6", "eth4", null, ConnStates.New);
        var t = ConcreteTracer.Trace(rs, sent);
        Assert.Equal((Verdict.Accept, IpAddr.Parse("198.51.100.10"), (ushort?)80), (t.Verdict, t.NatDst, t.NatDstPort));
        Assert.Equal(Verdict.Drop, ConcreteTracer.Trace(rs, sent with { Dst = IpAddr.Parse("198.51.100.10") }).Verdict);
        Assert.Equal(Verdict.Accept, ConcreteTracer.Trace(rs, sent with { Dst = IpAddr.Parse("198.51.100.10"), CtState = ConnStates.Established }).Verdict);
    }
}

/// <summary>The translation itself, on one packet and on boxes, and back.</summary>
public class NatRewriteTests
{
    private static readonly UInt128 A = FieldDomains.ToU(IpAddr.Parse("10.10.0.20"));

    private static ProbePacket Tcp(string dst, ushort port) =>
        new(IpProto.Tcp, IpAddr.Parse("198.18.0.1"), 40000, IpAddr.Parse(dst), port, "eth6", "eth0", null, ConnStates.New);

    [Fact]
    public void APortPoolKeepsAPortItHoldsAndOtherwiseTakesItsFirst()
    {
        var nat = new NatTranslation(IntervalSet.Single(A), IntervalSet.Range(1000, 1010));
        Assert.Equal((IpAddr.Parse("10.10.0.20"), (ushort)1005), NatRewrite.Concrete(nat, Tcp("203.0.113.10", 1005)));
        Assert.Equal((IpAddr.Parse("10.10.0.20"), (ushort)1000), NatRewrite.Concrete(nat, Tcp("203.0.113.10", 80)));
        var box = PacketBox.Universe().With(Dim.Proto, IntervalSet.Single(IpProto.Tcp)).With(Dim.Dport, IntervalSet.Range(1005, 2000));
        var outp = new List<PacketBox>();
        NatRewrite.Symbolic(nat, box, outp);
        var b = Assert.Single(outp);
        Assert.Equal(IntervalSet.Range(1000, 1000).Union(IntervalSet.Range(1005, 1010)), b[Dim.Dport]);
        Assert.Equal(IntervalSet.Single(1), b[Dim.DstNat]);
        // Back: 1000 stands for every sent port outside the pool; 1007 only for itself.
        Assert.True(NatRewrite.TryInvert(nat, box, IpProto.Tcp, A, 1000, out _, out var ports));
        Assert.Equal(IntervalSet.Range(1011, 2000), ports);
        Assert.True(NatRewrite.TryInvert(nat, box, IpProto.Tcp, A, 1007, out _, out ports));
        Assert.Equal(IntervalSet.Single(1007), ports);
    }

    [Fact]
    public void ShiftsMapRangesOneToOne()
    {
        var ext = FieldDomains.ToU(IpAddr.Parse("203.0.113.0"));
        var nat = new NatTranslation(IntervalSet.Range(A, A + 15), IntervalSet.Range(8000, 8009))
        {
            AddressShift = new NatShift(ext, A), PortShift = new NatShift(9000, 8000), Tag = 7,
        };
        Assert.Equal((FieldDomains.ToIp(A + 3), (ushort)8004), NatRewrite.Concrete(nat, Tcp("203.0.113.3", 9004)));
        var box = PacketBox.Universe().With(Dim.Proto, IntervalSet.Single(IpProto.Udp))
            .With(Dim.Dst, IntervalSet.Range(ext + 2, ext + 5)).With(Dim.Dport, IntervalSet.Range(9000, 9009));
        var outp = new List<PacketBox>();
        NatRewrite.Symbolic(nat, box, outp);
        var b = Assert.Single(outp);
        Assert.Equal(IntervalSet.Range(A + 2, A + 5), b[Dim.Dst]);
        Assert.Equal(IntervalSet.Range(8000, 8009), b[Dim.Dport]);
        Assert.Equal(IntervalSet.Single(7), b[Dim.DstNat]);
        Assert.True(NatRewrite.TryInvert(nat, box, IpProto.Udp, A + 4, 8009, out var d, out var p));
        Assert.Equal((IntervalSet.Single(ext + 4), IntervalSet.Single(9009)), (d, p));
        Assert.False(NatRewrite.TryInvert(nat, box, IpProto.Udp, A + 9, 8009, out _, out _));
    }

    [Fact]
    public void PortlessProtocolsKeepPortZero()
    {
        var nat = new NatTranslation(IntervalSet.Single(A), IntervalSet.Single(445));
        var box = PacketBox.Universe().With(Dim.Proto, IntervalSet.Single(IpProto.Icmp)).With(Dim.Dport, IntervalSet.Single(0));
        var outp = new List<PacketBox>();
        NatRewrite.Symbolic(nat, box, outp);
        Assert.Equal(IntervalSet.Single(0), Assert.Single(outp)[Dim.Dport]);
        var icmp = Tcp("203.0.113.10", 0) with { Proto = IpProto.Icmp };
        Assert.Equal((IpAddr.Parse("10.10.0.20"), (ushort)0), NatRewrite.Concrete(nat, icmp));
    }
}
