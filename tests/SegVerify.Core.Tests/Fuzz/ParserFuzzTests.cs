using SegVerify.Core.Capture;
using SegVerify.Core.Engine;
using SegVerify.Core.Findings;
using SegVerify.Core.Output;
using SegVerify.Core.Topology;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Core.Tests.Fuzz;

/// <summary>
/// Bounded, seeded mutation fuzzing (see <see cref="MutationFuzzer"/>) of the capture readers with the whole engine
/// behind them (frame decoder, tunnels, fragments, frame checks, flow tracker, judgement), and of the topology loader. A capture may only be rejected with CaptureFormatException (or read up to
/// its damage); a topology only with TopologyException. Anything else is a bug: the failure message carries the input.
/// </summary>
public class ParserFuzzTests
{
    private static List<byte[]> CaptureSeeds()
    {
        var seeds = new List<byte[]>();
        var sample = File.ReadAllBytes(TestPaths.InRepo("captures", "sample-city.pcap"));
        seeds.Add(sample[..Math.Min(sample.Length, 16 * 1024)]);
        if (TestPaths.Shared is { } shared)
            foreach (var f in Directory.EnumerateFiles(Path.Combine(shared, "captures"), "*", SearchOption.AllDirectories)
                         .Where(CaptureOpener.IsCaptureFile).Where(f => new FileInfo(f).Length < 64 * 1024).OrderBy(f => f, StringComparer.Ordinal).Take(40))
                seeds.Add(File.ReadAllBytes(f));
        return seeds;
    }

    private sealed class NullSink : IFindingSink
    {
        public void Begin(RunInfo info) { }
        public void OnFinding(Finding finding) { }
        public void OnFlow(FlowEvent flow) { }
        public void OnProbe(ProbeResult probe) { }
        public void End(RunSummary summary) { }
        public void Dispose() { }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void CaptureReadersAndTheEngineRejectOnlyWithTheirOwnErrors(int rngSeed)
    {
        var topology = TopologyLoader.Load(TestPaths.InRepo("topologies", "sample-city.yaml"), "en");
        var failures = MutationFuzzer.Run(CaptureSeeds(), rngSeed, input =>
        {
            using var reader = CaptureOpener.Open(new MemoryStream(input), "fuzz.pcap");
            var summary = new RunSummary();
            // small tables, so that eviction runs too
            var engine = new Verifier(topology, new CountingSink(new NullSink(), summary), new VerifierOptions { MaxFlows = 64, EmitFlows = true });
            engine.CurrentCapture = "fuzz.pcap";
            engine.ProcessAll(reader);
            engine.Finish(summary);
        }, ex => ex is CaptureFormatException, out int iterations);
        Console.WriteLine($"fuzz captures through the engine (seed {rngSeed}): {iterations} inputs in {MutationFuzzer.Budget.TotalSeconds} s");
        Assert.True(failures.Count == 0, MutationFuzzer.Describe(failures, rngSeed));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TheTopologyLoaderRejectsOnlyWithTopologyErrors(int rngSeed)
    {
        var seeds = new List<byte[]> { File.ReadAllBytes(TestPaths.InRepo("topologies", "sample-city.yaml")) };
        foreach (var f in Directory.EnumerateFiles(TestPaths.InRepo("topologies"), "*.yaml").OrderBy(f => f, StringComparer.Ordinal)) seeds.Add(File.ReadAllBytes(f));
        if (TestPaths.Shared is { } shared) // the labelled scenarios' topologies
            foreach (var f in Directory.EnumerateFiles(Path.Combine(shared, "scenarios"), "*.yaml", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
                seeds.Add(File.ReadAllBytes(f));
        var path = Path.Combine(Path.GetTempPath(), $"segv-fuzz-{Guid.NewGuid():N}.yaml");
        try
        {
            var failures = MutationFuzzer.Run(seeds, rngSeed, input =>
            {
                File.WriteAllBytes(path, input); // through Load, so the UTF-8 and size checks are fuzzed too
                TopologyLoader.Load(path, rngSeed == 1 ? "en" : "ja");
            }, ex => ex is TopologyException, out int iterations);
            Console.WriteLine($"fuzz topology (seed {rngSeed}): {iterations} inputs in {MutationFuzzer.Budget.TotalSeconds} s");
            Assert.True(failures.Count == 0, MutationFuzzer.Describe(failures, rngSeed));
        }
        finally { File.Delete(path); }
    }
}
