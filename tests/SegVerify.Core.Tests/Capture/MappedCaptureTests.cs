using SegVerify.Core.Capture;
using Xunit;


namespace SegVerify.Core.Tests.Capture;

/// <summary>
/// A regular capture file is read from a memory mapping moved forward a window at a time (no copy); standard input,
/// wrapped streams and small files through a buffer. Both paths must give the same records, offsets and damage,
/// whatever the window size, with records and skipped blocks straddling window ends.
/// </summary>
public class MappedCaptureTests
{
    /// <summary>Smallest window (one page): nearly every record straddles a window end; some records are larger than it.</summary>
    private static readonly MappedWindow.Options OnePage = new(0, Environment.SystemPageSize);
    private static readonly MappedWindow.Options SixtyFourK = new(0, 64 << 10);

    private static byte[] Pcap(bool truncateLast, out int records, int bytes = 600_000)
    {
        var w = CaptureWriter.Pcap(bigEndian: false, nanos: true, linkTypeField: 1);
        records = 0;
        var rnd = new Random(7);
        while (w.Length < bytes)
        {
            // mostly frames of a usual size, every 50th larger than a page
            int size = records % 50 == 3 ? rnd.Next(9000, 20000) : rnd.Next(14, 1600);
            w.Record((uint)(1_700_000_000 + records), (uint)rnd.Next(0, 999_999_999), CaptureWriter.Frame(size, (byte)records));
            records++;
        }
        var file = w.ToArray();
        return truncateLast ? file[..^7] : file;
    }

    private static byte[] PcapNg(bool bigEndian, out int records)
    {
        var w = CaptureWriter.PcapNg(bigEndian).Idb(1, tsresol: 9);
        records = 0;
        while (w.Length < 600_000)
        {
            if (records % 97 == 5) w.Other(5, 40);
            // a block without packets larger than the read buffer is skipped, not buffered: across windows here
            if (records == 150) w.Other(10, CaptureInput.DefaultBufferSize + 40_000);
            w.Epb(0, (ulong)(1_700_000_000_000_000_000L + records * 1000L), CaptureWriter.Frame(60 + records % 1400, (byte)records));
            records++;
        }
        return w.ToArray();
    }

