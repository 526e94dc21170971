using SegVerify.Core.Capture;
using SegVerify.Core.Decoding;
using SegVerify.Core.Topology;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Core.Tests.Fuzz;

/// <summary>
/// Bounded, seeded mutation fuzzing (see <see cref="MutationFuzzer"/>) of the capture readers with the frame decoder
/// behind them, and of the topology loader. A capture may only be rejected with CaptureFormatException (or read up to
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

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void CaptureReadersAndTheDecoderRejectOnlyWithTheirOwnErrors(int rngSeed)
    {
        var failures = MutationFuzzer.Run(CaptureSeeds(), rngSeed, input =>
        {
            using var reader = CaptureOpener.Open(new MemoryStream(input), "fuzz.pcap");
            int n = 0;
            while (n++ < 100_000 && reader.TryRead(out var rec))
            {
                var p = default(DecodedPacket);
                FrameDecoder.Decode(rec.LinkType, rec.Data, ref p);
            }
        }, ex => ex is CaptureFormatException, out int iterations);
        Console.WriteLine($"fuzz captures (seed {rngSeed}): {iterations} inputs in {MutationFuzzer.Budget.TotalSeconds} s");
        Assert.True(failures.Count == 0, MutationFuzzer.Describe(failures, rngSeed));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TheTopologyLoaderRejectsOnlyWithTopologyErrors(int rngSeed)
    {
        var seeds = new List<byte[]> { File.ReadAllBytes(TestPaths.InRepo("topologies", "sample-city.yaml")) };
        foreach (var f in Directory.EnumerateFiles(TestPaths.InRepo("topologies"), "*.yaml").OrderBy(f => f, StringComparer.Ordinal)) seeds.Add(File.ReadAllBytes(f));
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
