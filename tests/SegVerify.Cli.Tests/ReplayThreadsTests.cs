using System.Text.Json;
using SegVerify.Tests.Common;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Cli.Tests;

/// <summary>replay --threads N gives the findings and counts of the single-threaded run.</summary>
public class ReplayThreadsTests(ITestOutputHelper output)
{
    /// <summary>Every event but the summary as canonical JSON text, sorted (the order differs between runs), and the summary without elapsed_s.</summary>
    private static (int Exit, List<string> Findings, string Summary) Run(string capture, string topology, int threads, params string[] extra)
    {
        var (exit, events, stderr) = ReplayCommandTests.Replay([capture, "--topology", topology, "--threads", threads.ToString(), .. extra]);
        Assert.True(exit is 0 or 1, $"exit {exit}: {stderr}");
        Assert.Equal("summary", events[^1].GetProperty("event").GetString());
        var findings = events.Take(events.Count - 1).Select(Canonical).Order(StringComparer.Ordinal).ToList();
        var summary = JsonSerializer.Serialize(events[^1].EnumerateObject().Where(p => p.Name != "elapsed_s")
            .OrderBy(p => p.Name, StringComparer.Ordinal).ToDictionary(p => p.Name, p => p.Value));
        return (exit, findings, summary);
    }

    private static string Canonical(JsonElement e) =>
        JsonSerializer.Serialize(e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).ToDictionary(p => p.Name, p => p.Value));

    private void CheckSame(string capture, string topology)
    {
        foreach (var extra in new[] { Array.Empty<string>(), ["--flows"] })
        {
            var one = Run(capture, topology, 1, extra);
            Assert.NotEmpty(one.Findings);
            foreach (int n in new[] { 2, 3, 4 })
            {
                var many = Run(capture, topology, n, extra);
                Assert.Equal(one.Exit, many.Exit);
                Assert.Equal(one.Findings, many.Findings);
                Assert.Equal(one.Summary, many.Summary);
            }
            output.WriteLine($"{Path.GetFileName(capture)} {string.Join(' ', extra)}: {one.Findings.Count} events identical with 2, 3 and 4 threads");
        }
    }

    [Fact]
    public void BundledSampleGivesTheSameFindingsWithThreads() =>
        CheckSame(TestPaths.InRepo("captures", "sample-city.pcap"), TestPaths.InRepo("topologies", "sample-city.yaml"));

    [SkippableFact]
    public void SharedScenariosGiveTheSameFindingsWithThreads()
    {
        var shared = TestPaths.RequireShared();
        int n = 0;
        foreach (var dir in Directory.GetDirectories(Path.Combine(shared, "scenarios")))
        {
            var topo = Path.Combine(dir, "topology.yaml");
            if (!File.Exists(topo)) continue;
            foreach (var cap in Directory.GetFiles(dir).Where(p => p.EndsWith(".pcap") || p.EndsWith(".pcapng")))
            {
                CheckSame(cap, topo);
                n++;
            }
        }
        Assert.True(n > 0);
    }

    [Fact]
    public void SeveralCapturesKeepTheirNamesInFindings()
    {
        var cap = TestPaths.InRepo("captures", "sample-city.pcap");
        var copy = Path.Combine(Path.GetTempPath(), $"segverify-threads-{Guid.NewGuid():N}.pcap");
        File.Copy(cap, copy);
        try
        {
            var topo = TestPaths.InRepo("topologies", "sample-city.yaml");
            var one = Run(cap, topo, 1, copy, "--flows");
            var many = Run(cap, topo, 3, copy, "--flows");
            Assert.Equal(one.Findings, many.Findings);
            Assert.Equal(one.Summary, many.Summary);
        }
        finally { File.Delete(copy); }
    }

    [Theory]
    [InlineData("65", "en", "--threads must be 0 to 64")]
    [InlineData("-1", "ja", "--threads は 0 から 64")]
    public void ThreadsOutOfRangeExitTwo(string value, string lang, string message)
    {
        var se = new StringWriter();
        int exit = Program.Run(["replay", TestPaths.InRepo("captures", "sample-city.pcap"), "--topology",
            TestPaths.InRepo("topologies", "sample-city.yaml"), "--threads", value, "--lang", lang], new StringWriter(), se);
        Assert.Equal(2, exit);
        Assert.Contains(message, se.ToString());
    }

    [Fact]
    public void ThreadsZeroMeansOnePerProcessor()
    {
        var (exit, _, _) = ReplayCommandTests.Replay(TestPaths.InRepo("captures", "sample-city.pcap"), "--topology",
            TestPaths.InRepo("topologies", "sample-city.yaml"), "--threads", "0");
        Assert.Equal(1, exit);
    }
}
