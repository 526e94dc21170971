using System.Diagnostics;
using System.Text;
using SegVerify.Core.Net;
using SegVerify.Core.Topology;
using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Dialects.Iptables;
using SegVerify.Firewall.Dialects.Nftables;

// Generates an N-rule ruleset for the sample-city fw-core interfaces and times its analysis (no BenchmarkDotNet).
// usage: SegVerify.FirewallBench generate iptables|nft N OUT   |   SegVerify.FirewallBench analyse FILE
if (args.Length >= 4 && args[0] == "generate")
{
    File.WriteAllText(args[3], Generator.Generate(args[1], int.Parse(args[2]), seed: 42));
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
                      $"violations={r.Findings.Count(f => f.Severity == SegVerify.Core.Engine.Severity.Violation)} boxes={r.Boxes} " +
                      $"peak_working_set_mb={Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)}");
    return 0;
}
Console.Error.WriteLine("usage: generate iptables|nft N OUT | analyse FILE");
return 2;

static class Generator
{
    private static readonly string[] Cidrs = ["10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16", "172.16.0.0/12", "198.51.100.0/26", "192.0.2.0/24", "203.0.113.0/24"];

    public static string Generate(string dialect, int n, int seed)
    {
        var rnd = new Random(seed);
        var sb = new StringBuilder();
        bool nft = dialect == "nft";
        if (nft) sb.Append("table inet bench {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n\t\tct state established,related accept\n");
        else sb.Append("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
        for (int i = 0; i < n; i++)
        {
            int a = rnd.Next(7), b = rnd.Next(7);
            if (a == b) b = (b + 1) % 7;
            string Host(int z)
            {
                var c = Cidr.Parse(Cidrs[z]);
                var net = c.Network.V4;
                uint size = c.PrefixLength >= 32 ? 1u : 1u << (32 - c.PrefixLength);
                uint off = (uint)rnd.Next(1, (int)Math.Min(size - 1, int.MaxValue));
                int len = rnd.Next(4) == 0 ? 24 : 32;
                var ip = IpAddr.FromV4(net + off);
                return len == 32 || c.PrefixLength > 24 ? $"{ip}/32" : new Cidr(ip, 24).ToString();
            }
            var src = Host(a); var dst = Host(b);
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
