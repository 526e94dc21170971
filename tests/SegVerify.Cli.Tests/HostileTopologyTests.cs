using SegVerify.Core.Topology;
using SegVerify.Tests.Common;
using Xunit;
using static SegVerify.Cli.Tests.InProcessCli;

namespace SegVerify.Cli.Tests;

/// <summary>
/// Hostile topology files and out-of-range numbers through every command that loads a topology: exit status 2 with
/// file:line:column and the limit's name, never a crash (exit 134) or an internal error (exit 3).
/// </summary>
public sealed class HostileTopologyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("segv-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var p = Path.Combine(_dir, name);
        File.WriteAllText(p, text);
        return p;
    }

    private static string Capture => TestPaths.InRepo("captures", "sample-city.pcap");
    private static string Ruleset => TestPaths.InRepo("topologies", "firewall", "fw-core-compliant.iptables");

    /// <summary>The same topology through topology validate, replay and check-firewall.</summary>
    private static IEnumerable<(string Command, (int Exit, string Out, string Err) Result)> EveryCommand(string topology, string lang) =>
    [
        ("topology validate", Run("topology", "validate", topology, "--lang", lang, "--format", "text")),
        ("replay", Run("replay", Capture, "--topology", topology, "--lang", lang, "--format", "jsonl")),
        ("check-firewall", Run("check-firewall", "--topology", topology, "--config", Ruleset, "--firewall", "fw-core", "--lang", lang, "--format", "jsonl")),
    ];

    [Fact]
    public void FiftyThousandLevelsOfNestingExitTwoWithThePositionAndTheLimit()
    {
        // About 100 KB, like the file that overflowed the stack (exit 134).
        var path = Write("deep.yaml", "segverify: 1\nzones: " + new string('[', 50_000) + new string(']', 50_000) + "\n");
        foreach (var lang in new[] { "en", "ja" })
            foreach (var (command, r) in EveryCommand(path, lang))
            {
                Assert.True(r.Exit == 2, $"{command} ({lang}): exit {r.Exit}\n{r.Err}");
                // 'zones: ' is 7 columns; the first '[' is depth 1 under the root mapping.
                Assert.Contains($"{path}:2:{7 + TopologyLimits.MaxDepth}: ", r.Err);
                Assert.Contains("MaxDepth", r.Err);
                Assert.DoesNotContain("internal error", r.Err);
            }
    }

    [Fact]
    public void AScannerFailureExitsTwoNotThree()
    {
        var path = Write("flow.yaml", "zones:\n  a:\n    segments:\n      - { cidr: 10.10\n0.0/16, vlan: 110 }\n");
        foreach (var (command, r) in EveryCommand(path, "ja"))
        {
            Assert.True(r.Exit == 2, $"{command}: exit {r.Exit}\n{r.Err}");
            Assert.Contains($"{path}:5:1: YAML の構文エラー: ", r.Err);
        }
    }

    [Fact]
    public void ABillionLaughsFileExitsTwoQuickly()
    {
        var sb = new System.Text.StringBuilder("segverify: 1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i <= 12; i++)
            sb.Append($"a{i}: &a{i} [" + string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10)) + "]\n");
        var path = Write("laughs.yaml", sb.ToString());
        var sw = System.Diagnostics.Stopwatch.StartNew();
        foreach (var (command, r) in EveryCommand(path, "en"))
        {
            Assert.True(r.Exit == 2, $"{command}: exit {r.Exit}\n{r.Err}");
            Assert.Contains("MaxNodes", r.Err);
            Assert.True(r.Err.Length < 2000, $"{command} wrote {r.Err.Length} characters to stderr");
        }
        // unbounded, the expansion is 10^13 nodes (hours and all memory); bounded, well under a second per command
        // on a quiet machine: a generous bound keeps the test meaningful on a busy one
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(120), $"took {sw.Elapsed}");
    }

    [Fact]
    public void NonUtf8AndOctalAddressesExitTwoWithTheirPositions()
    {
        var latin1 = Path.Combine(_dir, "latin1.yaml");
        File.WriteAllBytes(latin1, [.. "segverify: 1\nname: "u8, 0xC9, (byte)'\n']);
        foreach (var (command, r) in EveryCommand(latin1, "en"))
        {
            Assert.True(r.Exit == 2, $"{command}: exit {r.Exit}\n{r.Err}");
            Assert.Contains($"{latin1}:2:7: byte 0xc9", r.Err);
        }
        var octal = Write("octal.yaml", "segverify: 1\nname: x\nmodel: alpha\nzones:\n  z: { tier: lgwan, segments: [010.010.000.000/16] }\n");
        foreach (var (command, r) in EveryCommand(octal, "en"))
        {
            Assert.True(r.Exit == 2, $"{command}: exit {r.Exit}\n{r.Err}");
            Assert.Contains($"{octal}:5:32: ", r.Err);
            Assert.Contains("'010.010.000.000/16' is not a CIDR", r.Err);
        }
    }

    [Theory]
    [InlineData("--max-flows", "0", "--max-flows must be an integer from 1 to 2147483647: 0")]
    [InlineData("--max-flows", "-5", "--max-flows must be an integer from 1 to 2147483647: -5")]
    [InlineData("--tcp-idle-timeout", "0", "--tcp-idle-timeout must be more than 0 and at most 315360000 seconds: 0")]
    [InlineData("--tcp-idle-timeout", "NaN", "--tcp-idle-timeout must be more than 0")]
    [InlineData("--idle-timeout", "-1", "--idle-timeout must be more than 0")]
    [InlineData("--idle-timeout", "1e300", "--idle-timeout must be more than 0 and at most 315360000 seconds: 1E+300")]
    public void OutOfRangeNumbersExitTwo(string option, string value, string message)
    {
        var r = Run("replay", Capture, "--topology", TestPaths.InRepo("topologies", "sample-city.yaml"), "--lang", "en", option, value);
        Assert.Equal(2, r.Exit);
        Assert.Contains(message, r.Err);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void OutOfRangeNumbersAreExplainedInJapanese()
    {
        var r = Run("replay", Capture, "--topology", TestPaths.InRepo("topologies", "sample-city.yaml"), "--lang", "ja", "--max-flows", "0");
        Assert.Equal(2, r.Exit);
        Assert.Contains("--max-flows は 1 から 2147483647 の整数で指定してください: 0", r.Err);
    }
}
