using SegVerify.Core.Capture;
using SegVerify.Core.Decoding;
using SegVerify.Tests.Common;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Core.Tests.Capture;

/// <summary>Every third-party capture under ../shared/captures is read to its end or its damage and decoded.</summary>
public class SharedCapturesTests(ITestOutputHelper output)
{
    internal static IEnumerable<string> CaptureFiles(string shared) =>
        Directory.EnumerateFiles(Path.Combine(shared, "captures"), "*", SearchOption.AllDirectories)
            .Where(CaptureOpener.IsCaptureFile)
            .Where(f => !f.EndsWith(".txt", StringComparison.Ordinal))
            .OrderBy(f => f, StringComparer.Ordinal);

    [SkippableFact]
    public void Every_shared_capture_reads_to_end_or_damage_and_every_record_decodes()
    {
        var shared = TestPaths.RequireShared();
        int files = 0, formatErrors = 0, damaged = 0;
        long records = 0;
        var kinds = new long[4];
        var reasons = new long[32];
        var index = File.ReadAllLines(Path.Combine(shared, "captures", "INDEX.tsv")).Skip(1)
            .Select(l => l.Split('\t')).ToDictionary(c => c[0], c => c);
        foreach (var path in CaptureFiles(shared))
        {
            files++;
            var rel = Path.GetRelativePath(Path.Combine(shared, "captures"), path);
            ICaptureReader r;
            try { r = CaptureOpener.Open(path); }
            catch (CaptureFormatException e)
            {
                formatErrors++;
                output.WriteLine($"not a capture: {rel}: {e.Detail}");
                continue;
            }
            using (r)
            {
                int n = 0;
                var p = new DecodedPacket();
                while (r.TryRead(out var rec))
                {
                    n++;
                    FrameDecoder.Decode(rec.LinkType, rec.Data, ref p);
                    kinds[(int)p.Kind]++;
                    if (p.Undecoded != UndecodedReason.None) reasons[(int)p.Undecoded]++;
                }
                records += n;
                if (r.Damage is { } d)
                {
                    damaged++;
                    output.WriteLine($"damaged: {rel} at byte {d.Offset}: {d.Reason} ({n} records before)");
                }
                // Where the index walked the file cleanly, the record counts agree.
                if (r.Damage is null && index.TryGetValue(rel.Replace('\\', '/'), out var cols) && int.TryParse(cols[9], out int walk))
                    Assert.True(walk == n, $"{rel}: {n} records, INDEX.tsv says {walk}");
            }
        }
        output.WriteLine($"{files} files, {formatErrors} not captures, {damaged} damaged, {records} records; " +
                         $"kinds undecoded/arp/ip/otherl2 = {string.Join('/', kinds)}");
        for (int i = 1; i < reasons.Length; i++)
            if (reasons[i] > 0) output.WriteLine($"  {UndecodedReasons.Name((UndecodedReason)i)}: {reasons[i]}");
        Assert.True(files > 50, "expected the shared captures");
        Assert.True(records > 40_000);
    }

    [SkippableFact]
    public void Known_shared_captures_have_the_expected_shape()
    {
        var shared = TestPaths.RequireShared();
        string P(string rel) => Path.Combine(shared, "captures", rel);

        // An empty pcap (header only) and an empty pcapng (SHB + IDB) are valid empty captures.
        foreach (var f in new[] { "tcpdump/empty.pcap", "tcpdump/empty.pcapng" })
        {
            using var r = CaptureOpener.Open(P(f));
            Assert.False(r.TryRead(out _));
            Assert.Null(r.Damage);
        }
        // Link type field with reserved bits 0x0030: masked to NULL (0).
        using (var r = CaptureOpener.Open(P("libpcap/linktype-reserved-field-not-zero.pcap")))
            Assert.False(r.TryRead(out _));
        // A 4 MiB caplen in a 5.7 KB file: damage, not an exception.
        using (var r = CaptureOpener.Open(P("suricata-verify/bug-1450-04/tls_DER-incomplete-header.pcap")))
        {
            int n = 0;
            while (r.TryRead(out _)) n++;
            Assert.NotNull(r.Damage);
            Assert.True(n >= 1);
        }
        // Nanosecond pcap with Linux SLL.
        using (var r = CaptureOpener.Open(P("tcpdump/tcp-handshake-nano.pcap")))
        {
            Assert.True(r.TryRead(out var rec));
            Assert.True(rec.NanosecondResolution);
            Assert.Equal(LinkTypes.LinuxSll, rec.LinkType);
            var p = new DecodedPacket();
            Assert.True(FrameDecoder.Decode(rec.LinkType, rec.Data, ref p));
            Assert.Equal(PacketKind.Ip, p.Kind);
            Assert.True(p.HasPorts);
            Assert.Equal(DecodedPacket.TcpSyn, p.TcpFlags);
        }
        // A big-endian pcapng with three sections.
        using (var r = CaptureOpener.Open(P("pcapng-test-generator/output_be/difficult/test202.pcapng")))
        {
            int n = 0;
            while (r.TryRead(out _)) n++;
            Assert.Null(r.Damage);
            Assert.Equal(8, n);
        }
    }

    [SkippableFact]
    public void Every_shared_capture_reads_the_same_from_a_trickling_pipe_as_from_the_file()
    {
        var shared = TestPaths.RequireShared();
        int files = 0;
        foreach (var path in CaptureFiles(shared))
        {
            List<Rec> fromFile;
            CaptureDamage? fileDamage;
            try
            {
                using var r = CaptureOpener.Open(path);
                fromFile = ReadAllHelper.ReadAll(r);
                fileDamage = r.Damage;
            }
            catch (CaptureFormatException e)
            {
                var ex = Assert.Throws<CaptureFormatException>(() => CaptureOpener.Open(new TrickleStream(File.ReadAllBytes(path), 3), "-"));
                Assert.Equal(e.Detail, ex.Detail);
                continue;
            }
            files++;
            using var s = CaptureOpener.Open(new TrickleStream(File.ReadAllBytes(path), files), "-");
            var fromPipe = ReadAllHelper.ReadAll(s);
            Assert.Equal(fromFile.Count, fromPipe.Count);
            for (int i = 0; i < fromFile.Count; i++)
            {
                Assert.Equal(fromFile[i].Offset, fromPipe[i].Offset);
                Assert.Equal(fromFile[i].Ts, fromPipe[i].Ts);
                Assert.Equal(fromFile[i].Data, fromPipe[i].Data);
            }
            Assert.Equal(fileDamage?.Offset, s.Damage?.Offset);
        }
        output.WriteLine($"{files} captures compared file vs pipe");
    }
}
