using System.Buffers.Binary;
using SegVerify.Core.Capture;
using SegVerify.Core.Findings;
using SegVerify.Live.Evidence;
using SharpPcap;
using SharpPcap.LibPcap;
using Xunit;

namespace SegVerify.Live.Tests;

public class EvidenceTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "segverify-evidence-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static byte[] Frame(int i, int len)
    {
        var b = new byte[len];
        for (int k = 0; k < len; k++) b[k] = (byte)(i + k);
        return b;
    }

    private static Finding Violation(string rule) => new() { Rule = rule };

    /// <summary>Reads a classic pcap with a parser independent of the writer: (magic, linktype, records).</summary>
    private static (uint Magic, int LinkType, int Snaplen, List<(long Sec, long Frac, byte[] Data, int Orig)> Recs) Parse(string path)
    {
        var b = File.ReadAllBytes(path);
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(b);
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(4)));
        Assert.Equal(4, BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(6)));
        int snap = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(16));
        int lt = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(20));
        var recs = new List<(long, long, byte[], int)>();
        int off = 24;
        while (off < b.Length)
        {
            long sec = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(off));
            long frac = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(off + 4));
            int incl = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(off + 8));
            int orig = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(off + 12));
            recs.Add((sec, frac, b.AsSpan(off + 16, incl).ToArray(), orig));
            off += 16 + incl;
        }
        Assert.Equal(b.Length, off);
        return (magic, lt, snap, recs);
    }

    [Fact]
    public void The_writer_produces_classic_pcap_in_nanoseconds_and_microseconds()
    {
        Directory.CreateDirectory(_dir);
        var ns = Path.Combine(_dir, "ns.pcap");
        var us = Path.Combine(_dir, "us.pcap");
        const long ts = 1_767_225_600_123_456_789; // 2026-01-01T00:00:00.123456789Z
        using (var w = PcapFileWriter.Create(ns, LinkTypes.Ethernet, true, 65535)) w.Write(Frame(1, 60), 60, ts);
        using (var w = PcapFileWriter.Create(us, LinkTypes.Ethernet, false, 65535)) w.Write(Frame(1, 60), 1514, ts);
        var a = Parse(ns);
        Assert.Equal(PcapFileWriter.MagicNanoseconds, a.Magic);
        Assert.Equal(1, a.LinkType);
        Assert.Equal(65535, a.Snaplen);
        Assert.Equal((1_767_225_600L, 123_456_789L), (a.Recs[0].Sec, a.Recs[0].Frac));
        Assert.Equal(Frame(1, 60), a.Recs[0].Data);
        var b = Parse(us);
        Assert.Equal(PcapFileWriter.MagicMicroseconds, b.Magic);
        Assert.Equal((1_767_225_600L, 123_456L), (b.Recs[0].Sec, b.Recs[0].Frac));
        Assert.Equal(1514, b.Recs[0].Orig);
    }

    [Fact]
    public void Community_ids_become_safe_file_names()
    {
        Assert.Equal("1_hO-sN4H-MG5MY_8hIrXPqc4ZQz0=", EvidenceRecorder.FileNameFor("1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=", 5));
        Assert.Equal("flow-42", EvidenceRecorder.FileNameFor(null, 42));
    }

    [Fact]
    public void Only_violating_flows_are_written_capped_per_flow_and_clean_flows_free_their_buffers()
    {
        var logged = new List<string>();
        var rec = new EvidenceRecorder(_dir, maxPacketsPerFlow: 3, maxTotalBytes: 1 << 20, LinkTypes.Ethernet, nanos: true,
            snaplen: 262144, logged.Add);
        for (int i = 0; i < 5; i++)
        {
            var f1 = Frame(i, 64 + i);
            rec.OnPacket(1, new CaptureRecord(f1, 1_000 + i, f1.Length, LinkTypes.Ethernet, true, 0));
            var f2 = Frame(100 + i, 70);
            rec.OnPacket(2, new CaptureRecord(f2, 2_000 + i, f2.Length, LinkTypes.Ethernet, true, 0));
        }
        var noFlow = Frame(9, 42);
        rec.OnPacket(0, new CaptureRecord(noFlow, 5, 42, LinkTypes.Ethernet, true, 0));
        Assert.Equal(2, rec.OpenFlows);
        Assert.Equal(4, rec.PacketsNotKept);

        rec.OnFlowJudged(2, "1:clean+flow/x=", []);
        rec.OnFlowJudged(1, "1:viol+flow/y=", [Violation(RuleIds.ZoneCrossing)]);
        Assert.Equal(0, rec.OpenFlows);
        Assert.Equal(0, rec.BufferedBytes);
        Assert.Equal(1, rec.FilesWritten);
        var files = Directory.GetFiles(_dir);
        Assert.Equal([Path.Combine(_dir, "1_viol-flow_y=.pcap")], files);
        Assert.Single(logged);
        var p = Parse(files[0]);
        Assert.Equal(3, p.Recs.Count);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(Frame(i, 64 + i), p.Recs[i].Data);
            Assert.Equal(1_000 + i, p.Recs[i].Frac);
        }
    }

    [Fact]
    public void A_flow_with_only_warnings_writes_nothing_and_a_repeated_id_gets_a_new_file()
    {
        var rec = new EvidenceRecorder(_dir, 10, 1 << 20, LinkTypes.Ethernet, true, 262144);
        var f = Frame(1, 60);
        rec.OnPacket(7, new CaptureRecord(f, 1, 60, LinkTypes.Ethernet, true, 0));
        rec.OnFlowJudged(7, "1:a=", [Violation(RuleIds.UndeclaredService)]);
        Assert.Empty(Directory.GetFiles(_dir));
        rec.OnPacket(8, new CaptureRecord(f, 1, 60, LinkTypes.Ethernet, true, 0));
        rec.OnFlowJudged(8, "1:a=", [Violation(RuleIds.MynumberInternet)]);
        rec.OnPacket(9, new CaptureRecord(f, 2, 60, LinkTypes.Ethernet, true, 0));
        rec.OnFlowJudged(9, "1:a=", [Violation(RuleIds.MynumberInternet)]);
        Assert.Equal(["1_a=-2.pcap", "1_a=.pcap"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_overall_memory_cap_stops_buffering()
    {
        var rec = new EvidenceRecorder(_dir, 1000, maxTotalBytes: 1000, LinkTypes.Ethernet, true, 262144);
        var f = Frame(1, 184); // 200 bytes with the record header
        for (int i = 0; i < 10; i++) rec.OnPacket((ulong)(1 + i % 3), new CaptureRecord(f, i, 184, LinkTypes.Ethernet, true, 0));
        Assert.Equal(1000, rec.BufferedBytes);
        Assert.Equal(5, rec.PacketsNotKept);
    }

    [SkippableFact]
    public void Written_evidence_reads_back_through_libpcap()
    {
        var rec = new EvidenceRecorder(_dir, 100, 1 << 20, LinkTypes.Ethernet, nanos: true, 262144);
        var frames = Enumerable.Range(0, 4).Select(i => Frame(i, 60 + i)).ToArray();
        const long baseTs = 1_767_225_600_000_000_000;
        for (int i = 0; i < frames.Length; i++)
            rec.OnPacket(3, new CaptureRecord(frames[i], baseTs + i * 1_000_001L, frames[i].Length, LinkTypes.Ethernet, true, 0));
        rec.OnFlowJudged(3, "1:z=", [Violation(RuleIds.MynumberIsolation)]);
        var path = Path.Combine(_dir, "1_z=.pcap");

        CaptureFileReaderDevice dev;
        try
        {
            dev = new CaptureFileReaderDevice(path);
            dev.Open(new DeviceConfiguration { TimestampResolution = TimestampResolution.Nanosecond });
        }
        catch (Exception ex) when (Capture.LiveErrors.IsLibpcapMissing(ex))
        {
            const string reason = "libpcap is not installed (apt-get install libpcap0.8): skipped";
            Console.WriteLine("SKIP: " + reason);
            Skip.If(true, reason);
            return;
        }
        using (dev)
        {
            Assert.Equal(PacketDotNet.LinkLayers.Ethernet, dev.LinkType);
            int n = 0;
            while (dev.GetNextPacket(out var pc) == GetPacketStatus.PacketRead)
            {
                Assert.Equal(frames[n], pc.Data.ToArray());
                var tv = pc.Header.Timeval;
                Assert.Equal(1_767_225_600UL, tv.Seconds);
                n++;
            }
            Assert.Equal(frames.Length, n);
        }
    }
}
