using SegVerify.Core.Findings;
using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Dialects.Iptables;
using SegVerify.Firewall.Dialects.Nftables;
using SegVerify.Firewall.Model;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Firewall.Tests;

public class AnalysisTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 0, 0, 0, DateTimeKind.Utc);

    internal static AnalysisResult Analyse(FwRuleset rs, bool required = false)
    {
        var topo = SampleCity.Build();
        var a = new FirewallAnalyzer(topo, topo.Firewalls["fw-core"], rs, new AnalysisOptions { Required = required, NowUtc = Now });
        var r = a.Run();
        Assert.Equal(0, r.PolicyDisagreements);
        Assert.Equal(0, r.TraceDisagreements);
        return r;
    }

    internal static FwRuleset Ipt(string text) => IptablesParser.Parse("t.rules", text);
    internal static FwRuleset Nft(string text) => NftParser.Parse("t.nft", text);

    private static object? X(Finding f, string key) => key switch
    {
        "config_file" => f.Config!.File,
        "config_line" => f.Config!.Line,
        "config_column" => f.Config!.Column,
        _ => f.Extra!.First(k => k.Key == key).Value,
    };

    private static FwRuleset Sample(string name)
    {
        var p = TestPaths.InRepo("topologies", "firewall", name);
        return name.EndsWith(".nft") ? NftParser.Parse(p, File.ReadAllText(p)) : IptablesParser.Parse(p, File.ReadAllText(p));
    }

    [Theory]
    [InlineData("fw-core-compliant.iptables")]
    [InlineData("fw-core-compliant.nft")]
    public void CompliantSamplesHaveNoFindings(string name)
    {
        var r = Analyse(Sample(name), required: true);
        Assert.Empty(r.Findings.Select(f => $"{f.Rule}: {SegVerify.Core.Localization.Messages.Message(f, "en")}"));
    }

    [Theory]
    [InlineData("fw-core-violating.iptables")]
    [InlineData("fw-core-violating.nft")]
    public void ViolatingSamplesReportEachPlantedViolation(string name)
    {
        var r = Analyse(Sample(name));
        var v = r.Findings.Where(f => f.Severity == Severity.Violation).ToList();
        var ids = v.Select(f => f.Rule).Distinct().OrderBy(x => x).ToList();
        Assert.Equal(new[] { "expired-exception", "lgwan-internet-separation", "mynumber-internet", "mynumber-isolation", "sanitization-misuse" }, ids);
        var iso = Assert.Single(v, f => f.Rule == "mynumber-isolation" && f.SrcIp!.Value.IsV4);
        Assert.Equal("eth0", X(iso, "in_interface"));
        Assert.Equal("eth1", X(iso, "out_interface"));
        Assert.Contains(iso.DstPort!.Value, new ushort[] { 139, 445 });
        Assert.Contains("10.10.0.0/16 -> 10.20.0.0/16 dport", (string)X(iso, "class")!);
        Assert.Equal("mn-office", iso.SrcZone);
        Assert.Equal("mynumber", iso.SrcTier);
        var misuse = Assert.Single(v, f => f.Rule == "sanitization-misuse");
        Assert.Equal("mail-text", misuse.AllowedBy);
        Assert.Equal("10.20.0.25", misuse.SrcIp!.Value.ToString());
        Assert.Equal("10.30.0.25", misuse.DstIp!.Value.ToString());
        var sep = v.Where(f => f.Rule == "lgwan-internet-separation").ToList();
        var sep4 = Assert.Single(sep, f => f.SrcIp!.Value.IsV4);
        Assert.Equal((ushort)80, sep4.DstPort);
        Assert.Equal("tcp 10.20.0.0/16 -> " + "0.0.0.0/5,8.0.0.0/7,10.0.0.0/13,10.8.0.0/15,… (71 prefixes) dport 80,443", X(sep4, "class"));
        Assert.All(sep, f => Assert.Equal("external", f.DstZone));
        var shadow = Assert.Single(r.Findings, f => f.Rule == "shadowed-rule");
        Assert.Equal(name.EndsWith(".nft") ? 17 : 14, (int)X(shadow, "config_line")!);
        Assert.Contains(r.Findings, f => f.Rule == "spoofable-interface");
    }

    private static string Forward(params string[] rules) =>
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n" + string.Concat(rules.Select(r => r + "\n")) + "COMMIT\n";

    [Fact]
    public void ExactClassAndWitnessForSingleRule()
    {
        // line 5: the rule
        var r = Analyse(Ipt(Forward("-A FORWARD -i eth0 -o eth1 -s 10.10.1.0/24 -p tcp --dport 445 -j ACCEPT")));
        var f = Assert.Single(r.Findings, x => x.Severity == Severity.Violation);
        Assert.Equal("mynumber-isolation", f.Rule);
        Assert.Equal("tcp 10.10.1.0/24 -> 10.20.0.0/16 dport 445", X(f, "class"));
        Assert.Equal("10.10.1.1", f.SrcIp.ToString());
        Assert.Equal((ushort)40000, f.SrcPort);
        Assert.Equal("10.20.0.1", f.DstIp.ToString());
        Assert.Equal((ushort)445, f.DstPort);
        Assert.Equal(5, X(f, "config_line"));
        Assert.Equal(1, X(f, "config_column"));
        Assert.Equal(new[] { "t.rules:5" }, (string[])X(f, "path")!);
    }

    [Fact]
    public void PolicyAcceptReportsPolicyLine()
    {
        var r = Analyse(Ipt("*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -i eth6 -j DROP\n-A FORWARD -o eth6 -j DROP\nCOMMIT\n"));
        var f = r.Findings.First(x => x.Rule == "mynumber-isolation");
        Assert.Equal(2, X(f, "config_line"));
    }

    [Fact]
    public void AllowedByRuleSubtractsExactly()
    {
        // Accept all https from mn-relay to j-lis: only intermediate-server is permitted (jlis-link).
        var r = Analyse(Ipt(Forward("-A FORWARD -i eth0 -o eth5 -s 10.10.0.5 -p tcp --dport 443 -j ACCEPT")));
        var f = Assert.Single(r.Findings, x => x.Severity == Severity.Violation);
        Assert.Equal("mynumber-isolation", f.Rule);
        Assert.Equal("tcp 10.10.0.5/32 -> 192.0.2.0/29,192.0.2.8/31,192.0.2.11/32,192.0.2.12/30,… (8 prefixes) dport 443", X(f, "class"));
        Assert.NotEqual("192.0.2.10", f.DstIp.ToString());
    }

    [Fact]
    public void JumpReturnGotoSemantics()
    {
        var text = "*filter\n:FORWARD DROP [0:0]\n:A - [0:0]\n:B - [0:0]\n" +
                   "-A FORWARD -i eth0 -j A\n" +          // 5
                   "-A FORWARD -i eth0 -o eth1 -p tcp --dport 22 -j ACCEPT\n" + // 6
                   "-A A -p tcp --dport 22 -j RETURN\n" +  // 7
                   "-A A -p tcp -g B\n" +                  // 8
                   "-A A -j ACCEPT\n" +                    // 9 never reached for tcp
                   "-A B -p tcp --dport 80 -j ACCEPT\n" +  // 10
                   "COMMIT\n";
        var rs = Ipt(text);
        var t = ConcreteTracer.Trace(rs, Probe("tcp 10.10.0.9:1000 -> 10.20.0.9:22 in eth0 out eth1"));
        Assert.Equal(Verdict.Accept, t.Verdict);
        Assert.Equal(new[] { 5, 7, 6 }, t.Path.Select(p => p.Pos.Line));
        t = ConcreteTracer.Trace(rs, Probe("tcp 10.10.0.9:1000 -> 10.20.0.9:81 in eth0 out eth1"));
        Assert.Equal(Verdict.Drop, t.Verdict); // goto B falls off -> back to FORWARD's caller: policy
        Assert.Equal(new[] { 5, 8, 2 }, t.Path.Select(p => p.Pos.Line));
        t = ConcreteTracer.Trace(rs, Probe("udp 10.10.0.9:1000 -> 10.20.0.9:53 in eth0 out eth1"));
        Assert.Equal(new[] { 5, 9 }, t.Path.Select(p => p.Pos.Line));
        var r = Analyse(rs);
        var v = r.Findings.Where(x => x.Severity == Severity.Violation).Select(x => (string)X(x, "class")! + "@" + X(x, "config_line")).OrderBy(x => x).ToList();
        Assert.Contains("tcp 10.10.0.0/16 -> 10.20.0.0/16 dport 22@6", v);
        Assert.Contains("tcp 10.10.0.0/16 -> 10.20.0.0/16 dport 80@10", v);
    }

    internal static ProbePacket Probe(string s)
    {
        Assert.True(ProbePacket.TryParse(s, out var p, out var err), err);
        return p!;
    }

    [Fact]
    public void EstablishedRulesDoNotAdmitNewConnections()
    {
        var r = Analyse(Ipt(Forward("-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT", "-A FORWARD -m state --state INVALID -j ACCEPT")));
        Assert.DoesNotContain(r.Findings, f => f.Severity == Severity.Violation);
        r = Analyse(Ipt(Forward("-A FORWARD -m conntrack ! --ctstate ESTABLISHED -i eth0 -o eth1 -j ACCEPT")));
        Assert.Contains(r.Findings, f => f.Rule == "mynumber-isolation");
    }

    [Fact]
    public void UnknownMatchOverApproximatesAcceptAndWarns()
    {
        var r = Analyse(Ipt(Forward("-A FORWARD -i eth0 -o eth1 -m time --timestart 09:00 -j ACCEPT")));
        var w = Assert.Single(r.Findings, f => f.Rule == "unsupported-syntax");
        Assert.Equal(5, X(w, "config_line"));
        Assert.Equal(36, X(w, "config_column"));
        Assert.True(r.OverApproximated);
        Assert.Contains(r.Findings, f => f.Rule == "mynumber-isolation");
        // A drop with an unknown match is taken not to match.
        r = Analyse(Ipt(Forward("-A FORWARD -m recent --rcheck -j DROP", "-A FORWARD -i eth0 -o eth1 -j ACCEPT")));
        Assert.Contains(r.Findings, f => f.Rule == "mynumber-isolation");
    }

    [Fact]
    public void RequiredBlockedFullyAndPartly()
    {
        var r = Analyse(Ipt(Forward(
            "-A FORWARD -i eth1 -o eth2 -d 10.30.0.50 -p tcp --dport 3389 -j ACCEPT", // screen-transfer partly (udp missing)
            "-A FORWARD -i eth1 -o eth3 -j ACCEPT")), required: true);
        var rb = r.Findings.Where(f => f.Rule == "required-blocked").ToDictionary(f => f.AllowedBy!);
        Assert.Equal("partly", X(rb["screen-transfer"], "blocked"));
        Assert.Equal("udp", Core.Net.IpProto.Name(rb["screen-transfer"].Protocol!.Value));
        Assert.Equal(3, X(rb["screen-transfer"], "config_line")); // the FORWARD policy
        Assert.Equal("fully", X(rb["mail-text"], "blocked"));
        Assert.Equal("fully", X(rb["jlis-link"], "blocked"));
        Assert.False(rb.ContainsKey("legacy-link")); // expired: not required
    }

    [Fact]
    public void SpoofableInterfaceWarning()
    {
        var r = Analyse(Ipt(Forward("-A FORWARD -i eth1 -o eth3 -j ACCEPT")));
        var w = Assert.Single(r.Findings, f => f.Rule == "spoofable-interface");
        Assert.Equal("eth1", X(w, "in_interface"));
        r = Analyse(Ipt(Forward("-A FORWARD -i eth1 -o eth3 -s 10.20.0.0/16 -j ACCEPT")));
        Assert.DoesNotContain(r.Findings, f => f.Rule == "spoofable-interface");
    }

    [Fact]
    public void ShadowedRules()
    {
        var r = Analyse(Ipt(Forward(
            "-A FORWARD -p tcp -j DROP",
            "-A FORWARD -p tcp --dport 80 -j ACCEPT",         // 6 shadowed
            "-A FORWARD -p udp -m multiport --dports 1:100 -j DROP",
            "-A FORWARD -p udp --dport 53 -j LOG",           // 8 shadowed (non-terminating too)
            "-A FORWARD -p udp --dport 101 -j DROP")));      // 9 fine
        var lines = r.Findings.Where(f => f.Rule == "shadowed-rule").Select(f => (int)X(f, "config_line")!).ToList();
        Assert.Equal(new[] { 6, 8 }, lines);
    }

    [Fact]
    public void NftMultipleBaseChainsAllMustAccept()
    {
        var text = """
            table inet a {
            	chain fwd {
            		type filter hook forward priority 0; policy accept;
            		iifname "eth0" oifname "eth1" tcp dport 445 accept
            	}
            }
            table ip b {
            	chain fwd2 {
            		type filter hook forward priority 10; policy accept;
            		tcp dport 445 drop
            	}
            }
            """;
        var rs = Nft(text);
        var t = ConcreteTracer.Trace(rs, Probe("tcp 10.10.0.9:1000 -> 10.20.0.9:445 in eth0 out eth1"));
        Assert.Equal(Verdict.Drop, t.Verdict);
        Assert.Equal(new[] { 4, 10 }, t.Path.Select(p => p.Pos.Line));
        // IPv6 is not seen by table ip b: accepted by a.
        t = ConcreteTracer.Trace(rs, Probe("tcp [fd00:10::9]:1000 -> [fd00:20::9]:445 in eth0 out eth1"));
        Assert.Equal(Verdict.Accept, t.Verdict);
        var r = Analyse(rs);
        var iso = r.Findings.Where(f => f.Rule == "mynumber-isolation" && (string)X(f, "in_interface")! == "eth0" && (string)X(f, "out_interface")! == "eth1").ToList();
        Assert.All(iso, f => Assert.False(f.SrcIp!.Value.IsV4 && f.DstPort == 445));
        Assert.Contains(iso, f => !f.SrcIp!.Value.IsV4 && f.DstPort == 445);
    }
}

