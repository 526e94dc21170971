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
    /// <summary>
    /// The repository's rulesets matching <paramref name="pattern"/>, then up to 20 small files of each of
    /// <paramref name="sharedDirs"/> under ../shared/firewall (when present: asserted to contribute, so a renamed
    /// directory cannot silently leave the fuzzer with the repository's seeds only).
    /// </summary>
    private static List<byte[]> Seeds(string pattern, params string[] sharedDirs)
    {
        var seeds = Directory.EnumerateFiles(TestPaths.InRepo("topologies", "firewall"), pattern)
            .OrderBy(f => f, StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
        if (TestPaths.Shared is { } shared)
        {
            int before = seeds.Count;
            foreach (var dir in sharedDirs.Select(d => Path.Combine(shared, "firewall", d)).Where(Directory.Exists))
                seeds.AddRange(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                    .Where(f => new FileInfo(f).Length is > 0 and < 64 * 1024 && !f.EndsWith(".md") && !f.EndsWith("upstream"))
                    .OrderBy(f => f, StringComparer.Ordinal).Take(20).Select(File.ReadAllBytes));
            Assert.True(seeds.Count > before, $"no seed from ../shared/firewall/{{{string.Join(",", sharedDirs)}}}");
            Console.WriteLine($"fuzz seeds {pattern}: {before} from the repository, {seeds.Count - before} from ../shared/firewall");
        }
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
    public void IptablesRulesets() => Fuzz(Seeds("*.iptables", "iptables-semantics", "netfilter-iptables"), 1, t => IptablesParser.Parse("fuzz.rules", t), "iptables");

    [Fact]
    public void NftRulesets() => Fuzz(Seeds("*.nft", "nftables-upstream"), 1, t => NftParser.Parse("fuzz.nft", t), "nft");

    [Fact]
    public void FortiOsConfigs()
    {
        var seeds = Seeds("*.conf", "fortios-sample", "fortinet-azure-solutions", "fortios-xutils", "python-anyconfig-fortios-backend");
        if (seeds.Count == 0) seeds.Add(Encoding.UTF8.GetBytes("config firewall policy\n    edit 1\n        set srcintf \"port1\"\n        set action accept\n    next\nend\n"));
        Fuzz(seeds, 1, t => FortiConfigParser.Parse("fuzz.conf", t), "FortiOS");
    }
}
