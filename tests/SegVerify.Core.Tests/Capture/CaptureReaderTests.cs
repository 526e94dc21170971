using SegVerify.Core.Capture;
using Xunit;

namespace SegVerify.Core.Tests.Capture;

public sealed record Rec(long Ts, int Orig, int Link, bool Nanos, long Offset, byte[] Data);

public static class ReadAllHelper
{
    public static List<Rec> ReadAll(ICaptureReader r)
    {
        var list = new List<Rec>();
        while (r.TryRead(out var rec))
            list.Add(ToRec(rec));
        return list;
    }

    /// <summary>Two readings of the same records: same count, and each record's every field and bytes equal.</summary>
    public static void AssertSame(List<Rec> expected, List<Rec> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Ts, actual[i].Ts);
            Assert.Equal(expected[i].Orig, actual[i].Orig);
            Assert.Equal(expected[i].Link, actual[i].Link);
            Assert.Equal(expected[i].Offset, actual[i].Offset);
            Assert.Equal(expected[i].Data, actual[i].Data);
        }
    }

    public static Rec ToRec(in CaptureRecord rec) =>
        new(rec.TimestampNs, rec.OriginalLength, rec.LinkType, rec.NanosecondResolution, rec.FileOffset, rec.Data.ToArray());

    public static (List<Rec> Records, CaptureDamage? Damage) Read(byte[] file, int bufferSize = CaptureInput.DefaultBufferSize)
    {
        using var r = CaptureOpener.Open(new MemoryStream(file), "t", ownsStream: true, bufferSize);
        var recs = ReadAll(r);
        return (recs, r.Damage);
    }
}

