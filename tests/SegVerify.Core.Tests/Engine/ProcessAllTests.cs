using System.Reflection;
using SegVerify.Core.Capture;
using SegVerify.Core.Engine;
using SegVerify.Core.Output;
using SegVerify.Core.Topology;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Core.Tests.Engine;

/// <summary>
/// <see cref="Verifier.ProcessAll"/> decodes records ahead of their processing (to prefetch the flow table); it must
/// give exactly what calling <see cref="Verifier.Process"/> record by record gives: the same findings and flow events
/// with every field, in the same order, and the same counters.
/// </summary>
public class ProcessAllTests
{
    private static readonly PropertyInfo[] FindingProps =
        typeof(Finding).GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.Name).ToArray();

    private static string Describe(Finding f) =>
        string.Join("|", FindingProps.Select(p => p.Name + "=" + p.GetValue(f)));

    private static (List<string> Findings, string Stats) Run(Core.Topology.Topology topo, string capture, bool all, int maxFlows)
    {
        var sink = new RecordingSink();
        var v = new Verifier(topo, sink, new VerifierOptions { EmitFlows = true, MaxFlows = maxFlows });
        v.CurrentCapture = capture;
        try
        {
            using var reader = CaptureOpener.Open(capture);
            if (all) v.ProcessAll(reader);
            else while (reader.TryRead(out var r)) v.Process(in r);
        }
        catch (CaptureFormatException) { }
        v.Flush();
        var summary = new RunSummary();
        v.FillSummary(summary);
        string stats = $"{v.Stats.Packets} {v.Stats.Bytes} {v.Stats.Flows} {v.Stats.Evicted} {v.Stats.OrphanFragments} " +
                       string.Join(",", v.Stats.Undecoded) + " " + string.Join(",", summary.ZoneMatrix.OrderBy(k => k.Key.ToString()).Select(k => $"{k.Key}={k.Value}"));
        return (sink.Findings.Select(Describe).ToList(), stats);
    }

    private static void AssertSame(Core.Topology.Topology topo, string capture, int maxFlows = 1_000_000)
    {
        var one = Run(topo, capture, all: false, maxFlows);
        var ahead = Run(topo, capture, all: true, maxFlows);
        Assert.Equal(one.Stats, ahead.Stats);
        Assert.Equal(one.Findings, ahead.Findings);
    }

    [Fact]
    public void SampleCaptureGivesTheSameFindingsAndFlows()
    {
        var topo = TopologyLoader.Load(TestPaths.InRepo("topologies", "sample-city.yaml"));
        var cap = TestPaths.InRepo("captures", "sample-city.pcap");
        AssertSame(topo, cap);
        AssertSame(topo, cap, maxFlows: 16); // evictions in the middle of the look-ahead
        Assert.NotEmpty(Run(topo, cap, all: true, 1_000_000).Findings);
    }

    [SkippableFact]
    public void TunnelledScenarioCapturesGiveTheSameFindingsAndFlows()
    {
        // tunnelled frames leave the look-ahead: what was staged before them is handled first, then their layers
        var dir = Path.Combine(TestPaths.RequireShared(), "scenarios", "tunnels");
        var topo = TopologyLoader.Load(Path.Combine(dir, "topology.yaml"));
        var files = Directory.GetFiles(dir).Where(CaptureOpener.IsCaptureFile).ToList();
        Assert.NotEmpty(files);
        foreach (var f in files)
        {
            AssertSame(topo, f);
            Assert.Contains(Run(topo, f, all: true, 1_000_000).Findings, x => x.Contains("Tunnel=SegVerify.Core.Flows.TunnelInfo[]"));
        }
    }

    [SkippableFact]
    public void EverySharedCaptureGivesTheSameFindingsAndFlows()
    {
        var shared = TestPaths.RequireShared();
        var topo = TopologyLoader.Load(Path.Combine(shared, "scenarios", "sample-city", "topology.yaml"));
        var files = Directory.EnumerateFiles(Path.Combine(shared, "captures"), "*", SearchOption.AllDirectories)
            .Where(f => CaptureOpener.IsCaptureFile(f)).OrderBy(f => f, StringComparer.Ordinal).ToList();
        Assert.True(files.Count > 50, $"only {files.Count} shared captures found");
        foreach (var f in files) AssertSame(topo, f);
    }
}
