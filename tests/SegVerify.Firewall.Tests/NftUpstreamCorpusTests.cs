using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Dialects.Nftables;
using SegVerify.Firewall.Model;
using SegVerify.Tests.Common;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Firewall.Tests;

/// <summary>
/// Every construct of the nftables project's own dumps (../shared/firewall/nftables-upstream) is either read exactly
/// or reported as unsupported-syntax at its line: a rule line that is approximated always has a warning there, and
/// the lines warned about are exactly the expected ones (NAT statements are the NAT reader's and only checked for the
/// first property).
/// </summary>
public class NftUpstreamCorpusTests(ITestOutputHelper output)
{
    private const string Root = "firewall/nftables-upstream";

    // Lines warned about, per file; null: the file is only checked for "approximated implies warned".
    private static readonly Dictionary<string, int[]?> ExpectedWarnings = new()
    {
        ["files/examples/load_balancing.nft"] = null,
        ["files/examples/sets_and_maps.nft"] = [],
        ["files/nftables/all-in-one.nft"] = [], // refused: it includes files the corpus does not ship
        ["files/nftables/bridge-filter.nft"] = [1],
        ["files/nftables/inet-filter.nft"] = [],
        ["files/nftables/inet-nat.nft"] = [],
        ["files/nftables/ipv4-filter.nft"] = [],
        ["files/nftables/ipv6-filter.nft"] = [],
        ["tests/shell/testcases/chains/dumps/0021prio_0.nft"] = [1324, 1365, 1406],
        ["tests/shell/testcases/maps/dumps/0009vmap_0.nft"] = [],
        ["tests/shell/testcases/maps/dumps/0010concat_map_0.nft"] = null,
        ["tests/shell/testcases/maps/dumps/nat_addr_port.nft"] = null,
        // meta mark; five queue verdicts (a user-space program decides).
        ["tests/shell/testcases/nft-f/dumps/0012different_defines_0.nft"] = [4, 15, 16, 17, 18, 19],
        // update @s { ip saddr limit ... }: a per-address rate.
        ["tests/shell/testcases/optimizations/dumps/merge_vmaps.nft"] = [15],
        ["tests/shell/testcases/sets/dumps/0001named_interval_0.nft"] = [31], // ip6 nexthdr @s3: s3 holds 51 (AH), behind which any transport matches
        // synproxy and quota by map.
        ["tests/shell/testcases/sets/dumps/0024named_objects_0.nft"] = [47, 48],
        ["tests/shell/testcases/sets/dumps/0045concat_ipv4_service.nft"] = [],
        ["tests/shell/testcases/sets/dumps/0047nat_0.nft"] = [],
        ["tests/shell/testcases/sets/dumps/0055tcpflags_0.nft"] = [],
        ["tests/shell/testcases/sets/dumps/sets_with_ifnames.nft"] = [],
    };

