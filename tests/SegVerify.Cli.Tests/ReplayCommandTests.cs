using System.Text.Json;
using SegVerify.Tests.Common;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Cli.Tests;

public class ReplayCommandTests(ITestOutputHelper output)
{
    private static readonly HashSet<string> ViolationIds =
    [
        "mynumber-internet", "mynumber-isolation", "lgwan-internet-separation", "zone-crossing",
        "sanitization-misuse", "mac-binding", "unregistered-device", "expired-exception",
    ];

    internal static (int Exit, List<JsonElement> Events, string Stderr) Replay(params string[] args)
    {
        var so = new StringWriter();
        var se = new StringWriter();
        int exit = Program.Run(["replay", .. args, "--format", "jsonl"], so, se);
        var events = so.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        return (exit, events, se.ToString());
    }

    /// <summary>The same comparison as shared/tools/check_scenarios.py: every label matched once, nothing else reported.</summary>
    private void CheckScenarioDir(string dir, string topology)
    {
        int checkedFiles = 0;
        foreach (var exp in Directory.GetFiles(dir, "*.expected.json"))
        {
            var stem = exp[..^".expected.json".Length];
            var cap = Directory.GetFiles(Path.GetDirectoryName(stem)!, Path.GetFileName(stem) + ".*").Single(p => !p.EndsWith(".json"));
            var expected = JsonDocument.Parse(File.ReadAllText(exp)).RootElement.GetProperty("expect").EnumerateArray().ToList();
            var (exit, events, stderr) = Replay(cap, "--topology", topology);
            var findings = events.Where(e => e.GetProperty("event").GetString() is "violation" or "warning").ToList();
            var used = new HashSet<int>();
            foreach (var e in expected)
            {
                int hit = findings.FindIndex(g => !used.Contains(findings.IndexOf(g)) && Matches(e, g));
                Assert.True(hit >= 0, $"{Path.GetFileName(cap)}: missed {e}");
                used.Add(hit);
            }
            var extra = findings.Where((g, i) => !used.Contains(i)).Select(g => g.ToString()).ToList();
            Assert.True(extra.Count == 0, $"{Path.GetFileName(cap)}: unexpected {string.Join("\n", extra)}");
            bool wantViolation = expected.Any(e => ViolationIds.Contains(e.GetProperty("rule").GetString()!));
            Assert.True(exit == (wantViolation ? 1 : 0), $"exit {exit}; stderr: {stderr}");
            Assert.Equal("summary", events[^1].GetProperty("event").GetString());
            checkedFiles++;
        }
        output.WriteLine($"{dir}: {checkedFiles} labelled captures matched");
        Assert.True(checkedFiles > 0);
    }

    private static bool Matches(JsonElement exp, JsonElement got)
    {
        foreach (var p in exp.EnumerateObject())
        {
            string want = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            if (p.Name == "any_ip")
            {
                if (Str(got, "src_ip") != want && Str(got, "dst_ip") != want) return false;
            }
            else if (!string.Equals(Str(got, p.Name), want, StringComparison.OrdinalIgnoreCase)) return false;
        }
        return true;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? (v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()) : null;

    [SkippableFact]
    public void SharedLabelledScenariosMatchTheirLabels()
    {
        var shared = TestPaths.RequireShared();
        foreach (var dir in Directory.GetDirectories(Path.Combine(shared, "scenarios")))
        {
            var topo = Path.Combine(dir, "topology.yaml");
            if (File.Exists(topo)) CheckScenarioDir(dir, topo);
        }
    }

    [Fact]
    public void BundledSampleMatchesItsLabels() =>
        CheckScenarioDir(TestPaths.InRepo("captures"), TestPaths.InRepo("topologies", "sample-city.yaml"));

    [SkippableFact]
    public void EverySharedCaptureReplaysWithoutInternalError()
    {
        var shared = TestPaths.RequireShared();
        var topo = TestPaths.InRepo("topologies", "sample-city.yaml");
        var files = Directory.EnumerateFiles(Path.Combine(shared, "captures"), "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".pcap") || f.EndsWith(".pcapng")).Order().ToList();
        var byExit = new Dictionary<int, int>();
        foreach (var f in files)
        {
            var (exit, events, stderr) = Replay(f, "--topology", topo);
            Assert.True(exit is 0 or 1 or 2, $"{f}: exit {exit}\n{stderr}");
            if (exit != 2) Assert.Equal("summary", events[^1].GetProperty("event").GetString());
            byExit[exit] = byExit.GetValueOrDefault(exit) + 1;
        }
        output.WriteLine($"{files.Count} captures: " + string.Join(", ", byExit.OrderBy(k => k.Key).Select(k => $"exit {k.Key}: {k.Value}")));
        Assert.True(files.Count > 100);
    }

    [Fact]
    public void SummaryCarriesHashesAndCounts()
    {
        var (exit, events, _) = Replay(TestPaths.InRepo("captures", "sample-city.pcap"), "--topology", TestPaths.InRepo("topologies", "sample-city.yaml"));
        Assert.Equal(1, exit);
        var s = events[^1];
        var cap = s.GetProperty("captures")[0];
        Assert.Matches("^[0-9a-f]{64}$", cap.GetProperty("sha256").GetString());
        Assert.Matches("^[0-9a-f]{64}$", s.GetProperty("topology_sha256").GetString());
        int findings = events.Count(e => e.GetProperty("event").GetString() is "violation" or "warning");
        Assert.Equal(findings, s.GetProperty("violations").GetInt32() + s.GetProperty("warnings").GetInt32());
        Assert.True(s.GetProperty("flows").GetInt32() > 10);
    }

    [Fact]
    public void TheCaptureHashIsTheFilesSha256AndNoCaptureHashLeavesItNull()
    {
        var capPath = TestPaths.InRepo("captures", "sample-city.pcap");
        var topo = TestPaths.InRepo("topologies", "sample-city.yaml");
        var (exit, events, _) = Replay(capPath, "--topology", topo);
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(capPath)));
        Assert.Equal(expected, events[^1].GetProperty("captures")[0].GetProperty("sha256").GetString());

        var (exit2, events2, _) = Replay(capPath, "--topology", topo, "--no-capture-hash");
        Assert.Equal(exit, exit2);
        var cap = events2[^1].GetProperty("captures")[0];
        Assert.Equal(JsonValueKind.Null, cap.GetProperty("sha256").ValueKind);
        Assert.Equal(capPath, cap.GetProperty("file").GetString());
        // everything else is the same
        Assert.Equal(events.Count, events2.Count);
        foreach (var k in new[] { "packets", "bytes", "flows", "violations", "warnings" })
            Assert.Equal(events[^1].GetProperty(k).GetInt64(), events2[^1].GetProperty(k).GetInt64());
        Assert.Equal(events[^1].GetProperty("topology_sha256").GetString(), events2[^1].GetProperty("topology_sha256").GetString());
    }