public class ParserTests
{
    [Fact]
    public void IptablesConstructsAndPositions()
    {
        var rs = AnalysisTests.Ipt("*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 10.0.0.1\nCOMMIT\n" +
            "*filter\n:FORWARD DROP [0:0]\n:USR - [0:0]\n" +
            "[5:100] -A FORWARD -i eth+ ! -o eth9 -s 10.0.0.0/255.255.0.0 ! -d 10.1.0.0/16 -p udp -m udp ! --sport 1:1023 -m multiport --dports 53,100:200 -m comment --comment \"a b\" -j USR\n" +
            "-A USR -m iprange --src-range 10.0.0.5-10.0.0.9 -m conntrack --ctstate NEW -m mac --mac-source 02:00:00:00:00:01 -p 6 -j REJECT --reject-with tcp-reset\n" +
            "-A USR -m set --match-set blk src -j DROP\n" +
            "-A USR -m multiport -p tcp --ports 22 -g USR2\n" +
            ":USR2 - [0:0]\n" +
            "COMMIT\n");
        var fwd = rs.FindAcl("filter/FORWARD")!;
        Assert.Equal(LineAction.Drop, fwd.Default!.Action);
        Assert.Equal(6, fwd.Default.Pos.Line);
        Assert.Same(fwd, Assert.Single(rs.Filters).Acl);
        var r = fwd.Lines.Single();
        Assert.Equal(8, r.Pos.Line);
        Assert.Equal(9, r.Pos.Column);
        Assert.Equal(LineAction.Call, r.Action);
        Assert.Equal("filter/USR", r.TargetAcl!.Name);
        var terms = Assert.IsType<MatchAnd>(r.Match).Terms;
        Assert.Equal(new[] { "eth*" }, Assert.IsType<MatchInterface>(terms.First(x => x is MatchInterface)).Patterns);
        Assert.False(Assert.IsType<MatchInterface>(Assert.IsType<MatchNot>(terms.First(x => x is MatchNot)).Term).Ingress);
        Assert.False(r.HasUnknown);
        var dnat = Assert.Single(Assert.Single(rs.DestinationNat).Acl.Lines);
        Assert.Equal(LineAction.Translate, dnat.Action);
        Assert.Equal("10.0.0.1", Domains.ToIp(dnat.Nat!.DstAddresses!.First).ToString());
        Assert.True(ConcreteTracer.Matches(r, AnalysisTests.Probe("udp 10.0.3.4:2000 -> 10.2.0.1:150 in eth3 out eth1"), ref Unused));
        Assert.False(ConcreteTracer.Matches(r, AnalysisTests.Probe("udp 10.0.3.4:1000 -> 10.2.0.1:150 in eth3 out eth1"), ref Unused));
        Assert.False(ConcreteTracer.Matches(r, AnalysisTests.Probe("udp 10.0.3.4:2000 -> 10.2.0.1:201 in eth3 out eth1"), ref Unused));
        Assert.False(ConcreteTracer.Matches(r, AnalysisTests.Probe("udp 10.0.3.4:2000 -> 10.2.0.1:150 in eth3 out eth9"), ref Unused));
        Assert.False(ConcreteTracer.Matches(r, AnalysisTests.Probe("udp 10.0.3.4:2000 -> 10.1.0.1:150 in eth3 out eth1"), ref Unused));
        var usr = rs.FindAcl("filter/USR")!.Lines;
        Assert.Equal(LineAction.Reject, usr[0].Action);
        Assert.True(ConcreteTracer.Matches(usr[0], AnalysisTests.Probe("tcp 10.0.0.9:1 -> 10.2.0.1:2 in a out b mac 02:00:00:00:00:01"), ref Unused));
        Assert.False(ConcreteTracer.Matches(usr[0], AnalysisTests.Probe("tcp 10.0.0.10:1 -> 10.2.0.1:2 in a out b mac 02:00:00:00:00:01"), ref Unused));
        Assert.False(ConcreteTracer.Matches(usr[0], AnalysisTests.Probe("tcp 10.0.0.9:1 -> 10.2.0.1:2 in a out b mac 02:00:00:00:00:01 state established"), ref Unused));
        Assert.True(usr[1].HasUnknown); // set without --ipset contents
        Assert.Equal(LineAction.Goto, usr[2].Action);
        Assert.True(ConcreteTracer.Matches(usr[2], AnalysisTests.Probe("tcp 1.1.1.1:22 -> 2.2.2.2:9 in a out b"), ref Unused));
        Assert.True(ConcreteTracer.Matches(usr[2], AnalysisTests.Probe("tcp 1.1.1.1:9 -> 2.2.2.2:22 in a out b"), ref Unused));
        Assert.False(ConcreteTracer.Matches(usr[2], AnalysisTests.Probe("tcp 1.1.1.1:9 -> 2.2.2.2:23 in a out b"), ref Unused));
    }