    public static IEnumerable<object[]> Files()
    {
        var shared = TestPaths.Shared;
        var dir = shared is null ? null : Path.Combine(shared, Root);
        if (dir is null || !Directory.Exists(dir)) { yield return [""]; yield break; }
        foreach (var f in Directory.EnumerateFiles(dir, "*.nft", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            yield return [Path.GetRelativePath(dir, f).Replace('\\', '/')];
    }

    [SkippableTheory]
    [MemberData(nameof(Files))]
    public void EveryConstructIsExactOrWarnedAtItsLine(string rel)
    {
        var shared = TestPaths.RequireShared();
        var path = Path.Combine(shared, Root, rel);
        Skip.If(rel.Length == 0 || !File.Exists(path), "nftables-upstream corpus absent");
        Assert.True(ExpectedWarnings.ContainsKey(rel), $"new file in the corpus: {rel} (add its expected warnings)");
        FwRuleset rs;
        try { rs = NftParser.Parse(path, File.ReadAllText(path)); }
        catch (FirewallConfigException ex)
        {
            // all-in-one.nft includes files the corpus does not ship: nft -f refuses it too.
            Assert.Equal("files/nftables/all-in-one.nft", rel);
            var e = Assert.Single(ex.Errors);
            Assert.Equal((17, 1), (e.Pos.Line, e.Pos.Column));
            Assert.Contains("netdev-ingress.nft", e.English);
            return;
        }
        foreach (var w in rs.Warnings) output.WriteLine($"{w.Pos.Line}:{w.Pos.Column} {w.Message}");
        var warned = rs.Warnings.Where(w => w.Pos.File == path).Select(w => w.Pos.Line).ToHashSet();
        foreach (var l in rs.AllLines.Where(l => l.HasUnknown))
            Assert.True(warned.Contains(l.Pos.Line), $"{l.Pos.Full}: approximated without a warning: {l.Text}");
        if (ExpectedWarnings[rel] is { } expected)
            Assert.Equal(expected, warned.Order().ToArray());
    }

    [SkippableFact]
    public void UpstreamVerdictMapsAndConcatenationsAreExact()
    {
        var shared = TestPaths.RequireShared();
        var dir = Path.Combine(shared, Root, "tests/shell/testcases");
        Skip.If(!Directory.Exists(dir), "nftables-upstream corpus absent");
        var p = Path.Combine(dir, "nft-f/dumps/0012different_defines_0.nft");
        var rs = NftParser.Parse(p, File.ReadAllText(p));
        var c = rs.FindAcl("inet t/c")!;
        var l10 = c.Lines.Where(l => l.Pos.Line == 9).ToList(); // ip saddr vmap { 10.0.0.0 : drop, 10.0.0.2 : accept }
        Assert.Equal(new[] { LineAction.Drop, LineAction.Accept }, l10.Select(l => l.Action));
        bool u = false;
        Assert.True(ConcreteTracer.Matches(l10[0], AnalysisTests.Probe("tcp 10.0.0.0:1 -> 1.1.1.1:2 in a out b"), ref u));
        Assert.False(ConcreteTracer.Matches(l10[0], AnalysisTests.Probe("tcp 10.0.0.2:1 -> 1.1.1.1:2 in a out b"), ref u));
        var l12 = Assert.Single(c.Lines, l => l.Pos.Line == 11); // ip6 saddr . ip6 nexthdr { fe0::2 . tcp, fe0::1 . udp }
        Assert.False(l12.HasUnknown);
        Assert.True(ConcreteTracer.Matches(l12, AnalysisTests.Probe("tcp [fe0::2]:1 -> [fe0::9]:2 in a out b"), ref u));
        Assert.False(ConcreteTracer.Matches(l12, AnalysisTests.Probe("udp [fe0::2]:1 -> [fe0::9]:2 in a out b"), ref u));
        var l13 = Assert.Single(c.Lines, l => l.Pos.Line == 12); // ip daddr . iif vmap { 10.0.0.0 . "lo" : accept }
        Assert.Equal(LineAction.Accept, l13.Action);
        Assert.True(ConcreteTracer.Matches(l13, AnalysisTests.Probe("udp 1.1.1.1:1 -> 10.0.0.0:2 in lo out b"), ref u));
        Assert.False(ConcreteTracer.Matches(l13, AnalysisTests.Probe("udp 1.1.1.1:1 -> 10.0.0.0:2 in eth0 out b"), ref u));
        Assert.False(u);

        p = Path.Combine(dir, "sets/dumps/sets_with_ifnames.nft");
        rs = NftParser.Parse(p, File.ReadAllText(p));
        var v4icmp = rs.FindAcl("inet testifsets/v4icmp")!;
        var vm = Assert.Single(v4icmp.Lines, l => l.Pos.Line == 44);
        Assert.Equal(LineAction.Call, vm.Action);
        Assert.Equal("inet testifsets/do_nothing", vm.TargetAcl!.Name);
        Assert.True(ConcreteTracer.Matches(vm, AnalysisTests.Probe("udp 1.1.1.1:1 -> 2.2.2.2:2 in abcdef7 out b"), ref u));
        Assert.False(ConcreteTracer.Matches(vm, AnalysisTests.Probe("udp 1.1.1.1:1 -> 2.2.2.2:2 in eth1 out b"), ref u));
        var wild = rs.FindAcl("inet testifsets/v4icmpc")!.Lines[1]; // ip saddr . iifname @concat_wild
        Assert.True(ConcreteTracer.Matches(wild, AnalysisTests.Probe("udp 12.2.2.9:1 -> 2.2.2.2:2 in abcdefX out b"), ref u));
        Assert.True(ConcreteTracer.Matches(wild, AnalysisTests.Probe("udp 1.1.2.200:1 -> 2.2.2.2:2 in abcdef0 out b"), ref u));
        Assert.False(ConcreteTracer.Matches(wild, AnalysisTests.Probe("udp 1.1.2.200:1 -> 2.2.2.2:2 in abcdef1 out b"), ref u));
        Assert.False(ConcreteTracer.Matches(wild, AnalysisTests.Probe("udp 10.1.2.1:1 -> 2.2.2.2:2 in abcdef0 out b"), ref u));
        Assert.False(u);
    }
}
