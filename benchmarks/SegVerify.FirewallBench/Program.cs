using System.Diagnostics;
using System.Text;
using SegVerify.Core.Findings;
using SegVerify.Core.Net;
using SegVerify.Core.Topology;
using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Dialects.Iptables;
using SegVerify.Firewall.Dialects.Nftables;

// Generates rulesets for the sample-city fw-core interfaces and times their analysis (no BenchmarkDotNet).
// usage: SegVerify.FirewallBench generate iptables|nft|set|drops|dag N OUT   |   SegVerify.FirewallBench analyse FILE
//   iptables|nft N: N random rules in one forward chain; set N: an nft named set of N blocked addresses;
//   drops N: N DROP rules (iptables) then a few accepts; dag N: N iptables chains, each jumping to the next two.
if (args.Length >= 4 && args[0] == "generate")
{
    int n = int.Parse(args[2]);
    var gen = args[1] switch
    {
        "iptables" or "nft" => Generator.Generate(args[1], n, seed: 42),
        "set" => Generator.NamedSet(n, seed: 42),
        "drops" => Generator.Drops(n, seed: 42),
        "dag" => Generator.Dag(n, seed: 42),
        _ => null,
    };
    if (gen is null) { Console.Error.WriteLine($"unknown generator '{args[1]}'"); return 2; }
    File.WriteAllText(args[3], gen);
    Console.WriteLine($"wrote {args[3]}");
    return 0;
}
if (args.Length >= 2 && args[0] == "analyse")
{
    var text = File.ReadAllText(args[1]);
    var sw = Stopwatch.StartNew();
    var rs = text.Contains("table ") && text.Contains("hook") ? NftParser.Parse(args[1], text) : IptablesParser.Parse(args[1], text);
    var parsed = sw.Elapsed.TotalSeconds;
    var topo = Bench.SampleCity();
    var r = new FirewallAnalyzer(topo, topo.Firewalls["fw-core"], rs, new AnalysisOptions { Required = true }).Run();
    sw.Stop();
    Console.WriteLine($"rules={rs.AllLines.Count()} parse_s={parsed:F3} total_s={sw.Elapsed.TotalSeconds:F3} findings={r.Findings.Count} " +
                      $"violations={r.Findings.Count(f => f.Severity == SegVerify.Core.Findings.Severity.Violation)} boxes={r.Boxes} " +
                      $"peak_working_set_mb={Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} " +
                      $"allocated_mb={GC.GetTotalAllocatedBytes() / (1024 * 1024)} gc_pause_s={GC.GetTotalPauseDuration().TotalSeconds:F3} " +
                      $"gcs={GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
    if (Environment.GetEnvironmentVariable("SEGVERIFY_FW_DUMP") is { } dump)
        File.WriteAllLines(dump, r.Findings.Select(f => f.Rule + "\t" + string.Join("\t", (f.Extra ?? []).Where(k => k.Key is "in_interface" or "out_interface" or "class").Select(k => k.Value?.ToString())) + "\t" + SegVerify.Core.Localization.Messages.Message(f, "en")));
    return 0;
}
Console.Error.WriteLine("usage: generate iptables|nft|set|drops|dag N OUT | analyse FILE");
return 2;

static class Generator
{
    private static readonly string[] Cidrs = ["10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16", "172.16.0.0/12", "198.51.100.0/26", "192.0.2.0/24", "203.0.113.0/24"];

    /// <summary>A random host (/32) or, one time in four, /24 of zone <paramref name="z"/>.</summary>
    private static string Host(Random rnd, int z)
    {
        var c = Cidr.Parse(Cidrs[z]);
        var net = c.Network.V4;
        uint size = c.PrefixLength >= 32 ? 1u : 1u << (32 - c.PrefixLength);
        uint off = (uint)rnd.Next(1, (int)Math.Min(size - 1, int.MaxValue));
        int len = rnd.Next(4) == 0 ? 24 : 32;
        var ip = IpAddr.FromV4(net + off);
        return len == 32 || c.PrefixLength > 24 ? $"{ip}/32" : new Cidr(ip, 24).ToString();
    }

    private static (int A, int B) Pair(Random rnd)
    {
        int a = rnd.Next(7), b = rnd.Next(7);
        if (a == b) b = (b + 1) % 7;
        return (a, b);
    }

    private const string IptHead = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n";
    private const string IptEstablished = "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n";

    private static string IptRule(Random rnd, string chain, string verdict)
    {
        var (a, b) = Pair(rnd);
        bool tcp = rnd.Next(3) != 0;
        return $"-A {chain} -i eth{a} -o eth{b} -s {Host(rnd, a)} -d {Host(rnd, b)} -p {(tcp ? "tcp" : "udp")} -m {(tcp ? "tcp" : "udp")} --dport {rnd.Next(1, 65535)} -j {verdict}\n";
    }

    public static string Generate(string dialect, int n, int seed)
    {
        var rnd = new Random(seed);
        var sb = new StringBuilder();
        bool nft = dialect == "nft";
        if (nft) sb.Append("table inet bench {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n\t\tct state established,related accept\n");
        else sb.Append(IptHead).Append(IptEstablished);
        for (int i = 0; i < n; i++)
        {
            var (a, b) = Pair(rnd);
            var src = Host(rnd, a); var dst = Host(rnd, b);
            int port = rnd.Next(1, 65535);
            bool tcp = rnd.Next(3) != 0;
            bool drop = rnd.Next(5) == 0;
            if (nft)
                sb.Append($"\t\tiifname \"eth{a}\" oifname \"eth{b}\" ip saddr {src} ip daddr {dst} {(tcp ? "tcp" : "udp")} dport {port} {(drop ? "drop" : "accept")}\n");
            else
                sb.Append($"-A FORWARD -i eth{a} -o eth{b} -s {src} -d {dst} -p {(tcp ? "tcp" : "udp")} -m {(tcp ? "tcp" : "udp")} --dport {port} -j {(drop ? "DROP" : "ACCEPT")}\n");
        }
        sb.Append(nft ? "\t}\n}\n" : "COMMIT\n");
        return sb.ToString();
    }

    /// <summary>
    /// nft: a named set of <paramref name="n"/> distinct blocked IPv4 addresses (spread over every zone and the
    /// Internet), dropped by source and by destination, then 200 random accept rules.
    /// </summary>
    public static string NamedSet(int n, int seed)
    {
        var rnd = new Random(seed);
        var sb = new StringBuilder("table inet bench {\n\tset blocked {\n\t\ttype ipv4_addr\n\t\telements = { ");
        var seen = new HashSet<uint>();
        while (seen.Count < n)
        {
            int z = rnd.Next(Cidrs.Length + 1);
            uint ip;
            if (z == Cidrs.Length) ip = (uint)rnd.Next(0x0B000000, 0x5F000000); // somewhere on the Internet
            else
            {
                var c = Cidr.Parse(Cidrs[z]);
                ip = c.Network.V4 + (uint)rnd.Next(1, (int)Math.Min((1u << (32 - c.PrefixLength)) - 1, int.MaxValue));
            }
            if (!seen.Add(ip)) continue;
            if (seen.Count > 1) sb.Append(seen.Count % 8 == 1 ? ",\n\t\t\t" : ", ");
            sb.Append(IpAddr.FromV4(ip));
        }
        sb.Append(" }\n\t}\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n\t\tct state established,related accept\n");
        sb.Append("\t\tip saddr @blocked drop\n\t\tip daddr @blocked drop\n");
        for (int i = 0; i < 200; i++)
        {
            var (a, b) = Pair(rnd);
            sb.Append($"\t\tiifname \"eth{a}\" oifname \"eth{b}\" ip saddr {Host(rnd, a)} ip daddr {Host(rnd, b)} tcp dport {rnd.Next(1, 65535)} accept\n");
        }
        sb.Append("\t}\n}\n");
        return sb.ToString();
    }

    /// <summary>iptables: <paramref name="n"/> random DROP rules in FORWARD, then 100 random ACCEPT rules.</summary>
    public static string Drops(int n, int seed)
    {
        var rnd = new Random(seed);
        var sb = new StringBuilder(IptHead).Append(IptEstablished);
        for (int i = 0; i < n; i++) sb.Append(IptRule(rnd, "FORWARD", "DROP"));
        for (int i = 0; i < 100; i++) sb.Append(IptRule(rnd, "FORWARD", "ACCEPT"));
        sb.Append("COMMIT\n");
        return sb.ToString();
    }

    /// <summary>
    /// iptables: FORWARD jumps to c0; chain ci holds 4 random rules, then jumps unconditionally to c(i+1) and to
    /// c(i+2) (a DAG with Fibonacci-many paths: 2 jumps per chain, the last chains to fewer).
    /// </summary>
    public static string Dag(int n, int seed)
    {
        var rnd = new Random(seed);
        var sb = new StringBuilder(IptHead);
        for (int i = 0; i < n; i++) sb.Append($":c{i} - [0:0]\n");
        sb.Append(IptEstablished).Append("-A FORWARD -j c0\n");
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < 4; k++) sb.Append(IptRule(rnd, $"c{i}", rnd.Next(3) == 0 ? "DROP" : "ACCEPT"));
            if (i + 1 < n) sb.Append($"-A c{i} -j c{i + 1}\n");
            if (i + 2 < n) sb.Append($"-A c{i} -j c{i + 2}\n");
        }
        sb.Append("COMMIT\n");
        return sb.ToString();
    }
}

