using SegVerify.Core.Capture;
using SegVerify.Core.Engine;
using SegVerify.Core.Findings;
using SegVerify.Core.Output;
using SegVerify.Core.Tests.Capture;
using SegVerify.Core.Topology;
using SegVerify.Tests.Common;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Core.Tests.Engine;

/// <summary>
/// The spec's accounting rule, on every capture under ../shared (third-party captures and labelled scenarios): every
/// packet counted in <c>packets</c> is in a flow, or in <c>undecoded</c> under a reason, or in <c>non_ip</c>, and only
/// once: packets = the packets of every flow event + the sum of undecoded + non_ip. A tunnelled frame is in several
/// flows (the outer one and each one inside); it is accounted by its outermost IP packet, so the flows whose packets
/// are carried inside another IP packet (a <c>tunnel</c> entry with addresses; MPLS has none) are left out of the sum.
/// </summary>
public class AccountingTests(ITestOutputHelper output)
{
    private static IEnumerable<string> Captures(string shared) =>
        SharedCapturesTests.CaptureFiles(shared).Concat(
            Directory.EnumerateFiles(Path.Combine(shared, "scenarios"), "*", SearchOption.AllDirectories)
                .Where(CaptureOpener.IsCaptureFile).OrderBy(f => f, StringComparer.Ordinal));

    [SkippableFact]
    public void PacketsAreFlowPacketsPlusUndecodedPlusNonIpOnEverySharedCapture()
    {
        var shared = TestPaths.RequireShared();
        var topology = TopologyLoader.Load(TestPaths.InRepo("topologies", "sample-city.yaml"));
        int files = 0;
        long packets = 0, orphans = 0, nonIp = 0;
        var wrong = new List<string>();
        foreach (var path in Captures(shared))
        {
            ICaptureReader reader;
            try { reader = CaptureOpener.Open(path); } catch (CaptureFormatException) { continue; }
            var sink = new FlowPacketsSink();
            var v = new Verifier(topology, sink, new VerifierOptions { EmitFlows = true });
            using (reader) v.ProcessAll(reader);
            var summary = new RunSummary();
            v.Finish(summary);
            files++;
            packets += summary.Packets;
            nonIp += summary.NonIp ?? 0;
            orphans += summary.Undecoded.GetValueOrDefault(Verifier.OrphanFragment);
            long undecoded = summary.Undecoded.Values.Sum();
            if (summary.Packets != sink.FlowPackets + undecoded + summary.NonIp)
                wrong.Add($"{Path.GetRelativePath(shared, path)}: packets {summary.Packets} != flows {sink.FlowPackets} + undecoded {undecoded} + non_ip {summary.NonIp}");
            if (summary.Flows != sink.Flows)
                wrong.Add($"{Path.GetRelativePath(shared, path)}: summary flows {summary.Flows} != flow events {sink.Flows}");
        }
        output.WriteLine($"{files} captures, {packets} packets ({nonIp} non-IP, {orphans} orphan fragments)");
        foreach (var w in wrong) output.WriteLine(w);
        Assert.True(files > 100, $"only {files} captures read");
        Assert.Empty(wrong);
    }

    /// <summary>Adds up the packets of the flow events.</summary>
    private sealed class FlowPacketsSink : IFindingSink
    {
        public long FlowPackets, Flows;
        public void Begin(RunInfo info) { }
        public void OnFinding(Finding f) { }
        public void OnFlow(FlowEvent f)
        {
            Flows++;
            if (f.Tunnel is { } t && t.Any(h => h.SrcIp is not null)) return; // carried inside an IP packet
            FlowPackets += f.Packets ?? 0;
        }
        public void End(RunSummary summary) { }
        public void Dispose() { }
    }
}