    private static bool Unused;

    [Fact]
    public void IpsetContents()
    {
        var sets = IpsetParser.Parse("create blk hash:net family inet hashsize 1024 maxelem 65536\nadd blk 10.9.0.0/16\nadd blk 10.8.0.1\n");
        var rs = IptablesParser.Parse("x", "*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -m set ! --match-set blk src -j DROP\nCOMMIT\n", sets);
        var r = rs.FindAcl("filter/FORWARD")!.Lines[0];
        Assert.False(r.HasUnknown);
        Assert.False(ConcreteTracer.Matches(r, AnalysisTests.Probe("tcp 10.9.1.1:1 -> 10.2.0.1:2 in a out b"), ref Unused));
        Assert.False(ConcreteTracer.Matches(r, AnalysisTests.Probe("tcp 10.8.0.1:1 -> 10.2.0.1:2 in a out b"), ref Unused));
        Assert.True(ConcreteTracer.Matches(r, AnalysisTests.Probe("tcp 10.8.0.2:1 -> 10.2.0.1:2 in a out b"), ref Unused));
    }

    [Fact]
    public void NftConstructsAndPositions()
    {
        var text = "table inet t {\n" +                                   // 1
                   "\tset s4 {\n\t\ttype inet_service\n\t\tflags interval\n\t\telements = { 0-1024, 8080-8082 }\n\t}\n" + // 2-6
                   "\tset a4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { 10.0.0.0-10.0.0.255,\n\t\t\t     192.168.1.0/24 }\n\t}\n" + // 7-12
                   "\tchain fwd {\n\t\ttype filter hook forward priority filter + 5; policy drop;\n" + // 13-14
                   "\t\tct state established,related counter packets 1 bytes 2 accept\n" + // 15
                   "\t\tiifname \"eth*\" oifname != { \"eth1\", \"eth2\" } ip saddr @a4 tcp dport @s4 log prefix \"x \" accept comment \"c\"\n" + // 16
                   "\t\tmeta l4proto udp th dport { 53, 67-68 } ether saddr 02:00:00:00:00:01 jump sub\n" + // 17
                   "\t\tip6 daddr fd00::/8 icmpv6 type echo-request accept\n" + // 18
                   "\t}\n\tchain sub {\n\t\tudp dport 53 return\n\t\tcontinue\n\t\tip protocol udp reject with icmp type admin-prohibited\n\t}\n}\n" + // 19-25
                   "table bridge b {\n\tchain c {\n\t\ttype filter hook forward priority 0;\n\t}\n}\n";
        var rs = AnalysisTests.Nft(text);
        var fwdNf = NftParser.ParseVendor("t.nft", text).Chains.Single(c => c.Name == "fwd");
        Assert.Equal("forward", fwdNf.Hook);
        Assert.Equal(5, fwdNf.Priority);
        var fwd = rs.FindAcl("inet t/fwd")!;
        Assert.Same(fwd, Assert.Single(rs.Filters).Acl);
        Assert.Equal(LineAction.Drop, fwd.Default!.Action);
        Assert.Equal(14, fwd.Default.Pos.Line);
        Assert.Equal(new[] { 15, 16, 17, 18 }, fwd.Lines.Select(r => r.Pos.Line));
        Assert.Equal(3, fwd.Lines[0].Pos.Column);
        bool u = false;
        var r16 = fwd.Lines[1];
        Assert.False(r16.HasUnknown);
        Assert.True(ConcreteTracer.Matches(r16, AnalysisTests.Probe("tcp 10.0.0.255:5 -> 1.1.1.1:8081 in eth7 out eth3"), ref u));
        Assert.False(ConcreteTracer.Matches(r16, AnalysisTests.Probe("tcp 10.0.1.0:5 -> 1.1.1.1:8081 in eth7 out eth3"), ref u));
        Assert.False(ConcreteTracer.Matches(r16, AnalysisTests.Probe("tcp 10.0.0.5:5 -> 1.1.1.1:8083 in eth7 out eth3"), ref u));
        Assert.False(ConcreteTracer.Matches(r16, AnalysisTests.Probe("tcp 10.0.0.5:5 -> 1.1.1.1:80 in eth7 out eth2"), ref u));
        Assert.False(ConcreteTracer.Matches(r16, AnalysisTests.Probe("tcp 10.0.0.5:5 -> 1.1.1.1:80 in lo out eth3"), ref u));
        var r17 = fwd.Lines[2];
        Assert.Equal(LineAction.Call, r17.Action);
        Assert.True(ConcreteTracer.Matches(r17, AnalysisTests.Probe("udp 1.1.1.1:5 -> 2.2.2.2:68 in a out b mac 02:00:00:00:00:01"), ref u));
        Assert.False(ConcreteTracer.Matches(r17, AnalysisTests.Probe("udp 1.1.1.1:5 -> 2.2.2.2:69 in a out b mac 02:00:00:00:00:01"), ref u));
        var r18 = fwd.Lines[3];
        Assert.False(r18.HasUnknown); // ICMPv6 types are exact
        Assert.True(ConcreteTracer.Matches(r18, AnalysisTests.Probe("icmpv6 2001:db8::1 -> fd00::5 in a out b type 128"), ref u));
        Assert.False(ConcreteTracer.Matches(r18, AnalysisTests.Probe("icmpv6 2001:db8::1 -> fd00::5 in a out b type 129"), ref u));
        Assert.DoesNotContain(rs.Warnings, w => w.Pos.Line == 18);
        Assert.Contains(rs.Warnings, w => w.Message.Contains("bridge"));
        var sub = rs.FindAcl("inet t/sub")!;
        Assert.Equal(new[] { LineAction.Return, LineAction.Continue, LineAction.Reject }, sub.Lines.Select(r => r.Action));
        var t = ConcreteTracer.Trace(rs, AnalysisTests.Probe("udp 1.1.1.1:5 -> 2.2.2.2:53 in a out b mac 02:00:00:00:00:01"));
        Assert.Equal(Verdict.Drop, t.Verdict);
        Assert.Equal(new[] { 17, 21, 14 }, t.Path.Select(r => r.Pos.Line));
        t = ConcreteTracer.Trace(rs, AnalysisTests.Probe("udp 1.1.1.1:5 -> 2.2.2.2:67 in a out b mac 02:00:00:00:00:01"));
        Assert.Equal(Verdict.Reject, t.Verdict);
        Assert.Equal(new[] { 17, 22, 23 }, t.Path.Select(r => r.Pos.Line));
    }
}
