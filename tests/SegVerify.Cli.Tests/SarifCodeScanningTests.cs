using System.Text.Json;
using System.Text.RegularExpressions;
using SegVerify.Tests.Common;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Cli.Tests;

/// <summary>
/// SARIF for GitHub code scanning: Microsoft's SARIF multitool with the GitHub rules (npm @microsoft/sarif-multitool)
/// finds no error or warning in replay's and check-firewall's logs; rules describe themselves; results keep their
/// fingerprints from run to run; replay results point into the capture.
/// </summary>
public sealed class SarifCodeScanningTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("segverify-sarif-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Topo => TestPaths.InRepo("topologies", "sample-city.yaml");

    private string Write(string name, params string[] args)
    {
        var path = Path.Combine(_dir, name);
        var se = new StringWriter();
        int exit = Program.Run([.. args, "--format", "sarif", "--output", path], new StringWriter(), se);
        Assert.True(exit == 1, se.ToString());
        return path;
    }

    private string Replay(string name, string lang) =>
        Write(name, "replay", TestPaths.InRepo("captures", "sample-city.pcap"), "--topology", Topo, "--lang", lang);

    private string CheckFirewall(string name, string lang) =>
        Write(name, "check-firewall", "--topology", Topo, "--config", TestPaths.InRepo("topologies", "firewall", "fw-core-violating.nft"),
            "--required", "--now", "2026-11-23T00:00:00Z", "--lang", lang);

    /// <summary>The multitool's own program (the npm package's launcher passes its arguments through a shell, which splits "Gh;Sarif").</summary>
    private static string? Multitool()
    {
        var env = Environment.GetEnvironmentVariable("SARIF_MULTITOOL");
        if (!string.IsNullOrEmpty(env) && File.Exists(env)) return env;
        var roots = new List<string> { Path.Combine(TestPaths.RepoRoot, "tests", "node_modules") };
        var npm = ExternalTools.Which("npm");
        if (npm is not null)
        {
            try
            {
                var (exit, o, _) = ExternalTools.Run(npm, ["root", "-g"], TimeSpan.FromSeconds(30));
                if (exit == 0) roots.Add(o.Trim());
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or TimeoutException) { }
        }
        roots.AddRange(["/usr/lib/node_modules", "/usr/local/lib/node_modules"]);
        foreach (var r in roots)
            foreach (var p in new[]
            {
                Path.Combine(r, "@microsoft", "sarif-multitool", "node_modules", "@microsoft", "sarif-multitool-linux", "Sarif.Multitool"),
                Path.Combine(r, "@microsoft", "sarif-multitool-linux", "Sarif.Multitool"),
            })
                if (File.Exists(p)) return p;
        return null;
    }

    [SkippableTheory]
    [InlineData("en")]
    [InlineData("ja")]
    public void MultitoolWithGitHubRulesReportsNothing(string lang)
    {
        var tool = ExternalTools.Require(Multitool(),
            "the SARIF multitool is not installed (npm install -g @microsoft/sarif-multitool, or set SARIF_MULTITOOL): skipped");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(tool, File.GetUnixFileMode(tool) | UnixFileMode.UserExecute); // npm may skip the package's chmod script
        foreach (var log in new[] { Replay($"replay-{lang}.sarif", lang), CheckFirewall($"fw-{lang}.sarif", lang) })
        {
            var (exit, o, e) = ExternalTools.Run(tool, ["validate", "--rule-kind", "Gh;Sarif", log], TimeSpan.FromMinutes(3));
            output.WriteLine(o);
            var problems = Regex.Matches(o + e, @"\b(error|warning) [A-Z]+\d+\b.*").Select(m => m.Value).ToList();
            Assert.True(problems.Count == 0, string.Join("\n", problems));
            Assert.True(exit == 0, o + e);
        }
    }

    [Theory]
    [InlineData("en")]
    [InlineData("ja")]
    public void RulesDescribeThemselvesInTheRunsLanguage(string lang)
    {
        foreach (var log in new[] { Replay("r.sarif", lang), CheckFirewall("f.sarif", lang) })
        {
            var run = JsonDocument.Parse(File.ReadAllText(log)).RootElement.GetProperty("runs")[0];
            var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().ToList();
            Assert.NotEmpty(rules);
            foreach (var r in rules)
            {
                Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("fullDescription").GetProperty("text").GetString()));
                var md = r.GetProperty("help").GetProperty("markdown").GetString()!;
                Assert.Contains(r.GetProperty("id").GetString()!, md);
                Assert.Equal(lang == "ja", md.Contains("対処"));
                var sev = double.Parse(r.GetProperty("properties").GetProperty("security-severity").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
                Assert.InRange(sev, 0.1, 10.0);
            }
        }
    }

    private static List<string> Fingerprints(string log) =>
        JsonDocument.Parse(File.ReadAllText(log)).RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray()
            .Select(r => r.GetProperty("partialFingerprints").GetProperty("segverifyFinding/v1").GetString()!).ToList();

    [Fact]
    public void FingerprintsAreStableAcrossRunsAndLanguages()
    {
        var r1 = Fingerprints(Replay("r1.sarif", "en"));
        Assert.Equal(r1, Fingerprints(Replay("r2.sarif", "ja")));
        Assert.Equal(r1.Count, r1.Distinct().Count());
        var f1 = Fingerprints(CheckFirewall("f1.sarif", "en"));
        Assert.Equal(f1, Fingerprints(CheckFirewall("f2.sarif", "ja")));
        Assert.Equal(f1.Count, f1.Distinct().Count());
    }

    [Fact]
    public void ReplayResultsPointIntoTheCapture()
    {
        var run = JsonDocument.Parse(File.ReadAllText(Replay("r.sarif", "en"))).RootElement.GetProperty("runs")[0];
        var capture = File.ReadAllBytes(TestPaths.InRepo("captures", "sample-city.pcap"));
        foreach (var r in run.GetProperty("results").EnumerateArray())
        {
            var loc = r.GetProperty("locations")[0].GetProperty("physicalLocation");
            Assert.EndsWith("sample-city.pcap", loc.GetProperty("artifactLocation").GetProperty("uri").GetString());
            long off = loc.GetProperty("region").GetProperty("byteOffset").GetInt64();
            // a pcap record header starts there: 24-byte file header, then records
            Assert.InRange(off, 24, capture.Length - 16);
        }
    }
}
