using System.Buffers.Binary;
using SegVerify.Core.Capture;
using SegVerify.Core.Findings;
using SegVerify.Core.Evidence;
using SegVerify.Core.Net;
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

    private EvidenceRecorder Recorder(int maxPackets = 1000, long maxBytes = 1 << 20, int maxFiles = 100, List<string>? logged = null) =>
        new(new EvidenceOptions { Directory = _dir, MaxPacketsPerFlow = maxPackets, MaxBufferedBytes = maxBytes, MaxFiles = maxFiles },
            logged is null ? null : (path, _) => logged.Add(path));

    private static CaptureRecord Rec(byte[] f, long ts) => new(f, ts, f.Length, LinkTypes.Ethernet, true, 0);

    [Fact]
    public void Only_flows_that_may_violate_are_buffered_capped_per_flow_and_only_violating_ones_are_written()
    {
        var logged = new List<string>();
        var rec = Recorder(maxPackets: 3, logged: logged);
        rec.OnFlowOpen(1, mayFind: true);
        rec.OnFlowOpen(2, mayFind: true);
        rec.OnFlowOpen(3, mayFind: false);
        for (int i = 0; i < 5; i++)
        {
            rec.OnPacket(1, Rec(Frame(i, 64 + i), 1_000 + i));
            rec.OnPacket(2, Rec(Frame(100 + i, 70), 2_000 + i));
            rec.OnPacket(3, Rec(Frame(200 + i, 70), 3_000 + i));
        }
        rec.OnPacket(0, Rec(Frame(9, 42), 5));
        Assert.Equal(2, rec.OpenFlows);
        Assert.Equal(2, rec.FlowsBuffered);
        Assert.Equal(4, rec.PacketsOverFlowCap);
        Assert.Equal(3 * (16 + 64) + 3 + 3 * (16 + 70), rec.BufferedBytes);

        Assert.Null(rec.OnFlowJudged(2, "1:clean+flow/x=", []));
        Assert.Null(rec.OnFlowJudged(3, "1:never+buffered=", []));
        Assert.Equal(Path.Combine(_dir, "1_viol-flow_y=.pcap"), rec.OnFlowJudged(1, "1:viol+flow/y=", [Violation(RuleIds.ZoneCrossing)]));
        Assert.Equal(0, rec.OpenFlows);
        Assert.Equal(0, rec.BufferedBytes);
        Assert.Equal(1, rec.FilesWritten);
        var files = Directory.GetFiles(_dir);
        Assert.Equal([Path.Combine(_dir, "1_viol-flow_y=.pcap")], files);
        Assert.Equal(files, logged);
        var p = Parse(files[0]);
        Assert.Equal(3, p.Recs.Count);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(Frame(i, 64 + i), p.Recs[i].Data);
            Assert.Equal(1_000 + i, p.Recs[i].Frac);
        }
    }

    [Fact]
    public void A_flow_with_only_warnings_is_written_too_and_a_repeated_id_gets_a_new_file()
    {
        var rec = Recorder(maxPackets: 10);
        var f = Frame(1, 60);
        rec.OnFlowOpen(7, true);
        rec.OnPacket(7, Rec(f, 1));
        Assert.Equal(Path.Combine(_dir, "1_a=.pcap"), rec.OnFlowJudged(7, "1:a=", [Violation(RuleIds.UndeclaredService)]));
        rec.OnFlowOpen(8, true);
        rec.OnPacket(8, Rec(f, 1));
        Assert.Equal(Path.Combine(_dir, "1_a=-2.pcap"), rec.OnFlowJudged(8, "1:a=", [Violation(RuleIds.MynumberInternet)]));
        rec.OnFlowOpen(9, true);
        rec.OnPacket(9, Rec(f, 2));
        Assert.Null(rec.OnFlowJudged(9, "1:a=", []));   // no finding: nothing written
        Assert.Equal(["1_a=-2.pcap", "1_a=.pcap"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_flow_only_the_large_transfer_limit_can_flag_is_buffered_from_the_packet_that_passes_it()
    {
        var rec = Recorder();
        rec.OnFlowOpen(5, findingFromByte: 150);
        rec.OnFlowOpen(6, findingFromByte: 150);
        rec.OnPacket(5, Rec(Frame(1, 100), 1));   // 100 of 150: not kept
        rec.OnPacket(5, Rec(Frame(2, 50), 2));    // 150: not past the limit yet
        rec.OnPacket(6, Rec(Frame(3, 100), 3));
        Assert.Equal(0, rec.OpenFlows);
        rec.OnPacket(5, Rec(Frame(4, 60), 4));    // 210: past it, kept from here
        rec.OnPacket(5, Rec(Frame(5, 60), 5));
        Assert.Equal(1, rec.OpenFlows);
        Assert.Null(rec.OnFlowJudged(6, "1:small=", []));
        var path = rec.OnFlowJudged(5, "1:big=", [Violation(RuleIds.LargeTransfer)]);
        Assert.Equal(Path.Combine(_dir, "1_big=.pcap"), path);
        Assert.Equal([Frame(4, 60), Frame(5, 60)], Parse(path!).Recs.Select(r => r.Data));
        Assert.Equal(0, rec.BufferedBytes);
        Assert.Equal(1, rec.FlowsBuffered);
    }

    [Fact]
    public void A_frame_finding_gets_the_frame_in_its_own_file_and_the_file_cap_counts_the_ones_past_it()
    {
        var rec = Recorder(maxFiles: 2);
        var mac = MacAddr.Parse("02:00:00:00:00:01");
        var vlan = new Finding { Rule = RuleIds.VlanMismatch, CommunityId = "1:v/w=", SrcMac = mac, SrcIp = IpAddr.Parse("10.0.0.1") };
        var arp = new Finding { Rule = RuleIds.MacBinding, SrcMac = mac, SrcIp = IpAddr.Parse("10.0.0.2") };
        var a = rec.OnFrameFinding(vlan, Rec(Frame(1, 64), 11));
        var b = rec.OnFrameFinding(arp, Rec(Frame(2, 42), 12));
        Assert.Equal(Path.Combine(_dir, "vlan-mismatch-1_v_w=.pcap"), a);
        Assert.Equal(Path.Combine(_dir, "mac-binding-02_00_00_00_00_01-10.0.0.2.pcap"), b);
        Assert.Equal([Frame(1, 64)], Parse(a!).Recs.Select(r => r.Data));
        var p = Parse(b!);
        Assert.Equal(12, p.Recs[0].Frac);
        Assert.Equal([Frame(2, 42)], p.Recs.Select(r => r.Data));
        Assert.Null(rec.OnFrameFinding(vlan, Rec(Frame(3, 64), 13)));
        Assert.Equal(1, rec.FramesOverFileCap);
        var summary = new SegVerify.Core.Output.RunSummary();
        rec.AddToSummary(summary);
        Assert.Equal(1L, summary.Extra.Single(kv => kv.Key == "evidence_frames_over_file_cap").Value);
        Assert.Equal(2L, summary.Extra.Single(kv => kv.Key == "evidence_files").Value);
    }

    [Fact]
    public void A_frame_violation_buffers_its_flow_from_that_packet_and_writes_it_though_the_verdict_is_clean()
    {
        var rec = Recorder();
        rec.OnFlowOpen(4, mayFind: false);
        rec.OnPacket(4, Rec(Frame(1, 60), 1));       // not kept: the flow cannot violate by policy
        rec.OnFrameViolation("1:mac=");
        rec.OnPacket(4, Rec(Frame(2, 60), 2));       // the packet with the mac-binding violation: kept from here
        rec.OnPacket(4, Rec(Frame(3, 60), 3));
        Assert.Equal(1, rec.FlowsBuffered);
        Assert.NotNull(rec.OnFlowJudged(4, "1:mac=", []));
        var p = Parse(Path.Combine(_dir, "1_mac=.pcap"));
        Assert.Equal([Frame(2, 60), Frame(3, 60)], p.Recs.Select(r => r.Data));
    }

    [Fact]
    public void The_overall_memory_cap_stops_buffering_and_is_counted()
    {
        var rec = Recorder(maxBytes: 1000);
        var f = Frame(1, 184); // 200 bytes with the record header
        for (ulong id = 1; id <= 3; id++) rec.OnFlowOpen(id, true);
        for (int i = 0; i < 10; i++) rec.OnPacket((ulong)(1 + i % 3), Rec(f, i));
        Assert.Equal(1000, rec.BufferedBytes);
        Assert.Equal(5, rec.PacketsOverByteCap);
        Assert.Equal(0, rec.PacketsOverFlowCap);
        Assert.Equal(5, rec.PacketsNotKept);
    }

    [Fact]
    public void The_file_cap_stops_writing_and_buffering_and_counts_the_violating_flows_past_it()
    {
        var rec = Recorder(maxFiles: 2);
        var f = Frame(1, 60);
        for (ulong id = 1; id <= 3; id++)
        {
            rec.OnFlowOpen(id, true);
            rec.OnPacket(id, Rec(f, (long)id));
            rec.OnFlowJudged(id, "1:f" + id + "=", [Violation(RuleIds.ZoneCrossing)]);
        }
        rec.OnFlowOpen(4, true);
        Assert.Equal(0, rec.OpenFlows);                  // nothing more is buffered once no file can be written
        rec.OnFlowJudged(4, "1:f4=", [Violation(RuleIds.ZoneCrossing)]);
        rec.OnFlowJudged(5, "1:f5=", []);                // clean: not counted
        Assert.Equal(2, rec.FilesWritten);
        Assert.Equal(2, rec.FlowsOverFileCap);
        Assert.Equal(2, Directory.GetFiles(_dir).Length);
        var summary = new SegVerify.Core.Output.RunSummary();
        rec.AddToSummary(summary);
        Assert.Equal(2L, summary.Extra.Single(kv => kv.Key == "evidence_files").Value);
        Assert.Equal(2L, summary.Extra.Single(kv => kv.Key == "evidence_flows_over_file_cap").Value);
    }

    [SkippableFact]
    public void Written_evidence_reads_back_through_libpcap()
    {
        var rec = Recorder(maxPackets: 100);
        rec.OnFlowOpen(3, true);
        var frames = Enumerable.Range(0, 4).Select(i => Frame(i, 60 + i)).ToArray();
        const long baseTs = 1_767_225_600_000_000_000;
        for (int i = 0; i < frames.Length; i++)
            rec.OnPacket(3, Rec(frames[i], baseTs + i * 1_000_001L));
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
