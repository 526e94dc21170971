using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Dialects.Nftables;
using SegVerify.Firewall.Model;
using Xunit;

namespace SegVerify.Firewall.Tests;

/// <summary>The nft language as people write it: define, include, concatenations, maps, ICMP, TCP flags, ct state.</summary>
public class NftLanguageTests
{
    private static FwRuleset Nft(string text) => AnalysisTests.Nft(text);

    private static string Fwd(params string[] rules) =>
        "table inet t {\n\tchain fwd {\n\t\ttype filter hook forward priority 0; policy drop;\n" + string.Concat(rules.Select(r => "\t\t" + r + "\n")) + "\t}\n}\n";

    private static string Verdict(FwRuleset rs, string probe) => ConcreteTracer.Trace(rs, AnalysisTests.Probe(probe)).VerdictText;

    private static void Exact(FwRuleset rs)
    {
        Assert.Empty(rs.Warnings.Select(w => $"{w.Pos.Full}: {w.Message}"));
        Assert.DoesNotContain(rs.AllLines, l => l.HasUnknown);
    }

    [Fact]
    public void DefinesIncludingNestedSets()
    {
        var rs = Nft("define lan = \"eth0\"\ndefine web = { 80, 443 }\ndefine ssh = 22\ndefine mgmt = { $ssh, 8022-8023 }\ndefine ports = { $web, $mgmt }\n" +
                     "define srv = 10.20.0.5\n" + Fwd("iifname $lan ip daddr $srv tcp dport $ports accept"));
        Exact(rs);
        Assert.Equal("accept", Verdict(rs, "tcp 10.10.0.1:1000 -> 10.20.0.5:443 in eth0 out eth1"));
        Assert.Equal("accept", Verdict(rs, "tcp 10.10.0.1:1000 -> 10.20.0.5:8023 in eth0 out eth1"));
        Assert.Equal("accept", Verdict(rs, "tcp 10.10.0.1:1000 -> 10.20.0.5:22 in eth0 out eth1"));
        Assert.Equal("drop", Verdict(rs, "tcp 10.10.0.1:1000 -> 10.20.0.5:8024 in eth0 out eth1"));
        Assert.Equal("drop", Verdict(rs, "tcp 10.10.0.1:1000 -> 10.20.0.6:443 in eth0 out eth1"));
        Assert.Equal("drop", Verdict(rs, "tcp 10.10.0.1:1000 -> 10.20.0.5:443 in eth1 out eth0"));
        // The rule keeps its own position (line 10, column 3).
        var line = Assert.Single(rs.FindAcl("inet t/fwd")!.Lines);
        Assert.Equal((10, 3), (line.Pos.Line, line.Pos.Column));
    }

    [Fact]
    public void UndefinedVariableIsAPositionedError()
    {
        var ex = Assert.Throws<FirewallConfigException>(() => Nft("define a = 1\n" + Fwd("tcp dport $b accept")));
        var e = Assert.Single(ex.Errors);
        Assert.Equal((5, 13), (e.Pos.Line, e.Pos.Column));
        Assert.Contains("$b", e.English);
        Assert.Contains("$b", e.Japanese);
    }

