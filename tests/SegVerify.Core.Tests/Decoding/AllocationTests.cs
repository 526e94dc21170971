using SegVerify.Core.Capture;
using SegVerify.Core.Decoding;
using SegVerify.Core.Tests.Capture;
using Xunit;
using Xunit.Abstractions;
using static SegVerify.Core.Tests.Decoding.Frames;

namespace SegVerify.Core.Tests.Decoding;

public class AllocationTests(ITestOutputHelper output)
{
    [Fact]
    public void Decoding_10000_frames_allocates_nothing()
    {
        var frames = new (int Link, byte[] Frame)[]
        {
            (LinkTypes.Ethernet, Ether4(Tcp4("10.0.0.1", "10.0.0.2", 1, 2))),
            (LinkTypes.Ethernet, Tagged(Ether6(WithExt6(Udp6("2001:db8::1", "2001:db8::2", 1, 2), (0, Ext(0, 8)), (44, Ext(44, 8)))), (0x88A8, 1), (0x8100, 2))),
            (LinkTypes.Ethernet, Ether4(IcmpEcho4("10.0.0.1", "10.0.0.2", 8, 9))),
            (LinkTypes.Ethernet, Ether(0x88CC, new byte[40])),
            (LinkTypes.Ethernet, Ether(0x8847, new byte[40])),
            (LinkTypes.Ethernet, Ether4(Tcp4("10.0.0.1", "10.0.0.2", 1, 2)).AsSpan(0, 40).ToArray()),
            (LinkTypes.Raw, Udp4("10.0.0.1", "10.0.0.2", 1, 2)),
            (160, new byte[10]),
        };
        var p = new DecodedPacket();
        long sink = 0;
        for (int i = 0; i < 1000; i++) // warm up (tiering, statics)
            foreach (var (l, f) in frames) sink += FrameDecoder.Decode(l, f, ref p) ? 1 : 0;
        // the least of three rounds: the runtime's own one-time work (tiered compilation installing the optimised code)
        // can allocate a few bytes on this thread during one round; an allocation per frame shows in every round
        long allocated = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++)
            {
                var (l, f) = frames[i % frames.Length];
                if (FrameDecoder.Decode(l, f, ref p)) sink += p.DstPort;
            }
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        output.WriteLine($"decoding 10,000 frames allocated {allocated} bytes (least of 3 rounds; sink {sink})");
        Assert.Equal(0, allocated);
    }

    private static long ReadFileAllocations(string path, out int n)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        n = 0;
        using (var r = CaptureOpener.Open(path))
        {
            var p = new DecodedPacket();
            while (r.TryRead(out var rec))
            {
                FrameDecoder.Decode(rec.LinkType, rec.Data, ref p);
                n++;
            }
        }
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reading_a_capture_file_allocates_O1_not_O_records(bool pcapng)
    {
        var dir = Directory.CreateTempSubdirectory("segv-alloc-");
        try
        {
            var frame = Ether4(Udp4("10.0.0.1", "10.0.0.2", 1, 2));
            string Write(string name, int count)
            {
                CaptureWriter w = pcapng ? CaptureWriter.PcapNg(false).Idb(1) : CaptureWriter.Pcap(false, false, 1);
                for (int i = 0; i < count; i++)
                    w = pcapng ? w.Epb(0, (ulong)i, frame) : w.Record((uint)i, 0, frame);
                var path = Path.Combine(dir.FullName, name);
                File.WriteAllBytes(path, w.ToArray());
                return path;
            }
            var small = Write("small", 20_000); // > 1 MiB: mapped (or read through the full-size buffer), like the large one
            var large = Write("large", 100_000); // ~7 MB: several buffer refills when read
            // Warm up, then keep the smallest of three runs: the runtime itself occasionally allocates a few KB on
            // this thread while the code is re-compiled by tiered compilation, which says nothing about the reader.
            long a = long.MaxValue, b = long.MaxValue;
            int ns = 0, nl = 0;
            for (int run = 0; run < 4; run++)
            {
                long sa = ReadFileAllocations(small, out ns);
                long sb = ReadFileAllocations(large, out nl);
                if (run == 0) continue;
                a = Math.Min(a, sa);
                b = Math.Min(b, sb);
            }
            Assert.Equal(20_000, ns);
            Assert.Equal(100_000, nl);
            output.WriteLine($"{(pcapng ? "pcapng" : "pcap")}: 20,000 records: {a} bytes; 100,000 records: {b} bytes");
            // The same fixed cost (the mapping or the buffer, the stream, the reader): no per-record allocation. The large
            // file has 80,000 records more, so one allocation per record (24 bytes at least) would add 1.9 MB; less than
            // a byte per extra record is the runtime's own noise (tiered compilation swapping in the reader's optimised
            // code allocates a few KB on this thread, and a run that includes it can be the least of the three).
            Assert.True(b - a < 65536, $"large file allocated {b - a} bytes more than the small one");
            Assert.True(b < CaptureInput.DefaultBufferSize + 65536, $"reading allocated {b} bytes");
        }
        finally { dir.Delete(true); }
    }
}
