using SegVerify.Core.Net;
using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Dialects.Nftables;
using SegVerify.Firewall.Model;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Firewall.Tests.Kernel;

/// <summary>
/// Differential tests against the Linux kernel for the constructs beyond addresses and ports: generated nft
/// rulesets (<see cref="RulesetGenerator"/>: IPv6, ICMP types and codes, TCP flags, source-port boundaries,
/// MACs, verdict maps, concatenations, define/include) are loaded with nft -f into a router namespace; hand-built
/// frames are sent through it; <c>--probe</c> (the concrete tracer) must agree with the kernel on every probe.
/// Needs root, ip and nft; skipped otherwise.
/// </summary>
[Collection("kernel")]
public class KernelConstructsDifferentialTests(ITestOutputHelper output)
{
    private const int ProbesPerRuleset = 400;

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 6).Select(s => new object[] { s });

    [SkippableTheory]
    [MemberData(nameof(Seeds))]
    public void GeneratedNftRulesetsAgreeWithTheKernel(int seed)
    {
        var why = KernelLab.Missing();
        if (why is not null) { Console.WriteLine("SKIP kernel differential: " + why); Skip.If(true, "kernel differential test skipped: " + why); }
        var gen = new RulesetGenerator(seed);
        var (main, defs) = gen.Generate();
        var dir = Directory.CreateTempSubdirectory("svkdiff").FullName;
        try
        {
            var mainPath = Path.Combine(dir, "main.nft");
            File.WriteAllText(mainPath, main);
            File.WriteAllText(Path.Combine(dir, "defs.nft"), defs);
            var rs = NftParser.Parse(mainPath, main);
            Assert.Empty(rs.Warnings.Select(w => $"{w.Pos.Full}: {w.Message}"));
            var probes = gen.Probes(ProbesPerRuleset);
            using var lab = new KernelLab($"{Environment.ProcessId % 1000:D3}{seed:D2}");
            try { lab.Load(mainPath, nft: true); }
            catch (InvalidOperationException e) { output.WriteLine(main); throw new InvalidOperationException("nft refused the generated ruleset", e); }
            lab.Send(probes);
            Compare(rs, probes, lab.Forwarded(), $"nft seed {seed}", main);
        }
        finally { Directory.Delete(dir, true); }
    }

    public static IEnumerable<object[]> IptablesSeeds() => Enumerable.Range(1, 4).Select(s => new object[] { s });

    /// <summary>The iptables equivalents (ICMP types, --tcp-flags/--syn, -m mac, conntrack, source ports) through iptables-restore / ip6tables-restore.</summary>
    [SkippableTheory]
    [MemberData(nameof(IptablesSeeds))]
    public void GeneratedIptablesRulesetsAgreeWithTheKernel(int seed)
    {
        var why = KernelLab.Missing();
        if (why is null && !new[] { "/usr/sbin", "/sbin", "/usr/bin", "/bin" }.Any(d => File.Exists(Path.Combine(d, "iptables-restore")))) why = "iptables-restore not installed";
        if (why is not null) { Console.WriteLine("SKIP kernel differential: " + why); Skip.If(true, "kernel differential test skipped: " + why); }
        bool v6 = seed % 2 == 0;
        var gen = new RulesetGenerator(seed + 100);
        var text = gen.GenerateIptables(v6);
        var rs = SegVerify.Firewall.Dialects.Iptables.IptablesParser.Parse("gen.rules", text);
        Assert.Empty(rs.Warnings.Select(w => $"{w.Pos.Full}: {w.Message}"));
        var probes = gen.Probes(ProbesPerRuleset);
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, text);
            using var lab = new KernelLab($"{Environment.ProcessId % 1000:D3}{seed + 50:D2}");
            lab.Load(file, nft: false, ipv6Tables: v6);
            lab.Send(probes);
            Compare(rs, probes, lab.Forwarded(), $"iptables seed {seed} ({(v6 ? "ip6tables" : "iptables")})", text);
        }
        finally { File.Delete(file); }
    }

    private void Compare(FwRuleset rs, List<ProbePacket> probes, HashSet<int> forwarded, string what, string text)
    {
        int disagree = 0, accepted = 0;
        for (int i = 0; i < probes.Count; i++)
        {
            var tr = ConcreteTracer.Trace(rs, probes[i]);
            Assert.False(tr.Approximate);
            bool expect = tr.Verdict == Verdict.Accept, got = forwarded.Contains(i + 1);
            if (got) accepted++;
            if (expect != got)
            {
                disagree++;
                output.WriteLine($"DISAGREE {Describe(probes[i])}: probe says {tr.VerdictText} via [{string.Join(", ", tr.Path.Select(r => $"{r.Pos.Line}: {r.Text}"))}], kernel {(got ? "forwarded" : "dropped")}");
            }
        }
        output.WriteLine($"{what}: {probes.Count} probes, {accepted} forwarded by the kernel, {disagree} disagreements");
        if (disagree > 0) output.WriteLine(text);
        Assert.Equal(0, disagree);
        Assert.InRange(accepted, 1, probes.Count - 1);
    }

    internal static string Describe(ProbePacket p)
    {
        string End(IpAddr a, ushort port) => !IpProto.HasPorts(p.Proto) ? a.ToString() : a.IsV4 ? $"{a}:{port}" : $"[{a}]:{port}";
        var s = $"{IpProto.Name(p.Proto)} {End(p.Src, p.SrcPort)} -> {End(p.Dst, p.DstPort)} in {p.InIf} out {p.OutIf} mac {p.Mac} state {ConnStates.Names[p.CtState]}";
        if (p.IcmpType is { } t) s += $" type {t} code {p.IcmpCode}";
        if (p.TcpFlags is { } f) s += $" flags 0x{f:x2}";
        return s;
    }
}