static class Bench
{
    public static Topology SampleCity()
    {
        var ext = new Zone { Name = "external", Tier = Tier.External, IsImplicitExternal = true };
        var t = new Topology { SourcePath = "sample-city.yaml", Sha256 = "0", Name = "bench", Model = SeparationModel.Alpha, External = ext };
        string[][] zones =
        [
            ["mn-office", "mynumber", "10.10.0.0/16"], ["lg-office", "lgwan", "10.20.0.0/16"], ["inet-office", "internet", "10.30.0.0/16"],
            ["lgwan", "lgwan-wan", "172.16.0.0/12"], ["public-web", "dmz", "198.51.100.0/26"], ["j-lis", "public-institution", "192.0.2.0/24"],
        ];
        var fw = new FirewallDef { Name = "fw-core" };
        int i = 0;
        foreach (var z in zones)
        {
            TierNames.TryParse(z[1], out var tier);
            var zone = new Zone { Name = z[0], Tier = tier, Index = i };
            zone.Segments.Add(new Segment { Cidr = Cidr.Parse(z[2]), Zone = zone });
            t.Zones.Add(zone);
            fw.Interfaces[$"eth{i++}"] = zone;
        }
        ext.Index = i;
        t.Zones.Add(ext);
        fw.Interfaces[$"eth{i}"] = ext;
        t.Firewalls["fw-core"] = fw;
        return t;
    }
}
