using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Dialects;
using SegVerify.Firewall.Dialects.Iptables;
using SegVerify.Firewall.Dialects.Nftables;
using SegVerify.Firewall.Model;
using SegVerify.Tests.Common;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Firewall.Tests;

/// <summary>Every iptables/nft ruleset under ../shared/firewall is read and analysed against sample-city without a crash.</summary>
public class SharedCorpusTests(ITestOutputHelper output)
{
    /// <summary>
    /// The corpus files some dialect claims (iptables-save, nft, FortiOS). The rest (Cisco/ASA configs, Aerleon
    /// policies, JSON, licences) are not rulesets and make no test case, so they add no skip lines to the run.
    /// </summary>
    public static IEnumerable<object[]> Files()
    {
        var shared = TestPaths.Shared;
        if (shared is null) { yield return [""]; yield break; }
        foreach (var f in Directory.EnumerateFiles(Path.Combine(shared, "firewall"), "*", SearchOption.AllDirectories).Order())
            if (DialectRegistry.Detect(File.ReadAllText(f)) is not null)
                yield return [Path.GetRelativePath(shared, f)];
    }

    [SkippableFact]
    public void TheCorpusHoldsRulesetsOfEveryDialect()
    {
        var shared = TestPaths.RequireShared();
        var names = Files().Select(f => DialectRegistry.Detect(File.ReadAllText(Path.Combine(shared, (string)f[0])))!.Name).ToList();
        output.WriteLine(string.Join(", ", names.GroupBy(n => n).Select(g => $"{g.Key}: {g.Count()}")));
        Assert.True(names.Count >= 100, $"only {names.Count} rulesets found under shared/firewall");
        Assert.Equal(3, names.Distinct().Count());
    }

    [SkippableTheory]
    [MemberData(nameof(Files))]
    public void EveryRulesetIsReadWithoutCrash(string rel)
    {
        var shared = TestPaths.RequireShared();
        var path = Path.Combine(shared, rel);
        var text = File.ReadAllText(path);
        var d = DialectRegistry.Detect(text) ?? throw new InvalidOperationException($"{rel}: no dialect claims it");
        var o = new StringWriter(); var e = new StringWriter();
        string[] cli = ["check-firewall", "--topology", TestPaths.InRepo("topologies", "sample-city.yaml"), "--config", path, "--format", "jsonl", "--no-shadow"];
        FwRuleset rs;
        try { rs = d.Parse(new DialectInput { Path = path, Text = text }); }
        catch (FirewallConfigException ex)
        {
            // A ruleset the kernel would refuse: a positioned error, and exit 2 from the command line.
            output.WriteLine($"{rel}: {d.Name}: refused: {ex.Message}");
            Assert.All(ex.Errors, er => Assert.True(er.Pos.Line >= 1));
            Assert.Equal(2, SegVerify.Cli.Program.Run(cli, o, e));
            Assert.Contains(":", e.ToString());
            return;
        }
        var topo = SampleCity.Build();
        var r = new FirewallAnalyzer(topo, topo.Firewalls["fw-core"], rs, new AnalysisOptions()).Run();
        output.WriteLine($"{rel}: {d.Name}, {rs.AllLines.Count()} rules, {rs.Warnings.Count} warnings, {r.Findings.Count} findings");
        Assert.Equal(0, r.PolicyDisagreements);
        Assert.Equal(0, r.TraceDisagreements);
        // And through the command line with the bundled topology file: exit 0, 1 or 2, never an internal error.
        int code = SegVerify.Cli.Program.Run(cli, o, e);
        Assert.True(code is 0 or 1 or 2, $"exit {code}: {e}");
        Assert.Contains("\"event\":\"summary\"", o.ToString());
    }
}