    private static string TempFile(byte[] bytes, string ext)
    {
        var path = Path.Combine(Path.GetTempPath(), $"segverify-mapped-{Guid.NewGuid():N}.{ext}");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static bool CanMap => OperatingSystem.IsLinux() && Environment.Is64BitProcess
        && Environment.GetEnvironmentVariable(MappedWindow.DisableVariable) != "1";

    public static TheoryData<string, bool, int> Cases()
    {
        var d = new TheoryData<string, bool, int>();
        foreach (int window in new[] { 0, 1, 2 })
        {
            d.Add("pcap", false, window);
            d.Add("pcap", true, window);
            d.Add("pcapng-le", false, window);
            d.Add("pcapng-be", false, window);
        }
        return d;
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Mapped_file_reads_exactly_as_the_buffered_stream(string format, bool truncated, int window)
    {
        Skip.IfNot(CanMap, "memory-mapped input is used on 64-bit Linux only (and SEGVERIFY_NO_MMAP is not 1)");
        int n;
        var bytes = format == "pcap" ? Pcap(truncated, out n) : PcapNg(format == "pcapng-be", out n);
        var options = window switch { 0 => OnePage, 1 => SixtyFourK, _ => new MappedWindow.Options(0, 16 << 20) };
        var path = TempFile(bytes, format.StartsWith("pcapng") ? "pcapng" : "pcap");
        try
        {
            List<Rec> mapped;
            CaptureDamage? mappedDamage;
            using (var r = CaptureOpener.Open(path, options))
            {
                mapped = ReadAllHelper.ReadAll(r);
                mappedDamage = r.Damage;
            }
            // small buffer: many refills, records straddling the buffer's end
            var (buffered, bufferedDamage) = ReadAllHelper.Read(bytes, bufferSize: 4096);
            Assert.Equal(truncated ? n - 1 : n, mapped.Count);
            ReadAllHelper.AssertSame(buffered, mapped);
            Assert.Equal(bufferedDamage?.Offset, mappedDamage?.Offset);
            Assert.Equal(bufferedDamage?.Reason, mappedDamage?.Reason);
            Assert.Equal(truncated, mappedDamage is not null);
        }
        finally { File.Delete(path); }
    }

    [SkippableFact]
    public void A_file_is_mapped_only_when_regular_large_enough_and_not_turned_off()
    {
        Skip.IfNot(CanMap, "memory-mapped input is used on 64-bit Linux only (and SEGVERIFY_NO_MMAP is not 1)");
        var path = TempFile(Pcap(false, out _), "pcap");
        try
        {
            using (var input = new CaptureInput(File.OpenRead(path), ownsStream: true, mapping: new(0, 1 << 20)))
                Assert.True(input.IsMapped);
            // the default threshold (1 MiB) is above this file's size
            using (var input = new CaptureInput(File.OpenRead(path), ownsStream: true))
                Assert.False(input.IsMapped);
            // a stream that is not the file itself (progress counting, inline hashing) is read
            using (var input = new CaptureInput(new BufferedStream(File.OpenRead(path)), ownsStream: true, mapping: new(0, 1 << 20)))
                Assert.False(input.IsMapped);
            // a file some process has open for writing (a capture still being written) gets no lease, so it is read
            using (new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            using (var input = new CaptureInput(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite), ownsStream: true, mapping: new(0, 1 << 20)))
                Assert.False(input.IsMapped);
        }
        finally { File.Delete(path); }
    }

    /// <summary>
    /// Starts python3 with <paramref name="script"/> (argv[1] is <paramref name="path"/>) while <paramref name="r"/> is
    /// read a record at a time, and reads on until the reader has given its mapping up (the lease break's SIGIO arrives on
    /// another thread; the reader acts on it at its next window move). Returns the records read meanwhile.
    /// </summary>
    private static List<Rec> ReadWhileAnotherProcess(ICaptureReader r, string path, string script, out System.Diagnostics.Process child)
    {
        var input = ((PcapReader)r).Input;
        Assert.True(input.IsMapped);
        var got = new List<Rec>();
        while (got.Count < 5 && r.TryRead(out var rec)) got.Add(ReadAllHelper.ToRec(rec));
        Assert.True(input.IsMapped);
        int breaks = MappedWindow.LeaseBreaks;
        // the kernel holds the other process's open or truncate back until the reader gives the lease up
        child = System.Diagnostics.Process.Start("/usr/bin/python3", ["-c", script, path])!;
        // wait for the kernel's signal (delivered on another thread) before reading on, so that the break finds the
        // reader mid-file however slowly the other process starts
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (MappedWindow.LeaseBreaks == breaks && waited.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(5);
        Assert.NotEqual(breaks, MappedWindow.LeaseBreaks);
        while (input.IsMapped && r.TryRead(out var rec)) got.Add(ReadAllHelper.ToRec(rec));
        Assert.False(input.IsMapped, "the reader kept the mapping after the lease was broken");
        Assert.True(child.WaitForExit(30_000), "the other process was not let through");
        Assert.Equal(0, child.ExitCode);
        return got;
    }

    private static bool HavePython => File.Exists("/usr/bin/python3");
    private const string NoPython = "needs python3 to write to the file from another process";

    [SkippableFact]
    public void Records_appended_by_another_process_while_the_file_is_read_are_read()
    {
        Skip.IfNot(CanMap, "memory-mapped input is used on 64-bit Linux only (and SEGVERIFY_NO_MMAP is not 1)");
        Skip.IfNot(HavePython, NoPython);
        var first = Pcap(false, out int n);
        var more = CaptureWriter.Pcap(false, true, 1);
        for (int i = 0; i < 300; i++) more.Record(1_800_000_000, (uint)i, CaptureWriter.Frame(100 + i, (byte)i));
        var appended = more.ToArray()[PcapReader.FileHeaderLength..];
        var path = TempFile(first, "pcap");
        var tail = path + ".tail";
        File.WriteAllBytes(tail, appended);
        try
        {
            using var r = CaptureOpener.Open(path, SixtyFourK);
            var got = ReadWhileAnotherProcess(r, path,
                "import sys; open(sys.argv[1], 'ab').write(open(sys.argv[1] + '.tail', 'rb').read())", out var child);
            child.Dispose();
            got.AddRange(ReadAllHelper.ReadAll(r));
            Assert.Equal(n + 300, got.Count);
            Assert.Null(r.Damage);
            Assert.Equal(CaptureWriter.Frame(399, 43), got[^1].Data);
            Assert.Equal(first.Length + appended.Length - 16 - 399, got[^1].Offset);
        }
        finally { File.Delete(path); File.Delete(tail); }
    }

    [SkippableFact]
    public void A_file_cut_shorter_while_mapped_is_read_on_through_a_buffer_not_a_crash()
    {
        Skip.IfNot(CanMap, "memory-mapped input is used on 64-bit Linux only (and SEGVERIFY_NO_MMAP is not 1)");
        // truncate(2) from another process (coreutils' truncate opens with O_NONBLOCK, which a lease refuses outright)
        Skip.IfNot(HavePython, NoPython);
        var bytes = Pcap(false, out _);
        var path = TempFile(bytes, "pcap");
        const int cut = 100_000;
        try
        {
            var expected = ReadAllHelper.Read(bytes[..cut]);
            using var r = CaptureOpener.Open(path, SixtyFourK);
            var got = ReadWhileAnotherProcess(r, path, $"import os, sys; os.truncate(sys.argv[1], {cut})", out var child);
            child.Dispose();
            got.AddRange(ReadAllHelper.ReadAll(r));
            // Every record before the cut was read, and is the file's. The mapping's last window was read whole before the
            // cut went through; the buffer's first read after the lease was returned races with the truncation (as any
            // read() does), so bytes past the cut may come back as they were, as zeros or not at all: no assertion
            // there beyond the run ending without a crash.
            var original = ReadAllHelper.Read(bytes).Records;
            Assert.True(got.Count >= expected.Records.Count);
            for (int i = 0; i < got.Count && got[i].Offset + 16 + got[i].Data.Length <= cut; i++)
            {
                Assert.Equal(original[i].Offset, got[i].Offset);
                Assert.Equal(original[i].Data, got[i].Data);
            }
            // When nothing past the cut was read, the reader met the new end as a reader of the cut file does.
            if (got[^1].Offset + 16 + got[^1].Data.Length <= cut && got.Count == expected.Records.Count)
                Assert.Equal(expected.Damage?.Reason, r.Damage?.Reason);
        }
        finally { File.Delete(path); }
    }
}