    [Fact]
    public void IncludesAreRelativeToTheIncludingFileWithGlobsLoopsAndMissingFiles()
    {
        var dir = Directory.CreateTempSubdirectory("svnft").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "conf.d"));
            Directory.CreateDirectory(Path.Combine(dir, "sub"));
            File.WriteAllText(Path.Combine(dir, "main.nft"), "include \"sub/defs.nft\"\ninclude \"conf.d/*.nft\"\n");
            File.WriteAllText(Path.Combine(dir, "sub", "defs.nft"), "include \"more.nft\"\n");
            File.WriteAllText(Path.Combine(dir, "sub", "more.nft"), "define web = { 80, 443 }\n");
            File.WriteAllText(Path.Combine(dir, "conf.d", "10-table.nft"), "table inet t {\n\tchain fwd {\n\t\ttype filter hook forward priority 0; policy drop;\n\t}\n}\n");
            File.WriteAllText(Path.Combine(dir, "conf.d", "20-rules.nft"), "table inet t {\n\tchain fwd {\n\t\ttcp dport $web accept\n\t}\n}\n");
            var main = Path.Combine(dir, "main.nft");
            var rs = NftParser.Parse(main, File.ReadAllText(main));
            Exact(rs);
            var line = Assert.Single(rs.FindAcl("inet t/fwd")!.Lines);
            Assert.EndsWith("20-rules.nft", line.Pos.File);
            Assert.Equal(3, line.Pos.Line);
            Assert.Equal("accept", Verdict(rs, "tcp 1.1.1.1:5 -> 2.2.2.2:443 in a out b"));
            Assert.Equal("drop", Verdict(rs, "tcp 1.1.1.1:5 -> 2.2.2.2:8080 in a out b"));

            // A loop: the include line that closes it.
            File.WriteAllText(Path.Combine(dir, "sub", "more.nft"), "define web = 80\ninclude \"../main.nft\"\n");
            var ex = Assert.Throws<FirewallConfigException>(() => NftParser.Parse(main, File.ReadAllText(main)));
            var e = Assert.Single(ex.Errors);
            Assert.EndsWith("more.nft", e.Pos.File);
            Assert.Equal((2, 1), (e.Pos.Line, e.Pos.Column));
            Assert.Contains("loop", e.English);

            // A missing file: the include line.
            File.WriteAllText(Path.Combine(dir, "sub", "more.nft"), "\n\n  include \"nowhere.nft\"\n");
            ex = Assert.Throws<FirewallConfigException>(() => NftParser.Parse(main, File.ReadAllText(main)));
            e = Assert.Single(ex.Errors);
            Assert.EndsWith("more.nft", e.Pos.File);
            Assert.Equal((3, 3), (e.Pos.Line, e.Pos.Column));
            Assert.Contains("nowhere.nft", e.English);

            // Through the command line: exit 2 with the position.
            var o = new StringWriter(); var err = new StringWriter();
            int code = SegVerify.Cli.Program.Run(["check-firewall", "--topology", SegVerify.Tests.Common.TestPaths.InRepo("topologies", "sample-city.yaml"),
                "--config", main, "--dialect", "nft", "--format", "jsonl"], o, err);
            Assert.Equal(2, code);
            Assert.Contains("more.nft:3:3", err.ToString());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ConcatenationsAreSetsOfTuples()
    {
        var text = "table inet t {\n\tset published {\n\t\ttype ipv4_addr . inet_service\n\t\telements = { 198.51.100.10 . 443, 198.51.100.11 . 80 }\n\t}\n" +
                   "\tchain fwd {\n\t\ttype filter hook forward priority 0; policy drop;\n" +
                   "\t\tip daddr . tcp dport @published accept\n" +
                   "\t\tip saddr . iifname . udp dport { 10.0.0.0/8 . \"eth*\" . 53, 192.168.0.1 . \"lo\" . 1000-2000 } accept\n\t}\n}\n";
        var rs = Nft(text);
        Exact(rs);
        Assert.Equal("accept", Verdict(rs, "tcp 1.1.1.1:5 -> 198.51.100.10:443 in a out b"));
        Assert.Equal("accept", Verdict(rs, "tcp 1.1.1.1:5 -> 198.51.100.11:80 in a out b"));
        // Not "may match": the cross products are not in the set.
        Assert.Equal("drop", Verdict(rs, "tcp 1.1.1.1:5 -> 198.51.100.10:80 in a out b"));
        Assert.Equal("drop", Verdict(rs, "tcp 1.1.1.1:5 -> 198.51.100.11:443 in a out b"));
        Assert.Equal("drop", Verdict(rs, "udp 1.1.1.1:5 -> 198.51.100.10:443 in a out b"));
        Assert.Equal("accept", Verdict(rs, "udp 10.9.9.9:5 -> 1.1.1.1:53 in eth7 out b"));
        Assert.Equal("drop", Verdict(rs, "udp 10.9.9.9:5 -> 1.1.1.1:1500 in eth7 out b"));
        Assert.Equal("accept", Verdict(rs, "udp 192.168.0.1:5 -> 1.1.1.1:1500 in lo out b"));
        Assert.Equal("drop", Verdict(rs, "udp 192.168.0.1:5 -> 1.1.1.1:53 in lo out b"));
        // Exact in the analysis too: the compiled line is exactly the two tuples.
        var compiled = CompiledRuleset.Compile(rs, IfaceTable.Build(["a", "b"], rs));
        var l = rs.FindAcl("inet t/fwd")!.Lines[0];
        Assert.Same(compiled.Over(l), compiled.Under(l));
        Assert.Equal(2, compiled.Over(l).Count);
    }

    [Fact]
    public void VerdictMapsSendPacketsToTheirChains()
    {
        var text = "define wan = \"eth2\"\ntable inet t {\n" +
                   "\tmap by_src {\n\t\ttype ipv4_addr : verdict\n\t\tflags interval\n\t\telements = { 10.0.0.0/8 : drop, 192.168.1.1 : accept }\n\t}\n" +
                   "\tchain fwd {\n\t\ttype filter hook forward priority 0; policy drop;\n" +
                   "\t\tiifname vmap { \"eth1\" : jump from_lg, $wan : goto from_inet, \"eth3\" : drop }\n" +
                   "\t\tip saddr vmap @by_src\n" +
                   "\t\tmeta l4proto udp accept\n\t}\n" +
                   "\tchain from_lg {\n\t\ttcp dport 25 accept\n\t}\n" +
                   "\tchain from_inet {\n\t\ttcp dport 443 accept\n\t}\n}\n";
        var rs = Nft(text);
        Exact(rs);
        var fwd = rs.FindAcl("inet t/fwd")!;
        Assert.Equal(new[] { LineAction.Call, LineAction.Goto, LineAction.Drop, LineAction.Drop, LineAction.Accept, LineAction.Accept },
            fwd.Lines.Select(l => l.Action));
        Assert.All(fwd.Lines.Take(3), l => Assert.Equal(10, l.Pos.Line));
        // jump: back to fwd after from_lg; goto: the policy of fwd after from_inet.
        Assert.Equal("accept", Verdict(rs, "tcp 172.16.0.1:5 -> 1.1.1.1:25 in eth1 out eth0"));
        Assert.Equal("accept", Verdict(rs, "udp 172.16.0.1:5 -> 1.1.1.1:25 in eth1 out eth0"));
        Assert.Equal("accept", Verdict(rs, "tcp 172.16.0.1:5 -> 1.1.1.1:443 in eth2 out eth0"));
        Assert.Equal("drop", Verdict(rs, "udp 172.16.0.1:5 -> 1.1.1.1:443 in eth2 out eth0"));
        Assert.Equal("drop", Verdict(rs, "udp 172.16.0.1:5 -> 1.1.1.1:443 in eth3 out eth0"));
        Assert.Equal("drop", Verdict(rs, "udp 10.1.2.3:5 -> 1.1.1.1:443 in eth9 out eth0"));
        Assert.Equal("accept", Verdict(rs, "tcp 192.168.1.1:5 -> 1.1.1.1:443 in eth9 out eth0"));
        Assert.Equal("drop", Verdict(rs, "tcp 192.168.1.2:5 -> 1.1.1.1:443 in eth9 out eth0"));
        Assert.Equal(new[] { 10, 9 }, ConcreteTracer.Trace(rs, AnalysisTests.Probe("tcp 1.1.1.1:5 -> 2.2.2.2:80 in eth1 out eth0")).Path.Select(l => l.Pos.Line));
    }

    [Fact]
    public void IcmpTypesAndCodes()
    {
        var rs = Nft(Fwd("icmp type { echo-request, 13 } accept",
                         "icmp type destination-unreachable icmp code { frag-needed, 13 } accept",
                         "icmpv6 type != { nd-router-advert, 129 } icmpv6 code 0 accept"));
        Exact(rs);
        Assert.Equal("accept", Verdict(rs, "icmp 1.1.1.1 -> 2.2.2.2 in a out b type 8"));
        Assert.Equal("accept", Verdict(rs, "icmp 1.1.1.1 -> 2.2.2.2 in a out b type 13"));
        Assert.Equal("drop", Verdict(rs, "icmp 1.1.1.1 -> 2.2.2.2 in a out b type 0"));
        Assert.Equal("accept", Verdict(rs, "icmp 1.1.1.1 -> 2.2.2.2 in a out b type 3 code 4"));
        Assert.Equal("drop", Verdict(rs, "icmp 1.1.1.1 -> 2.2.2.2 in a out b type 3 code 3"));
        Assert.Equal("accept", Verdict(rs, "icmpv6 2001:db8::1 -> 2001:db8::2 in a out b type 128"));
        Assert.Equal("drop", Verdict(rs, "icmpv6 2001:db8::1 -> 2001:db8::2 in a out b type 129"));
        Assert.Equal("drop", Verdict(rs, "icmpv6 2001:db8::1 -> 2001:db8::2 in a out b type 134"));
        Assert.Equal("drop", Verdict(rs, "icmpv6 2001:db8::1 -> 2001:db8::2 in a out b type 1 code 3"));
        // icmp type never matches ICMPv6 or TCP.
        Assert.Equal("drop", Verdict(rs, "icmpv6 2001:db8::1 -> 2001:db8::2 in a out b type 8 code 1"));
        Assert.Equal("drop", Verdict(rs, "tcp 1.1.1.1:8 -> 2.2.2.2:8 in a out b"));
    }

    [Theory]
    // Without an operator nft tests whether any of the flags is set; '==' and sets compare the whole byte.
    [InlineData("tcp flags syn", "syn", true)]
    [InlineData("tcp flags syn", "syn,ack", true)]
    [InlineData("tcp flags syn", "ack", false)]
    [InlineData("tcp flags syn,rst", "rst,ack", true)]
    [InlineData("tcp flags == syn", "syn,ack", false)]
    [InlineData("tcp flags == syn", "syn", true)]
    [InlineData("tcp flags != syn", "syn", false)]
    [InlineData("tcp flags != syn", "syn,ece", true)]
    [InlineData("tcp flags & (syn|ack) == syn", "syn,ece,cwr", true)]
    [InlineData("tcp flags & (syn | ack) == syn", "syn,ack", false)]
    [InlineData("tcp flags & (fin|syn|rst|ack) != syn", "syn", false)]
    [InlineData("tcp flags & (fin|syn|rst|ack) != syn", "ack", true)]
    [InlineData("tcp flags syn / syn,ack", "syn,psh", true)]
    [InlineData("tcp flags syn / syn,ack", "syn,ack", false)]
    [InlineData("tcp flags { syn, ack }", "ack", true)]
    [InlineData("tcp flags { syn, ack }", "syn,ack", false)]
    [InlineData("tcp flags { fin | psh | ack, syn | ack }", "syn,ack", true)]
    [InlineData("tcp flags != { syn, ack }", "syn,ack", true)]
    [InlineData("tcp flags & syn != 0", "syn,fin", true)]
    public void TcpFlags(string match, string flags, bool matches)
    {
        var rs = Nft(Fwd(match + " accept"));
        Exact(rs);
        Assert.Equal(matches ? "accept" : "drop", Verdict(rs, $"tcp 1.1.1.1:5 -> 2.2.2.2:80 in a out b flags {flags}"));
        Assert.Equal("drop", Verdict(rs, "udp 1.1.1.1:5 -> 2.2.2.2:80 in a out b"));
    }

    [Theory]
    [InlineData("ct state established,related", "established", true)]
    [InlineData("ct state established,related", "new", false)]
    [InlineData("ct state { new, untracked }", "new", true)]
    [InlineData("ct state != established", "new", true)]
    [InlineData("ct state != established", "established", false)]
    // nft compares the whole value: a state never equals several bits at once.
    [InlineData("ct state != established | related | new", "established", true)]
    [InlineData("ct state == established | related", "established", false)]
    public void CtStates(string match, string state, bool matches)
    {
        var rs = Nft(Fwd(match + " accept"));
        Exact(rs);
        Assert.Equal(matches ? "accept" : "drop", Verdict(rs, $"udp 1.1.1.1:5 -> 2.2.2.2:80 in a out b state {state}"));
    }

    [Fact]
    public void CtStateVerdictMap()
    {
        var rs = Nft(Fwd("ct state vmap { established : accept, related : accept, invalid : drop }", "tcp dport 22 accept"));
        Exact(rs);
        Assert.Equal("accept", Verdict(rs, "tcp 1.1.1.1:5 -> 2.2.2.2:80 in a out b state related"));
        Assert.Equal("drop", Verdict(rs, "tcp 1.1.1.1:5 -> 2.2.2.2:22 in a out b state invalid"));
        Assert.Equal("accept", Verdict(rs, "tcp 1.1.1.1:5 -> 2.2.2.2:22 in a out b state new"));
        Assert.Equal(2, rs.FindAcl("inet t/fwd")!.Lines.Count(l => l.Pos.Line == 4));
    }

    [Fact]
    public void FamiliesProtocolsPortsAndMacs()
    {
        var rs = Nft(Fwd("meta nfproto ipv6 meta l4proto { tcp, udp } th dport 53 accept",
                         "meta nfproto ipv4 ip saddr != 10.0.0.0/8 tcp sport < 1024 tcp dport != 1000-2000 accept",
                         "ether saddr 02:00:00:00:00:01 ip6 daddr 2001:db8::/32 accept",
                         "ip protocol icmp accept"));
        Exact(rs);
        Assert.Equal("accept", Verdict(rs, "udp [2001:db8::1]:5 -> [2001:db9::2]:53 in a out b"));
        Assert.Equal("drop", Verdict(rs, "udp 1.1.1.1:5 -> 2.2.2.2:53 in a out b"));
        Assert.Equal("accept", Verdict(rs, "tcp 11.1.1.1:1023 -> 2.2.2.2:999 in a out b"));
        Assert.Equal("drop", Verdict(rs, "tcp 11.1.1.1:1024 -> 2.2.2.2:999 in a out b"));
        Assert.Equal("drop", Verdict(rs, "tcp 11.1.1.1:1023 -> 2.2.2.2:1000 in a out b"));
        Assert.Equal("accept", Verdict(rs, "tcp 11.1.1.1:1023 -> 2.2.2.2:2001 in a out b"));
        Assert.Equal("drop", Verdict(rs, "tcp 10.1.1.1:1023 -> 2.2.2.2:999 in a out b"));
        // ip saddr != ... still needs IPv4.
        Assert.Equal("drop", Verdict(rs, "tcp [2001:db9::1]:1023 -> [2001:db9::2]:999 in a out b"));
        Assert.Equal("accept", Verdict(rs, "tcp [2001:db9::1]:1 -> [2001:db8::2]:999 in a out b mac 02:00:00:00:00:01"));
        Assert.Equal("drop", Verdict(rs, "tcp [2001:db9::1]:1 -> [2001:db8::2]:999 in a out b mac 02:00:00:00:00:02"));
        Assert.Equal("accept", Verdict(rs, "icmp 1.1.1.1 -> 2.2.2.2 in a out b"));
    }

    [Fact]
    public void ThPortsWithoutAProtocolAreWarnedForPortlessProtocols()
    {
        var rs = Nft(Fwd("th dport 53 accept"));
        var w = Assert.Single(rs.Warnings);
        Assert.Equal((4, 3), (w.Pos.Line, w.Pos.Column));
        // Exact for protocols with ports, approximated (accept side) for the others.
        Assert.Equal("accept", Verdict(rs, "udp 1.1.1.1:5 -> 2.2.2.2:53 in a out b"));
        Assert.Equal("drop", Verdict(rs, "udp 1.1.1.1:5 -> 2.2.2.2:54 in a out b"));
        var t = ConcreteTracer.Trace(rs, AnalysisTests.Probe("icmp 1.1.1.1 -> 2.2.2.2 in a out b"));
        Assert.True(t.Approximate);
    }

    [Fact]
    public void UnknownStatementsAreWarnedAtTheirPosition()
    {
        var rs = Nft(Fwd("tcp dport 22 limit rate 10/second accept", "meta mark 0x1 drop", "counter packets 1 bytes 2 log prefix \"x\" tcp dport 80 accept"));
        Assert.Equal(new[] { (4, 16), (5, 3) }, rs.Warnings.Select(w => (w.Pos.Line, w.Pos.Column)));
        var lines = rs.FindAcl("inet t/fwd")!.Lines;
        Assert.True(lines[0].HasUnknown);
        Assert.True(lines[1].HasUnknown);
        Assert.False(lines[2].HasUnknown);
    }
}
