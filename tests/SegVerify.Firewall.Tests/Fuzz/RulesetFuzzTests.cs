using System.Text;
using SegVerify.Firewall.Dialects.FortiOS;
using SegVerify.Firewall.Dialects.Iptables;
using SegVerify.Firewall.Dialects.Nftables;
using SegVerify.Firewall.Model;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Firewall.Tests.Fuzz;

/// <summary>
/// Bounded, seeded mutation fuzzing (see <see cref="MutationFuzzer"/>) of the iptables, nft and FortiOS parsers. A
/// ruleset may be rejected only with the parser's own error types (positions for the user); anything else is a bug.
/// </summary>
public class RulesetFuzzTests
{
    private static List<byte[]> Seeds(string pattern, string? sharedDir)
    {
        var seeds = Directory.EnumerateFiles(TestPaths.InRepo("topologies", "firewall"), pattern)
            .OrderBy(f => f, StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
        if (sharedDir is not null && TestPaths.Shared is { } shared && Directory.Exists(Path.Combine(shared, "firewall", sharedDir)))
            seeds.AddRange(Directory.EnumerateFiles(Path.Combine(shared, "firewall", sharedDir), "*", SearchOption.AllDirectories)
                .Where(f => new FileInfo(f).Length < 64 * 1024).OrderBy(f => f, StringComparer.Ordinal).Take(20).Select(File.ReadAllBytes));
        return seeds;
    }

    private static bool Documented(Exception ex) => ex is FirewallConfigException or FortiParseException;

    private static void Fuzz(List<byte[]> seeds, int rngSeed, Action<string> parse, string what)
    {
        Assert.NotEmpty(seeds);
        var failures = MutationFuzzer.Run(seeds, rngSeed, input => parse(Encoding.UTF8.GetString(input)), Documented, out int iterations);
        Console.WriteLine($"fuzz {what} (seed {rngSeed}): {iterations} inputs in {MutationFuzzer.Budget.TotalSeconds} s");
        Assert.True(failures.Count == 0, MutationFuzzer.Describe(failures, rngSeed));
    }

    [Fact]
    public void IptablesRulesets() => Fuzz(Seeds("*.iptables", "iptables"), 1, t => IptablesParser.Parse("fuzz.rules", t), "iptables");

    [Fact]
    public void NftRulesets() => Fuzz(Seeds("*.nft", "nftables"), 1, t => NftParser.Parse("fuzz.nft", t), "nft");

    [Fact]
    public void FortiOsConfigs()
    {
        var seeds = Seeds("*.conf", "fortios-sample");
        if (seeds.Count == 0) seeds.Add(Encoding.UTF8.GetBytes("config firewall policy\n    edit 1\n        set srcintf \"port1\"\n        set action accept\n    next\nend\n"));
        Fuzz(seeds, 1, t => FortiConfigParser.Parse("fuzz.conf", t), "FortiOS");
    }
}
