using SegVerify.Core.Capture;
using SegVerify.Core.Replay;
using Xunit;

namespace SegVerify.Core.Tests.Capture;

/// <summary>
/// A large capture file is read from a memory mapping (no copy); standard input and small files through a buffer.
/// Both paths must give the same records, offsets and damage, and the evidence hash must be the file's SHA-256.
/// </summary>
public class MappedCaptureTests
{
    private static byte[] LargePcap(bool truncateLast, out int records)
    {
        var w = CaptureWriter.Pcap(bigEndian: false, nanos: true, linkTypeField: 1);
        records = 0;
        var rnd = new Random(7);
        while (w.Length < 3 * MappedFile.MinMapBytes)
        {
            w.Record((uint)(1_700_000_000 + records), (uint)rnd.Next(0, 999_999_999), CaptureWriter.Frame(rnd.Next(14, 1600), (byte)records));
            records++;
        }
        var bytes = w.ToArray();
        return truncateLast ? bytes[..^7] : bytes;
    }

    private static byte[] LargePcapNg(out int records)
    {
        var w = CaptureWriter.PcapNg(bigEndian: true).Idb(1, tsresol: 9);
        records = 0;
        while (w.Length < 3 * MappedFile.MinMapBytes)
        {
            if (records % 97 == 5) w.Other(5, 40);
            w.Epb(0, (ulong)(1_700_000_000_000_000_000L + records * 1000L), CaptureWriter.Frame(60 + records % 1400, (byte)records));
            records++;
        }
        return w.ToArray();
    }

    [Theory]
    [InlineData("pcap", false)]
    [InlineData("pcap", true)]
    [InlineData("pcapng", false)]
    public void Mapped_file_reads_exactly_as_the_buffered_stream(string format, bool truncated)
    {
        int n;
        var bytes = format == "pcap" ? LargePcap(truncated, out n) : LargePcapNg(out n);
        var path = Path.Combine(Path.GetTempPath(), $"segverify-mapped-{Guid.NewGuid():N}.{format}");
        File.WriteAllBytes(path, bytes);
        try
        {
            List<Rec> mapped, buffered;
            CaptureDamage? mappedDamage, bufferedDamage;
            using (var r = CaptureOpener.Open(path))
            {
                mapped = ReadAllHelper.ReadAll(r);
                mappedDamage = r.Damage;
            }
            // small buffer: many refills, records straddling the buffer's end
            (buffered, bufferedDamage) = ReadAllHelper.Read(bytes, bufferSize: 4096);
            Assert.Equal(truncated ? n - 1 : n, mapped.Count);
            Assert.Equal(buffered.Count, mapped.Count);
            for (int i = 0; i < mapped.Count; i++)
            {
                Assert.Equal(buffered[i].Ts, mapped[i].Ts);
                Assert.Equal(buffered[i].Offset, mapped[i].Offset);
                Assert.Equal(buffered[i].Orig, mapped[i].Orig);
                Assert.Equal(buffered[i].Data, mapped[i].Data);
            }
            Assert.Equal(bufferedDamage?.Offset, mappedDamage?.Offset);
            Assert.Equal(bufferedDamage?.Reason, mappedDamage?.Reason);
            Assert.Equal(truncated, mappedDamage is not null);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), CaptureHash.OfFile(path));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Files_below_the_threshold_and_with_mapping_disabled_are_not_mapped()
    {
        var path = Path.Combine(Path.GetTempPath(), $"segverify-small-{Guid.NewGuid():N}.pcap");
        File.WriteAllBytes(path, CaptureWriter.Pcap(false, false, 1).Record(1, 2, CaptureWriter.Frame(60, 1)).ToArray());
        try
        {
            using var fs = File.OpenRead(path);
            Assert.Null(MappedFile.TryMap(fs));
        }
        finally { File.Delete(path); }
    }
}
