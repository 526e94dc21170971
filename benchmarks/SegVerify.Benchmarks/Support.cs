using SegVerify.Core.Capture;
using SegVerify.Core.Engine;
using SegVerify.Core.Net;
using SegVerify.Core.Topology;
using SegVerify.TrafficGen;

namespace SegVerify.Benchmarks;

public static class Paths
{
    /// <summary>topologies/sample-city.yaml, found by walking up from the working directory or the binary.</summary>
    public static string SampleCity => Find("topologies/sample-city.yaml");

    public static string Find(string rel)
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var p = Path.Combine(d.FullName, rel);
                if (File.Exists(p)) return p;
            }
        var env = Environment.GetEnvironmentVariable("SEGVERIFY_REPO");
        if (env is not null && File.Exists(Path.Combine(env, rel))) return Path.Combine(env, rel);
        throw new FileNotFoundException($"{rel} not found above {Environment.CurrentDirectory}; set SEGVERIFY_REPO");
    }
}

/// <summary>A topology with N random segments in 8 zones of every tier (90 % IPv4 /16-/28, 10 % IPv6 /40-/64).</summary>
public static class SyntheticTopology
{
    public static Topology WithPrefixes(int n, out List<IpAddr> inside)
    {
        var ext = new Zone { Name = "external", Tier = Tier.External, IsImplicitExternal = true };
        var t = new Topology { SourcePath = "synthetic", Sha256 = "", Name = "synthetic", Model = SeparationModel.Alpha, External = ext };
        var zones = new List<Zone>();
        for (int z = 0; z < 8; z++)
        {
            var zone = new Zone { Name = $"z{z}", Tier = (Tier)(z % 6), Index = z };
            zones.Add(zone);
            t.Zones.Add(zone);
        }
        ext.Index = zones.Count;
        t.Zones.Add(ext);
        var rng = new Random(42);
        var seen = new HashSet<Cidr>();
        inside = new List<IpAddr>(n);
        while (seen.Count < n)
        {
            Cidr c;
            IpAddr probe;
            if (rng.Next(10) < 9)
            {
                uint a = (uint)rng.Next() | 0x0100_0000;
                int len = rng.Next(16, 29);
                c = new Cidr(IpAddr.FromV4(a), len);
                probe = IpAddr.FromV4(c.Network.V4 | (uint)rng.Next(1 << (32 - len)));
            }
            else
            {
                ulong hi = 0x2001_0db8_0000_0000UL | ((ulong)rng.Next() << 8);
                int len = rng.Next(40, 65);
                c = new Cidr(new IpAddr(hi, 0), len);
                probe = new IpAddr(c.Network.Hi, (ulong)rng.NextInt64());
            }
            if (!seen.Add(c)) continue;
            var zone = zones[rng.Next(zones.Count)];
            zone.Segments.Add(new Segment { Cidr = c, Zone = zone });
            inside.Add(probe);
        }
        return t;
    }
}

/// <summary>The generator's traffic mix written to a temporary pcap and held in memory as records.</summary>
public sealed class InMemoryCapture
{
    private readonly byte[] _data;
    private readonly (int Offset, int Length, long Ts)[] _records;
    public int Count => _records.Length;

    private InMemoryCapture(byte[] data, (int, int, long)[] records) { _data = data; _records = records; }

    public static InMemoryCapture Generate(long packets, int flows)
    {
        string tmp = Path.Combine(Path.GetTempPath(), $"segverify-bench-{Environment.ProcessId}.pcap");
        try
        {
            var g = new Generator(new GenOptions { Packets = packets, Bytes = 0, Flows = flows, Out = tmp });
            using (var w = new PcapFileWriter(tmp, 1)) g.Run(w);
            return Load(tmp);
        }
        finally { File.Delete(tmp); File.Delete(tmp + ".json"); }
    }

    public static InMemoryCapture Load(string path)
    {
        using var r = CaptureOpener.Open(path);
        var ms = new MemoryStream();
        var recs = new List<(int, int, long)>();
        while (r.TryRead(out var rec))
        {
            recs.Add(((int)ms.Length, rec.Data.Length, rec.TimestampNs));
            ms.Write(rec.Data);
        }
        return new InMemoryCapture(ms.ToArray(), recs.ToArray());
    }

    public void ProcessAll(Verifier v)
    {
        foreach (var (off, len, ts) in _records)
        {
            var rec = new CaptureRecord(_data.AsSpan(off, len), ts, len, LinkTypes.Ethernet, false, off);
            v.Process(in rec);
        }
    }
}