public class CaptureReaderTests
{
    private static (List<Rec> Records, CaptureDamage? Damage) Read(byte[] f, int buf = CaptureInput.DefaultBufferSize) => ReadAllHelper.Read(f, buf);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Pcap_microseconds_both_byte_orders(bool be)
    {
        var f1 = CaptureWriter.Frame(60, 1);
        var f2 = CaptureWriter.Frame(30, 2);
        // Link type field with FCS bits (0x1 << 28 | F bit) and a reserved bit set: only the low 16 bits count.
        var w = CaptureWriter.Pcap(be, nanos: false, linkTypeField: 0x1400_0001)
            .Record(1_700_000_000, 123_456, f1)
            .Record(4_294_967_295, 999_999, f2, origLen: 1514);
        var (recs, dmg) = Read(w.ToArray());
        Assert.Null(dmg);
        Assert.Equal(2, recs.Count);
        Assert.Equal(1_700_000_000L * 1_000_000_000 + 123_456_000, recs[0].Ts);
        Assert.Equal(4_294_967_295L * 1_000_000_000 + 999_999_000, recs[1].Ts);
        Assert.All(recs, r => Assert.Equal(LinkTypes.Ethernet, r.Link));
        Assert.All(recs, r => Assert.False(r.Nanos));
        Assert.Equal(60, recs[0].Orig);
        Assert.Equal(1514, recs[1].Orig);
        Assert.Equal(f1, recs[0].Data);
        Assert.Equal(f2, recs[1].Data);
        Assert.Equal(24, recs[0].Offset);
        Assert.Equal(24 + 16 + 60, recs[1].Offset);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Pcap_nanoseconds_both_byte_orders(bool be)
    {
        var w = CaptureWriter.Pcap(be, nanos: true, linkTypeField: 101).Record(10, 999_999_999, CaptureWriter.Frame(20, 0x45));
        var (recs, dmg) = Read(w.ToArray());
        Assert.Null(dmg);
        var r = Assert.Single(recs);
        Assert.Equal(10_999_999_999L, r.Ts);
        Assert.True(r.Nanos);
        Assert.Equal(LinkTypes.Raw, r.Link);
    }

    [Fact]
    public void Pcap_truncated_last_record_is_damage_at_its_offset()
    {
        var bytes = CaptureWriter.Pcap(false, false, 1).Record(1, 0, CaptureWriter.Frame(40, 0)).Record(2, 0, CaptureWriter.Frame(40, 0)).ToArray();
        var cut = bytes.AsSpan(0, bytes.Length - 5).ToArray();
        var (recs, dmg) = Read(cut);
        Assert.Single(recs);
        Assert.NotNull(dmg);
        Assert.Equal(24 + 16 + 40, dmg!.Offset);
        Assert.Equal("t", dmg.File);
        Assert.Contains("truncated record", dmg.Reason);
    }

    [Fact]
    public void Pcap_truncated_record_header_is_damage()
    {
        var bytes = CaptureWriter.Pcap(false, false, 1).Record(1, 0, CaptureWriter.Frame(40, 0)).ToArray();
        var (recs, dmg) = Read([.. bytes, 1, 2, 3, 4, 5, 6]);
        Assert.Single(recs);
        Assert.Equal(bytes.Length, dmg!.Offset);
        Assert.Contains("truncated record header", dmg.Reason);
    }

    [Fact]
    public void Pcap_absurd_caplen_is_damage()
    {
        var w = CaptureWriter.Pcap(false, false, 1).Record(1, 0, CaptureWriter.Frame(10, 0))
            .Record(1, 0, CaptureWriter.Frame(10, 0), capLenField: 300u << 20);
        var (recs, dmg) = Read(w.ToArray());
        Assert.Single(recs);
        Assert.Equal(24 + 16 + 10, dmg!.Offset);
        Assert.Contains("absurd", dmg.Reason);
    }

    [Fact]
    public void Pcap_header_only_is_a_valid_empty_capture()
    {
        var (recs, dmg) = Read(CaptureWriter.Pcap(false, false, 1).ToArray());
        Assert.Empty(recs);
        Assert.Null(dmg);
    }

    [Theory]
    [InlineData(new byte[0], "empty")]
    [InlineData(new byte[] { 0xD4, 0xC3 }, "too short")]
    [InlineData(new byte[] { 0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0 }, "header is truncated")]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0 }, "unknown file magic")]
    [InlineData(new byte[] { 0x0A, 0x0D, 0x0D, 0x0A, 28, 0, 0, 0, 1, 2, 3, 4 }, "byte-order magic")]
    public void Not_a_capture_throws_CaptureFormatException(byte[] content, string expected)
    {
        var ex = Assert.Throws<CaptureFormatException>(() => CaptureOpener.Open(new MemoryStream(content), "x.pcap"));
        Assert.Contains(expected, ex.Message);
        Assert.Equal("x.pcap", ex.File);
        Assert.Equal(0, ex.Offset);
    }

    [Fact]
    public void Open_path_of_an_empty_file_throws_and_missing_file_is_FileNotFound()
    {
        var dir = Directory.CreateTempSubdirectory("segv-cap-");
        try
        {
            var empty = Path.Combine(dir.FullName, "empty.pcap");
            File.WriteAllBytes(empty, []);
            Assert.Throws<CaptureFormatException>(() => CaptureOpener.Open(empty));
            var ex = Assert.Throws<FileNotFoundException>(() => CaptureOpener.Open(Path.Combine(dir.FullName, "nope.pcap")));
            Assert.Contains("nope.pcap", ex.Message);
        }
        finally { dir.Delete(true); }
    }

    private static byte[] RichPcapNg(bool be)
    {
        // Section 1: Ethernet (default 10^-6), NULL with 10^-9, Ethernet with 2^-10 and an offset of 100 s.
        // Then unknown blocks, OPB, SPB; section 2 in the other byte order resets the interfaces.
        return CaptureWriter.PcapNg(be)
            .Idb(1, snap: 0)
            .Idb(0, snap: 0, tsresol: 9)
            .Idb(1, snap: 0, tsresol: 0x80 | 10, tsoffset: 100)
            .Other(4, 20)                                  // NRB
            .Epb(0, 1_700_000_000_123_456UL, CaptureWriter.Frame(42, 1), origLen: 60)
            .Epb(1, 1_700_000_000_123_456_789UL, CaptureWriter.Frame(33, 2))
            .Other(5, 28)                                  // ISB
            .Epb(2, (5UL << 10) | 512, CaptureWriter.Frame(17, 3))
            .Opb(0, 2_000_000, CaptureWriter.Frame(14, 4))
            .Other(0x0BAD, 7)                              // custom block
            .Shb(bigEndian: !be)
            .Idb(101, snap: 8)
            .Spb(CaptureWriter.Frame(8, 5), origLen: 100)  // cut to the snap length
            .Epb(0, 7, CaptureWriter.Frame(21, 6))
            .Other(10, 12)                                 // DSB
            .ToArray();
    }

    [Fact]
    public void A_simple_packet_block_takes_the_time_of_the_packet_before_it_in_its_section()
    {
        var file = CaptureWriter.PcapNg(false)
            .Idb(1, snap: 0)
            .Epb(0, 1_700_000_000_000_001UL, CaptureWriter.Frame(20, 1))
            .Spb(CaptureWriter.Frame(20, 2), origLen: 20)
            .Spb(CaptureWriter.Frame(20, 3), origLen: 20)
            .Epb(0, 1_700_000_000_000_009UL, CaptureWriter.Frame(20, 4))
            .Spb(CaptureWriter.Frame(20, 5), origLen: 20)
            .Shb()
            .Idb(1, snap: 0)
            .Spb(CaptureWriter.Frame(20, 6), origLen: 20) // first of its section: no packet before it
            .ToArray();
        var (recs, dmg) = Read(file);
        Assert.Null(dmg);
        Assert.Equal([1_700_000_000_000_001_000L, 1_700_000_000_000_001_000L, 1_700_000_000_000_001_000L,
                      1_700_000_000_000_009_000L, 1_700_000_000_000_009_000L, 0L], recs.Select(r => r.Ts));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PcapNg_sections_interfaces_resolutions_and_block_kinds(bool be)
    {
        var (recs, dmg) = Read(RichPcapNg(be));
        Assert.Null(dmg);
        Assert.Equal(6, recs.Count);

        Assert.Equal(1_700_000_000_123_456_000L, recs[0].Ts);
        Assert.Equal(LinkTypes.Ethernet, recs[0].Link);
        Assert.False(recs[0].Nanos);
        Assert.Equal(60, recs[0].Orig);
        Assert.Equal(42, recs[0].Data.Length);
        Assert.Equal(CaptureWriter.Frame(42, 1), recs[0].Data);

        Assert.Equal(1_700_000_000_123_456_789L, recs[1].Ts);
        Assert.Equal(LinkTypes.Null, recs[1].Link);
        Assert.True(recs[1].Nanos);

        // 2^-10: 5 s + 512/1024 s, plus if_tsoffset 100 s.
        Assert.Equal(105_500_000_000L, recs[2].Ts);
        Assert.False(recs[2].Nanos);

        Assert.Equal(2_000_000_000L, recs[3].Ts); // OPB on interface 0 (10^-6)
        Assert.Equal(CaptureWriter.Frame(14, 4), recs[3].Data);

        // SPB: interface 0 of section 2, no timestamp, original length from the block, data cut to the snap length.
        Assert.Equal(LinkTypes.Raw, recs[4].Link);
        Assert.Equal(100, recs[4].Orig);
        Assert.Equal(8, recs[4].Data.Length);
        Assert.Equal(0, recs[4].Ts);

        Assert.Equal(7_000L, recs[5].Ts);
        Assert.Equal(LinkTypes.Raw, recs[5].Link);
        Assert.Equal(21, recs[5].Data.Length);
        Assert.Equal(28 + 20 + 32 + 44 + 32, recs[0].Offset); // SHB, three IDBs, NRB
    }

    [Fact]
    public void PcapNg_record_offsets_point_at_their_blocks()
    {
        var w = CaptureWriter.PcapNg(false).Idb(1);
        long first = w.Length;
        w.Epb(0, 1, CaptureWriter.Frame(10, 0));
        long second = w.Length;
        w.Epb(0, 2, CaptureWriter.Frame(10, 0));
        var (recs, _) = Read(w.ToArray());
        Assert.Equal([first, second], recs.Select(r => r.Offset));
    }

    [Fact]
    public void PcapNg_with_only_a_section_header_is_a_valid_empty_capture()
    {
        var (recs, dmg) = Read(CaptureWriter.PcapNg(false).ToArray());
        Assert.Empty(recs);
        Assert.Null(dmg);
    }

    [Fact]
    public void PcapNg_trailing_length_mismatch_is_damage_at_the_block()
    {
        var w = CaptureWriter.PcapNg(true).Idb(1).Epb(0, 1, CaptureWriter.Frame(10, 0));
        long bad = w.Length;
        w.BadTrailer().Epb(0, 2, CaptureWriter.Frame(10, 0));
        var (recs, dmg) = Read(w.ToArray());
        Assert.Single(recs);
        Assert.Equal(bad, dmg!.Offset);
        Assert.Contains("trailing length", dmg.Reason);
    }

    [Fact]
    public void PcapNg_packet_on_an_unknown_interface_is_damage()
    {
        var w = CaptureWriter.PcapNg(false).Idb(1);
        long bad = w.Length;
        w.Epb(3, 1, CaptureWriter.Frame(10, 0));
        var (recs, dmg) = Read(w.ToArray());
        Assert.Empty(recs);
        Assert.Equal(bad, dmg!.Offset);
        Assert.Contains("interface 3", dmg.Reason);
    }

    [Fact]
    public void PcapNg_new_section_forgets_the_previous_interfaces()
    {
        var w = CaptureWriter.PcapNg(false).Idb(1).Epb(0, 1, CaptureWriter.Frame(10, 0)).Shb();
        long bad = w.Length;
        w.Epb(0, 2, CaptureWriter.Frame(10, 0));
        var (recs, dmg) = Read(w.ToArray());
        Assert.Single(recs);
        Assert.Equal(bad, dmg!.Offset);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(30)]
    public void PcapNg_truncated_last_block_is_damage(int cut)
    {
        var w = CaptureWriter.PcapNg(false).Idb(1).Epb(0, 1, CaptureWriter.Frame(10, 0));
        long last = w.Length;
        var bytes = w.Epb(0, 2, CaptureWriter.Frame(30, 0)).ToArray();
        var (recs, dmg) = Read(bytes.AsSpan(0, bytes.Length - cut).ToArray());
        Assert.Single(recs);
        Assert.Equal(last, dmg!.Offset);
    }

    [Theory]
    [InlineData(13)]
    [InlineData(6)]
    public void PcapNg_bad_block_length_is_damage(int badLength)
    {
        var w = CaptureWriter.PcapNg(false).Idb(1);
        long bad = w.Length;
        var bytes = w.ToArray().Concat(new byte[] { 6, 0, 0, 0, (byte)badLength, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }).ToArray();
        var (recs, dmg) = Read(bytes);
        Assert.Empty(recs);
        Assert.Equal(bad, dmg!.Offset);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    [InlineData(true, 3)]
    public void NonSeekable_trickling_stream_and_tiny_buffers_give_the_same_records(bool pcapng, int seed)
    {
        byte[] file;
        if (pcapng) file = RichPcapNg(seed % 2 == 0);
        else
        {
            var w = CaptureWriter.Pcap(false, false, 1);
            var rng = new Random(seed);
            for (int i = 0; i < 200; i++) w.Record((uint)i, (uint)i, CaptureWriter.Frame(rng.Next(0, 300), (byte)i));
            // one record larger than the small buffer below, to force growing it
            w.Record(999, 0, CaptureWriter.Frame(5000, 9));
            file = w.ToArray();
        }
        var (expected, dmg) = Read(file);
        Assert.Null(dmg);

        using (var r = CaptureOpener.Open(new TrickleStream(file, seed), "-"))
        {
            var got = ReadAllHelper.ReadAll(r);
            Assert.Null(r.Damage);
            AssertSame(expected, got);
        }
        var (small, dmg2) = Read(file, buf: 64);
        Assert.Null(dmg2);
        AssertSame(expected, small);
    }

    private static void AssertSame(List<Rec> a, List<Rec> b) => ReadAllHelper.AssertSame(a, b);

    [Fact]
    public void Expand_directories_by_extension_or_magic_sorted_and_missing_paths_throw()
    {
        var dir = Directory.CreateTempSubdirectory("segv-exp-");
        try
        {
            var pcap = CaptureWriter.Pcap(false, false, 1).ToArray();
            File.WriteAllBytes(Path.Combine(dir.FullName, "b.pcap"), pcap);
            File.WriteAllBytes(Path.Combine(dir.FullName, "a.PCAPNG"), [1, 2, 3]);          // by extension, even if broken
            File.WriteAllBytes(Path.Combine(dir.FullName, "c.dump"), pcap);                  // by magic
            File.WriteAllBytes(Path.Combine(dir.FullName, "d.pcap.ns"), pcap);
            File.WriteAllText(Path.Combine(dir.FullName, "notes.txt"), "not a capture");
            Directory.CreateDirectory(Path.Combine(dir.FullName, "sub.pcap"));
            File.WriteAllBytes(Path.Combine(dir.FullName, "sub.pcap", "x.pcap"), pcap);
            var single = Path.Combine(dir.FullName, "notes.txt");

            var got = CaptureOpener.Expand(["-", dir.FullName, single]);
            Assert.Equal(
                new[] { "-", "a.PCAPNG", "b.pcap", "c.dump", "d.pcap.ns", "notes.txt" },
                got.Select(p => p == "-" ? p : Path.GetFileName(p)));

            var ex = Assert.Throws<FileNotFoundException>(() => CaptureOpener.Expand([Path.Combine(dir.FullName, "missing.pcap")]));
            Assert.Contains("missing.pcap", ex.Message);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void PcapNg_huge_non_packet_block_is_skipped_and_a_cut_one_is_damage()
    {
        var w = CaptureWriter.PcapNg(false).Idb(1).Epb(0, 1, CaptureWriter.Frame(10, 0));
        long big = w.Length;
        w.Other(0x0BAD, 3 << 20).Epb(0, 2, CaptureWriter.Frame(10, 1));
        var bytes = w.ToArray();
        var (recs, dmg) = Read(bytes);
        Assert.Null(dmg);
        Assert.Equal(2, recs.Count);
        Assert.Equal(CaptureWriter.Frame(10, 1), recs[1].Data);
        using (var r = CaptureOpener.Open(new TrickleStream(bytes, 5), "-"))
        {
            var got = ReadAllHelper.ReadAll(r);
            Assert.Null(r.Damage);
            Assert.Equal(2, got.Count);
        }
        var cut = bytes.AsSpan(0, (int)big + (2 << 20)).ToArray();
        var (recs2, dmg2) = Read(cut);
        Assert.Single(recs2);
        Assert.Equal(big, dmg2!.Offset);
    }

    [Fact]
    public void Pcap_large_bogus_caplen_in_a_file_does_not_grow_the_buffer()
    {
        var dir = Directory.CreateTempSubdirectory("segv-cap-");
        try
        {
            var path = Path.Combine(dir.FullName, "bogus.pcap");
            var bytes = CaptureWriter.Pcap(false, false, 1).Record(1, 0, CaptureWriter.Frame(10, 0))
                .Record(2, 0, CaptureWriter.Frame(10, 0), capLenField: 200u << 20).ToArray();
            File.WriteAllBytes(path, bytes);
            long before = GC.GetAllocatedBytesForCurrentThread();
            using var r = CaptureOpener.Open(path);
            var recs = ReadAllHelper.ReadAll(r);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Single(recs);
            Assert.Equal(24 + 16 + 10, r.Damage!.Offset);
            Assert.Contains("only 10 bytes remain", r.Damage.Reason);
            Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
        }
        finally { dir.Delete(true); }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Mutated_captures_never_throw_anything_but_CaptureFormatException(bool pcapng)
    {
        byte[] seed;
        if (pcapng) seed = RichPcapNg(false);
        else
        {
            var w = CaptureWriter.Pcap(true, true, 1);
            for (int i = 0; i < 20; i++) w.Record((uint)i, (uint)i, CaptureWriter.Frame(20 + i * 7, (byte)i));
            seed = w.ToArray();
        }
        var rng = new Random(42);
        int formatErrors = 0, damaged = 0, records = 0;
        for (int iter = 0; iter < 3000; iter++)
        {
            var b = (byte[])seed.Clone();
            int flips = rng.Next(1, 6);
            for (int k = 0; k < flips; k++) b[rng.Next(b.Length)] = (byte)rng.Next(256);
            if (rng.Next(3) == 0) b = b.AsSpan(0, rng.Next(b.Length)).ToArray();
            try
            {
                using var r = CaptureOpener.Open(new MemoryStream(b), "m", ownsStream: true, bufferSize: 256);
                var p = new SegVerify.Core.Decoding.DecodedPacket();
                while (r.TryRead(out var rec))
                {
                    records++;
                    Assert.True(rec.Data.Length <= b.Length);
                    SegVerify.Core.Decoding.FrameDecoder.Decode(rec.LinkType, rec.Data, ref p);
                }
                if (r.Damage is not null)
                {
                    damaged++;
                    Assert.InRange(r.Damage.Offset, 0, b.Length);
                }
            }
            catch (CaptureFormatException) { formatErrors++; }
        }
        Assert.True(damaged > 0 && records > 0, $"damaged {damaged}, records {records}, format errors {formatErrors}");
    }

    [Fact]
    public void Pcap_modified_kuznetzov_format_has_24_byte_record_headers()
    {
        var ms = new MemoryStream();
        var bw = new BinaryWriter(ms);
        bw.Write(0xA1B2CD34u); bw.Write((ushort)2); bw.Write((ushort)4); bw.Write(0); bw.Write(0); bw.Write(65535u); bw.Write(1u);
        for (int i = 0; i < 2; i++)
        {
            bw.Write((uint)(100 + i)); bw.Write(5u); bw.Write(12u); bw.Write(60u);
            bw.Write(3); bw.Write((ushort)0x0800); bw.Write((byte)0); bw.Write((byte)0); // ifindex, protocol, pkt_type, pad
            bw.Write(CaptureWriter.Frame(12, (byte)i));
        }
        var (recs, dmg) = Read(ms.ToArray());
        Assert.Null(dmg);
        Assert.Equal(2, recs.Count);
        Assert.Equal(101_000_005_000L, recs[1].Ts);
        Assert.Equal(CaptureWriter.Frame(12, 1), recs[1].Data);
        Assert.Equal(60, recs[1].Orig);
        Assert.Equal(24 + 24 + 12, recs[1].Offset);
    }
}
