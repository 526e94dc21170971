using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Model;
using Xunit;

namespace SegVerify.Firewall.Tests;

/// <summary>Chain graphs the kernel refuses are positioned errors; legal DAGs are walked once per distinct input.</summary>
public class ChainGraphTests
{
    [Fact]
    public void JumpLoopIsAnErrorAtTheClosingJump()
    {
        var e = Assert.Throws<FirewallConfigException>(() => AnalysisTests.Ipt(
            "*filter\n:FORWARD DROP [0:0]\n:A - [0:0]\n:B - [0:0]\n-A FORWARD -j A\n-A A -p tcp -j B\n-A B -p udp -j A\nCOMMIT\n"));
        var err = Assert.Single(e.Errors);
        Assert.Equal(7, err.Pos.Line);
        Assert.Contains("loop", err.English);
        Assert.Contains("ループ", err.Japanese);
    }

    [Fact]
    public void JumpToAnUndefinedChainIsAnError()
    {
        var e = Assert.Throws<FirewallConfigException>(() => AnalysisTests.Nft(
            "table inet t {\n\tchain fwd {\n\t\ttype filter hook forward priority 0; policy drop;\n\t\ttcp dport 22 jump nowhere\n\t}\n}\n"));
        var err = Assert.Single(e.Errors);
        Assert.Equal(4, err.Pos.Line);
        Assert.Equal(3, err.Pos.Column);
        Assert.Contains("nowhere", err.English);
    }

    private static string NftChain(int depth)
    {
        var sb = new System.Text.StringBuilder("table ip t {\n\tchain fwd {\n\t\ttype filter hook forward priority 0; policy drop;\n\t\tjump c1\n\t}\n");
        for (int i = 1; i <= depth; i++)
            sb.Append($"\tchain c{i} {{\n\t\t{(i < depth ? $"jump c{i + 1}" : "tcp dport 80 accept")}\n\t}}\n");
        return sb.Append("}\n").ToString();
    }

    [Fact]
    public void NftablesNestingBeyondTheKernelLimitIsAnError()
    {
        var ok = AnalysisTests.Nft(NftChain(15));
        Assert.Equal(16, ok.Acls.Count);
        var e = Assert.Throws<FirewallConfigException>(() => AnalysisTests.Nft(NftChain(16)));
        Assert.Contains("16", Assert.Single(e.Errors).English);
    }

    [Fact]
    public void DeepIptablesChainsAreWalkedExactly()
    {
        var sb = new System.Text.StringBuilder("*filter\n:FORWARD DROP [0:0]\n");
        for (int i = 1; i <= 70; i++) sb.Append($":C{i} - [0:0]\n");
        sb.Append("-A FORWARD -j C1\n");
        for (int i = 1; i < 70; i++) sb.Append($"-A C{i} -j C{i + 1}\n");
        sb.Append("-A C70 -p tcp --dport 80 -j ACCEPT\nCOMMIT\n");
        var rs = AnalysisTests.Ipt(sb.ToString());
        var t = ConcreteTracer.Trace(rs, AnalysisTests.Probe("tcp 10.10.0.5:40000 -> 10.20.0.5:80 in eth0 out eth1"));
        Assert.Equal(Verdict.Accept, t.Verdict);
        Assert.Equal(71, t.Path.Count); // FORWARD's jump, 69 chain jumps, the accept
        var r = AnalysisTests.Analyse(rs);
        Assert.False(r.OverApproximated);
    }

    [Fact]
    public void ADagWithTwoJumpsPerChainIsWalkedOncePerDistinctInput()
    {
        // 25 chains, each jumping twice to the next: 2^25 paths, one distinct input per chain.
        var sb = new System.Text.StringBuilder("*filter\n:FORWARD DROP [0:0]\n");
        for (int i = 1; i <= 25; i++) sb.Append($":D{i} - [0:0]\n");
        sb.Append("-A FORWARD -j D1\n");
        for (int i = 1; i < 25; i++) sb.Append($"-A D{i} -j D{i + 1}\n-A D{i} -j D{i + 1}\n");
        sb.Append("-A D25 -p tcp --dport 443 -j ACCEPT\nCOMMIT\n");
        var rs = AnalysisTests.Ipt(sb.ToString());
        var r = AnalysisTests.Analyse(rs);
        Assert.Contains(r.Findings, f => f.Severity == SegVerify.Core.Engine.Severity.Violation && f.DstPort == 443);
        Assert.DoesNotContain(r.Findings, f => f.Severity == SegVerify.Core.Engine.Severity.Violation && f.DstPort != 443);
    }
}

public class ProbeNatTests
{
    [Fact]
    public void ProbeReportsTheTranslatedDestination()
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            var cfg = Path.Combine(dir.FullName, "nat.rules");
            File.WriteAllText(cfg, "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -i eth6 -d 203.0.113.10 -p tcp --dport 443 -j DNAT --to-destination 172.16.0.80:8443\nCOMMIT\n" +
                                   "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -d 172.16.0.80 -p tcp --dport 8443 -j ACCEPT\nCOMMIT\n");
            var o = new StringWriter(); var e = new StringWriter();
            int code = SegVerify.Cli.Program.Run(["check-firewall", "--config", cfg, "--format", "jsonl",
                "--probe", "tcp 198.51.100.7:40000 -> 203.0.113.10:443 in eth6 out eth3"], o, e);
            Assert.Equal(0, code);
            var line = o.ToString().Split('\n').First(l => l.Contains("\"event\":\"probe\""));
            Assert.Contains("\"verdict\":\"accept\"", line);
            Assert.Contains("\"nat_dst_ip\":\"172.16.0.80\"", line);
            Assert.Contains("\"nat_dst_port\":8443", line);
        }
        finally { dir.Delete(true); }
    }
}
