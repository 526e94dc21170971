using System.Buffers.Binary;
using System.Net;
using SegVerify.Archive;
using SegVerify.Cli.Tests.Collect;
using SegVerify.Tests.Common;
using SegVerify.Tests.Common.Archive;
using Xunit;

namespace SegVerify.Cli.Tests.Archive;

/// <summary>
/// collect --archive: reading a capture of export traffic, the Parquet archive holds exactly the flow events of the
/// JSON Lines of the same run (every archived field), with or without --flows on the output.
/// </summary>
public sealed class ArchiveCollectTests : IDisposable
{
    private static string Topology => TestPaths.InRepo("topologies", "sample-city.yaml");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "segverify-archive-collect-" + Guid.NewGuid().ToString("N"));

    public ArchiveCollectTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private const long T0Ms = 1_775_034_000_000; // 2026-04-01T09:00:00Z

    /// <summary>One IPFIX message: template 256 (addresses, ports, protocol, TCP flags, packets, bytes, start and end in ms) and its records.</summary>
    private static byte[] IpfixMessage(uint sequence, params (string Src, ushort Sp, string Dst, ushort Dp, byte Proto, byte Flags, uint Packets, uint Bytes, long StartMs)[] flows)
    {
        var ms = new MemoryStream();
        void U16(int v) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)v); ms.Write(b); }
        void U32(uint v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32BigEndian(b, v); ms.Write(b); }
        void U64(long v) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteInt64BigEndian(b, v); ms.Write(b); }
        // header: version, length (patched), export time, sequence, observation domain
        U16(10); U16(0); U32((uint)(T0Ms / 1000 + 60)); U32(sequence); U32(0);
        // template set
        (int Ie, int Len)[] fields = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 1), (2, 4), (1, 4), (152, 8), (153, 8)];
        U16(2); U16(4 + 4 + fields.Length * 4); U16(256); U16(fields.Length);
        foreach (var (ie, len) in fields) { U16(ie); U16(len); }
        // data set
        U16(256); U16(4 + flows.Length * 38);
        foreach (var f in flows)
        {
            ms.Write(IPAddress.Parse(f.Src).GetAddressBytes());
            ms.Write(IPAddress.Parse(f.Dst).GetAddressBytes());
            U16(f.Sp); U16(f.Dp); ms.WriteByte(f.Proto); ms.WriteByte(f.Flags); U32(f.Packets); U32(f.Bytes); U64(f.StartMs); U64(f.StartMs + 1500);
        }
        var m = ms.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), (ushort)m.Length);
        return m;
    }

    /// <summary>A capture of two IPFIX export datagrams: flows the sample topology allows and forbids, TCP and UDP.</summary>
    private string ExportCapture()
    {
        var path = Path.Combine(_dir, "export.pcap");
        ExporterHarness.WritePcap(path, [
            IpfixMessage(0,
                ("10.10.1.11", 40000, "1.1.1.1", 53, 17, 0, 1, 74, T0Ms),                 // My Number tier to the Internet
                ("10.20.1.11", 40001, "198.51.100.10", 443, 6, 0x1b, 12, 5_400, T0Ms + 1_000),
                ("198.51.100.10", 443, "10.20.1.11", 40001, 6, 0x1b, 10, 9_800, T0Ms + 1_010)),
            IpfixMessage(3,
                // each TCP connection as two one-way records (the client's starts first), as softflowd exports them
                ("10.30.1.11", 40002, "10.20.0.60", 445, 6, 0x1b, 8, 1_200, T0Ms + 2_000),  // Internet-side host to the LGWAN file server
                ("10.20.0.60", 445, "10.30.1.11", 40002, 6, 0x1b, 7, 3_300, T0Ms + 2_010),
                ("10.20.1.11", 40003, "10.20.0.60", 445, 6, 0x1b, 6, 900, T0Ms + 3_000),
                ("10.20.0.60", 445, "10.20.1.11", 40003, 6, 0x1b, 5, 2_100, T0Ms + 3_010)),
        ]);
        return path;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_archive_rows_equal_the_flow_events_of_the_same_run(bool flowsInOutput)
    {
        var capture = ExportCapture();
        var archive = Path.Combine(_dir, "archive");
        string[] args = ["collect", capture, "--topology", Topology, "--format", "jsonl", "--archive", archive, "--sensor", "collector1", "--lang", "en"];
        var r = InProcessCli.Run(flowsInOutput ? [.. args, "--flows"] : args);
        Assert.True(r.Exit == 1, $"exit {r.Exit}: {r.Err}");
        var summary = System.Text.Json.JsonDocument.Parse(r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;
        var rows = ArchiveRows.FromArchive(archive);
        Assert.Equal(summary.GetProperty("archive").GetProperty("rows").GetInt64(), rows.Count);
        Assert.Equal(1, summary.GetProperty("archive").GetProperty("files").GetInt64());
        Assert.Equal(4, rows.Count); // the two records of each TCP connection are one flow
        Assert.Equal(["date=2026-04-01/sensor=collector1"],
            ArchiveQuery.Files(archive).Select(f => Path.GetRelativePath(archive, Path.GetDirectoryName(f)!).Replace('\\', '/')));
        if (flowsInOutput)
            Assert.Equal(ArchiveRows.FromJsonl("collector1", r.Out), rows);
        else
        {
            Assert.Empty(ArchiveRows.FlowEvents(r.Out));
            // the same rows as a run that prints its flow events
            var again = InProcessCli.Run([.. args[..^6], "--archive", Path.Combine(_dir, "again"), "--sensor", "collector1", "--lang", "en", "--flows"]);
            Assert.Equal(ArchiveRows.FromJsonl("collector1", again.Out), rows);
        }
        // verdicts as judged: the forbidden crossings are violations in the archive too
        Assert.True(rows.Any(k => k.Contains("|mynumber-internet|10.10.1.11|")), string.Join("\n", rows));
        Assert.True(rows.Any(k => k.Contains("|lgwan-internet-separation|10.30.1.11|")), string.Join("\n", rows));
    }

    [SkippableFact]
    public void The_archive_of_softflowds_export_of_the_sample_equals_the_flow_events()
    {
        ExporterHarness.Require("softflowd", "softflowctl");
        var datagrams = ExporterHarness.Export(TestPaths.InRepo("captures", "sample-city.pcap"), ["-v", "10", "-b", "-T", "ether", "-a", "-A", "micro"]);
        Assert.NotEmpty(datagrams);
        var capture = Path.Combine(_dir, "softflowd.pcap");
        ExporterHarness.WritePcap(capture, datagrams);
        var archive = Path.Combine(_dir, "archive");
        var r = InProcessCli.Run("collect", capture, "--topology", Topology, "--format", "jsonl", "--flows", "--archive", archive, "--sensor", "sf", "--lang", "en");
        Assert.True(r.Exit == 1, $"exit {r.Exit}: {r.Err}");
        var expected = ArchiveRows.FromJsonl("sf", r.Out);
        Assert.True(expected.Count > 10, $"only {expected.Count} flows");
        Assert.Equal(expected, ArchiveRows.FromArchive(archive));
    }
}
