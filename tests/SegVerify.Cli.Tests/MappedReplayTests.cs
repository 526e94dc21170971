using System.Buffers.Binary;
using System.Text.Json;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Cli.Tests;

/// <summary>
/// A capture of 1 MiB or more is replayed through a memory mapping (docs/capture-and-decoding.md, "Reading"): the run
/// must say exactly what the same run reading the file through a buffer (SEGVERIFY_NO_MMAP=1) says.
/// </summary>
public class MappedReplayTests
{
    private const int Copies = 5;

    /// <summary>
    /// The sample capture <see cref="Copies"/> times over, each copy an hour after the one before (past every idle
    /// timeout, so its flows are new flows): about 3.5 MB, above the mapping threshold.
    /// </summary>
    private static string RepeatedSample()
    {
        var src = File.ReadAllBytes(TestPaths.InRepo("captures", "sample-city.pcap"));
        Assert.Equal(0xA1B2C3D4u, BinaryPrimitives.ReadUInt32LittleEndian(src)); // little-endian, microseconds
        using var ms = new MemoryStream();
        ms.Write(src, 0, 24);
        for (uint copy = 0; copy < Copies; copy++)
        {
            int at = 24;
            while (at + 16 <= src.Length)
            {
                int capLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(src.AsSpan(at + 8));
                var record = src.AsSpan(at, 16 + capLen).ToArray();
                uint sec = BinaryPrimitives.ReadUInt32LittleEndian(record);
                BinaryPrimitives.WriteUInt32LittleEndian(record, sec + copy * 3600);
                ms.Write(record);
                at += 16 + capLen;
            }
        }
        var path = Path.Combine(Path.GetTempPath(), $"segverify-mapped-replay-{Guid.NewGuid():N}.pcap");
        File.WriteAllBytes(path, ms.ToArray());
        return path;
    }

    private static async Task<(int Exit, string Jsonl)> ReplayProcess(string capture, bool noMmap)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "segverify.dll"), "replay", capture,
                     "--topology", TestPaths.InRepo("topologies", "sample-city.yaml"), "--format", "jsonl", "--flows" })
            psi.ArgumentList.Add(a);
        if (noMmap) psi.Environment["SEGVERIFY_NO_MMAP"] = "1";
        else psi.Environment.Remove("SEGVERIFY_NO_MMAP");
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout);
    }

    /// <summary>The events without the run's duration (the only field that differs between two runs).</summary>
    private static List<string> Events(string jsonl) =>
        jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, "\"elapsed_s\":[0-9.eE+-]+", "\"elapsed_s\":0"))
            .ToList();

    [Fact]
    public async Task A_mapped_capture_gives_exactly_the_events_of_the_buffered_read()
    {
        var path = RepeatedSample();
        try
        {
            Assert.True(new FileInfo(path).Length > 1 << 20);
            var mapped = await ReplayProcess(path, noMmap: false);
            var read = await ReplayProcess(path, noMmap: true);
            Assert.Equal(1, mapped.Exit);
            Assert.Equal(read.Exit, mapped.Exit);
            Assert.Equal(Events(read.Jsonl), Events(mapped.Jsonl));

            // and it is the sample's traffic five times over (frame-level findings are reported once per device and run,
            // so the violations are not simply five times the sample's)
            var (_, single, _) = ReplayCommandTests.Replay(TestPaths.InRepo("captures", "sample-city.pcap"),
                "--topology", TestPaths.InRepo("topologies", "sample-city.yaml"));
            var summary = JsonDocument.Parse(Events(mapped.Jsonl)[^1]).RootElement;
            foreach (var k in new[] { "packets", "bytes", "flows" })
                Assert.True(Copies * single[^1].GetProperty(k).GetInt64() == summary.GetProperty(k).GetInt64(),
                    $"{k}: {summary.GetProperty(k)} against {single[^1].GetProperty(k)} x {Copies}");
            Assert.InRange(summary.GetProperty("violations").GetInt64(), single[^1].GetProperty("violations").GetInt64() + 1,
                Copies * single[^1].GetProperty("violations").GetInt64());
        }
        finally { File.Delete(path); }
    }
}
