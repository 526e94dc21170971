using System.Buffers.Binary;
using SegVerify.Core.Collect;
using SegVerify.Core.Net;
using Xunit;

namespace SegVerify.Core.Tests.Collect;

/// <summary>NetFlow v5/v9 and IPFIX parsing, and hostile export packets: counted, never thrown, memory bounded.</summary>
public class ExportParserTests
{
    private sealed class Keep : IFlowRecordHandler
    {
        public readonly List<FlowRecord> Records = [];
        public void OnRecord(ref FlowRecord record, ExporterSession session) => Records.Add(record);
    }

    private static readonly IpAddr Exporter = IpAddr.Parse("192.0.2.1");
    private const long T0 = 1_775_034_000L * 1_000_000_000;

    private static (ExportParser, CollectorStats, Keep) New(long templateTimeoutNs = ExportParser.DefaultTemplateTimeoutNs)
    {
        var stats = new CollectorStats();
        var keep = new Keep();
        return (new ExportParser(stats, keep, templateTimeoutNs), stats, keep);
    }

    /// <summary>Builds an IPFIX message from sets (id, body).</summary>
    private static byte[] Ipfix(uint domain, params (ushort Id, byte[] Body)[] sets)
    {
        var ms = new MemoryStream();
        ms.Write(new byte[16]);
        foreach (var (id, body) in sets)
        {
            var h = new byte[4];
            BinaryPrimitives.WriteUInt16BigEndian(h, id);
            BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), (ushort)(4 + body.Length));
            ms.Write(h);
            ms.Write(body);
        }
        var m = ms.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(m, 10);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), (ushort)m.Length);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), 1_775_034_000);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(12), domain);
        return m;
    }

    private static byte[] Be(params object[] parts)
    {
        var ms = new MemoryStream();
        foreach (var p in parts)
            switch (p)
            {
                case byte b: ms.WriteByte(b); break;
                case ushort u: { var x = new byte[2]; BinaryPrimitives.WriteUInt16BigEndian(x, u); ms.Write(x); break; }
                case uint u: { var x = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(x, u); ms.Write(x); break; }
                case ulong u: { var x = new byte[8]; BinaryPrimitives.WriteUInt64BigEndian(x, u); ms.Write(x); break; }
                case byte[] a: ms.Write(a); break;
                default: throw new ArgumentException(p.GetType().Name);
            }
        return ms.ToArray();
    }

    /// <summary>Template 300: src/dst IPv4, ports, proto, tcp flags, packets, bytes, flowStartMilliseconds, source MAC, vlan, reverse packets/bytes.</summary>
    private static byte[] Template300 => Be((ushort)300, (ushort)12,
        (ushort)8, (ushort)4, (ushort)12, (ushort)4, (ushort)7, (ushort)2, (ushort)11, (ushort)2, (ushort)4, (ushort)1,
        (ushort)6, (ushort)1, (ushort)2, (ushort)4, (ushort)1, (ushort)4, (ushort)152, (ushort)8, (ushort)56, (ushort)6,
        (ushort)(0x8000 | 2), (ushort)4, 29305u, (ushort)(0x8000 | 1), (ushort)4, 29305u);

    private static byte[] Record300(string src, string dst, ushort sp, ushort dp, byte flags, uint pkts, uint bytes, ulong startMs, uint revPkts = 0, uint revBytes = 0) =>
        Be(System.Net.IPAddress.Parse(src).GetAddressBytes(), System.Net.IPAddress.Parse(dst).GetAddressBytes(), sp, dp, (byte)6, flags,
           pkts, bytes, startMs, new byte[] { 2, 0, 0, 0, 0, 1 }, revPkts, revBytes);

    [Fact]
    public void Ipfix_TemplateAndData_GiveTheRecordFields_IncludingReverseCounters()
    {
        var (parser, stats, keep) = New();
        var msg = Ipfix(7, (2, Template300), (300, Be(Record300("10.0.0.1", "10.0.0.2", 40000, 445, 0x02, 3, 180, 1_775_034_000_123, 2, 120))));
        parser.Parse(msg, Exporter, 4739, T0);
        var r = Assert.Single(keep.Records);
        Assert.Equal("10.0.0.1", r.Src.ToString());
        Assert.Equal("10.0.0.2", r.Dst.ToString());
        Assert.Equal((ushort)40000, r.SrcPort);
        Assert.Equal((ushort)445, r.DstPort);
        Assert.Equal(6, r.Proto);
        Assert.True(r.HasTcpFlags);
        Assert.Equal(0x02, r.TcpFlags);
        Assert.Equal(3, r.Packets);
        Assert.Equal(180, r.Bytes);
        Assert.Equal(1_775_034_000_123L * 1_000_000, r.StartNs);
        Assert.True(r.HasSrcMac);
        Assert.Equal("02:00:00:00:00:01", r.SrcMac.ToString());
        Assert.True(r.IsBiflow);
        Assert.Equal(2, r.ReversePackets);
        Assert.Equal(120, r.ReverseBytes);
        Assert.Equal(1, stats.TemplatesLearned);
        Assert.Equal(1, stats.Biflows);
        Assert.Equal(7u, Assert.Single(parser.Sessions).ObservationDomain);
    }

    [Fact]
    public void Ipfix_VariableLengthFields_AreSkippedCorrectly()
    {
        var (parser, _, keep) = New();
        // template 301: a variable-length string (IE 82 interfaceName), then the source and destination addresses
        var tmpl = Be((ushort)301, (ushort)3, (ushort)82, (ushort)65535, (ushort)8, (ushort)4, (ushort)12, (ushort)4);
        var rec1 = Be((byte)3, "eth"u8.ToArray(), new byte[] { 10, 0, 0, 9 }, new byte[] { 10, 0, 0, 1 });
        var longName = new byte[300];
        var rec2 = Be((byte)255, (ushort)300, longName, new byte[] { 10, 0, 0, 10 }, new byte[] { 10, 0, 0, 1 });
        parser.Parse(Ipfix(1, (2, tmpl), (301, Be(rec1, rec2))), Exporter, 4739, T0);
        Assert.Equal(2, keep.Records.Count);
        Assert.Equal("10.0.0.9", keep.Records[0].Src.ToString());
        Assert.Equal("10.0.0.10", keep.Records[1].Src.ToString());
    }

    [Fact]
    public void TemplateFlood_IsBoundedPerSession_AndCounted()
    {
        var (parser, stats, _) = New();
        for (int i = 0; i < 2000; i++)
            parser.Parse(Ipfix(1, (2, Be((ushort)(256 + i), (ushort)1, (ushort)8, (ushort)4))), Exporter, 4739, T0);
        var s = Assert.Single(parser.Sessions);
        Assert.Equal(ExporterSession.MaxTemplates, s.Templates.Count);
        Assert.Equal(2000 - ExporterSession.MaxTemplates, stats.TemplateErrors);
    }

    [Fact]
    public void SessionFlood_IsBounded_AndCounted()
    {
        var (parser, stats, _) = New();
        for (int i = 0; i < 1000; i++)
            parser.Parse(Ipfix((uint)i, (2, Be((ushort)256, (ushort)1, (ushort)8, (ushort)4))), Exporter, 4739, T0);
        Assert.Equal(ExportParser.MaxSessions, parser.Sessions.Count);
        Assert.Equal(1000 - ExportParser.MaxSessions, stats.ExportersRefused);
    }

    [Fact]
    public void ZeroLengthField_TooManyFields_AndLengthsPastThePacket_AreCounted()
    {
        var (parser, stats, keep) = New();
        parser.Parse(Ipfix(1, (2, Be((ushort)400, (ushort)1, (ushort)8, (ushort)0))), Exporter, 1, T0); // zero-length field
        parser.Parse(Ipfix(1, (2, Be((ushort)401, (ushort)5000))), Exporter, 1, T0);                       // fields past the set
        Assert.Equal(2, stats.TemplateErrors);
        Assert.Empty(Assert.Single(parser.Sessions).Templates);

        // a template whose record is longer than any set: the data is not padding
        parser.Parse(Ipfix(1, (2, Be((ushort)402, (ushort)1, (ushort)82, (ushort)60000))), Exporter, 1, T0);
        parser.Parse(Ipfix(1, (402, Be(1u, 2u, 3u))), Exporter, 1, T0);
        Assert.Equal(1, stats.MalformedRecords);

        // a variable-length field that claims more than is there
        parser.Parse(Ipfix(1, (2, Be((ushort)403, (ushort)1, (ushort)82, (ushort)65535))), Exporter, 1, T0);
        parser.Parse(Ipfix(1, (403, Be((byte)255, (ushort)9000, 1u))), Exporter, 1, T0);
        Assert.Equal(2, stats.MalformedRecords);

        // a set length past the message, a message length past the datagram, a truncated header
        var bad = Ipfix(1, (403, Be(0u)));
        BinaryPrimitives.WriteUInt16BigEndian(bad.AsSpan(18), 2000);
        parser.Parse(bad, Exporter, 1, T0);
        var longer = Ipfix(1);
        BinaryPrimitives.WriteUInt16BigEndian(longer.AsSpan(2), 5000);
        parser.Parse(longer, Exporter, 1, T0);
        parser.Parse(new byte[] { 0, 10, 0 }, Exporter, 1, T0);
        parser.Parse(new byte[] { 0, 42, 0, 0, 0, 0 }, Exporter, 1, T0); // unknown version
        Assert.Equal(4, stats.MalformedPackets);
        Assert.Empty(keep.Records);
    }

    [Fact]
    public void WithdrawnAndExpiredTemplates_LeaveTheirDataUnread_AndCounted()
    {
        var (parser, stats, keep) = New(templateTimeoutNs: 60L * 1_000_000_000);
        parser.Parse(Ipfix(1, (2, Template300)), Exporter, 1, T0);
        parser.Parse(Ipfix(1, (2, Be((ushort)300, (ushort)0))), Exporter, 1, T0); // withdrawal
        parser.Parse(Ipfix(1, (300, Be(Record300("10.0.0.1", "10.0.0.2", 1, 2, 0, 1, 1, 0)))), Exporter, 1, T0);
        Assert.Equal(1, stats.TemplatesWithdrawn);
        Assert.Equal(1, stats.UnknownTemplateSets);

        parser.Parse(Ipfix(1, (2, Template300)), Exporter, 1, T0);
        parser.Parse(Ipfix(1, (300, Be(Record300("10.0.0.1", "10.0.0.2", 1, 2, 0, 1, 1, 0)))), Exporter, 1, T0 + 61L * 1_000_000_000);
        Assert.Equal(1, stats.TemplatesExpired);
        Assert.Equal(2, stats.UnknownTemplateSets);
        Assert.Empty(keep.Records);
    }

    [Fact]
    public void NetflowV5_RecordsAndSampling()
    {
        var (parser, stats, keep) = New();
        var hdr = Be((ushort)5, (ushort)1, 10_000u, 1_775_034_000u, 0u, 1u, (byte)0, (byte)3, (ushort)(0x4000 | 100));
        var rec = Be(new byte[] { 10, 1, 1, 1 }, new byte[] { 10, 2, 2, 2 }, 0u, (ushort)0, (ushort)0, 5u, 400u, 9_000u, 9_500u,
                     (ushort)40000, (ushort)22, (byte)0, (byte)0x12, (byte)6, (byte)0, (ushort)0, (ushort)0, (byte)0, (byte)0, (ushort)0);
        parser.Parse(Be(hdr, rec), Exporter, 2055, T0);
        var r = Assert.Single(keep.Records);
        Assert.Equal("10.1.1.1", r.Src.ToString());
        Assert.Equal((ushort)22, r.DstPort);
        Assert.Equal(5, r.Packets);
        Assert.Equal((1_775_034_000_000L - 1_000) * 1_000_000, r.StartNs); // 1 s before the export (uptime 10 s, first 9 s)
        Assert.Equal(100u, r.SamplingInterval);
        var s = Assert.Single(parser.Sessions);
        Assert.Equal(3u, s.ObservationDomain);
        Assert.Equal(100u, s.SamplingInterval);
        parser.Parse(Be(hdr, rec.AsSpan(0, 20).ToArray()), Exporter, 2055, T0); // count says 1 record, 20 bytes follow
        Assert.Equal(1, stats.MalformedPackets);
    }

    [Fact]
    public void NetflowV9_OptionsTemplateSampling_IsAnnounced()
    {
        var (parser, _, _) = New();
        // v9 header, options template 257: scope system (1) 4 bytes, option SAMPLING_INTERVAL (34) 4 bytes; then its data
        var hdr = Be((ushort)9, (ushort)2, 5_000u, 1_775_034_000u, 1u, 42u);
        var opt = Be((ushort)1, (ushort)(4 + 14 + 2), (ushort)257, (ushort)4, (ushort)4, (ushort)1, (ushort)4, (ushort)34, (ushort)4, (ushort)0);
        var data = Be((ushort)257, (ushort)(4 + 8), 0u, 512u);
        parser.Parse(Be(hdr, opt, data), Exporter, 2055, T0);
        var s = Assert.Single(parser.Sessions);
        Assert.Equal(42u, s.ObservationDomain);
        Assert.Equal(512u, s.SamplingInterval);
    }

    [Fact]
    public void RandomMutations_NeverThrow()
    {
        var (parser, stats, _) = New();
        var seeds = new List<byte[]>
        {
            Ipfix(1, (2, Template300), (300, Be(Record300("10.0.0.1", "10.0.0.2", 40000, 445, 0x02, 3, 180, 1)))),
            Be(Be((ushort)9, (ushort)1, 5u, 1u, 1u, 1u), Be((ushort)0, (ushort)12, (ushort)260, (ushort)1, (ushort)8, (ushort)4), Be((ushort)260, (ushort)8, 1u)),
        };
        var rng = new Random(15);
        for (int i = 0; i < 50_000; i++)
        {
            var m = (byte[])seeds[i % seeds.Count].Clone();
            int flips = 1 + rng.Next(6);
            for (int k = 0; k < flips; k++) m[rng.Next(m.Length)] = (byte)rng.Next(256);
            if (rng.Next(4) == 0) m = m.AsSpan(0, rng.Next(m.Length)).ToArray();
            parser.Parse(m, Exporter, (ushort)rng.Next(4), T0 + i);
        }
        Assert.Equal(50_000, stats.ExportPackets);
        Assert.True(parser.Sessions.Count <= ExportParser.MaxSessions);
        Assert.All(parser.Sessions, s => Assert.True(s.Templates.Count <= ExporterSession.MaxTemplates));
    }
}