    [Fact]
    public async Task WithOneCpuTheCaptureIsHashedAsItIsReadAndTheHashIsTheSame()
    {
        // DOTNET_PROCESSOR_COUNT=1 makes Environment.ProcessorCount 1: replay then hashes through the reading stream.
        var capPath = TestPaths.InRepo("captures", "sample-city.pcap");
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "segverify.dll"), "replay", capPath,
                     "--topology", TestPaths.InRepo("topologies", "sample-city.yaml"), "--format", "jsonl" })
            psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_PROCESSOR_COUNT"] = "1";
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.Equal(1, p.ExitCode);
        var summary = JsonDocument.Parse((await stdout).Trim().Split('\n')[^1]).RootElement;
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(capPath)));
        Assert.Equal(expected, summary.GetProperty("captures")[0].GetProperty("sha256").GetString());
    }

    [Fact]
    public void DamagedCaptureIsReadUpToTheDamageAndWarned()
    {
        var src = File.ReadAllBytes(TestPaths.InRepo("captures", "sample-city.pcap"));
        var path = Path.Combine(Path.GetTempPath(), $"segverify-trunc-{Guid.NewGuid():N}.pcap");
        File.WriteAllBytes(path, src[..(src.Length - 7)]);
        try
        {
            var (exit, events, _) = Replay(path, "--topology", TestPaths.InRepo("topologies", "sample-city.yaml"));
            Assert.Equal(1, exit);
            var dmg = Assert.Single(events, e => Str(e, "rule") == "capture-damaged");
            Assert.Equal("warning", Str(dmg, "severity"));
            Assert.True(dmg.GetProperty("offset").GetInt64() > 0);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void BadInputsExitTwo()
    {
        var topo = TestPaths.InRepo("topologies", "sample-city.yaml");
        Assert.Equal(2, Replay("/nonexistent/x.pcap", "--topology", topo).Exit);
        Assert.Equal(2, Replay(TestPaths.InRepo("captures", "sample-city.pcap"), "--topology", "/nonexistent.yaml").Exit);
        var notCapture = Path.GetTempFileName();
        File.WriteAllText(notCapture, "hello, not a capture");
        try { Assert.Equal(2, Replay(notCapture, "--topology", topo).Exit); }
        finally { File.Delete(notCapture); }
        Assert.Equal(2, Program.Run(["replay", "--no-such-option"], new StringWriter(), new StringWriter()));
    }

    [Theory]
    [InlineData("en", "2", "--threads has been removed")]
    [InlineData("ja", "0", "--threads は廃止されました")]
    [InlineData("en", null, "run one segverify replay process per capture file")]
    public void ThreadsIsGoneWithAdviceAndExitTwo(string lang, string? value, string message)
    {
        var se = new StringWriter();
        var so = new StringWriter();
        string[] threads = value is null ? ["--threads"] : ["--threads", value];
        int exit = Program.Run(["replay", TestPaths.InRepo("captures", "sample-city.pcap"), "--topology",
            TestPaths.InRepo("topologies", "sample-city.yaml"), .. threads, "--lang", lang], so, se);
        Assert.Equal(2, exit);
        Assert.Contains(message, se.ToString());
        Assert.Contains("docs/multiple-cores.md", se.ToString());
        Assert.Equal("", so.ToString()); // nothing analysed
    }
}
