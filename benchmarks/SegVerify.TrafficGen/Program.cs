using System.Diagnostics;
using System.Globalization;
using SegVerify.TrafficGen;

// segverify-trafficgen: writes a deterministic municipal traffic mix for topologies/sample-city.yaml as a classic pcap.
// Runs until both --packets and --bytes are reached (defaults: 2,000,000 packets and 1 GiB).
var o = new GenOptions();
for (int i = 0; i < args.Length; i++)
{
    string a = args[i];
    string Next() => i + 1 < args.Length ? args[++i] : throw Usage($"{a} needs a value");
    switch (a)
    {
        case "--packets": o.Packets = ParseSize(Next()); break;
        case "--bytes": o.Bytes = ParseSize(Next()); break;
        case "--flows": o.Flows = checked((int)ParseSize(Next())); break;
        case "--seed": o.Seed = ulong.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--out": o.Out = Next(); break;
        case "--pps": o.PacketsPerSecond = checked((int)ParseSize(Next())); break;
        case "--violation-rate": o.ViolationRate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--tunnel-share": o.TunnelShare = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "-h" or "--help":
            Console.WriteLine("usage: SegVerify.TrafficGen [--packets N] [--bytes N[K|M|G]] [--flows N] [--seed N] [--out FILE] [--pps N] [--violation-rate R] [--tunnel-share R]");
            Console.WriteLine("  writes FILE (classic pcap) and FILE.json (counts, planted violations, expected by_rule)");
            Console.WriteLine("  --tunnel-share R: that share of flows in VXLAN, same inner traffic for the same seed (compare with --packets, not --bytes)");
            return 0;
        default: throw Usage($"unknown option {a}");
    }
}
if (o.Flows < 1 || o.PacketsPerSecond < 1) throw Usage("--flows and --pps must be positive");
if (o.TunnelShare is < 0 or > 1) throw Usage("--tunnel-share must be between 0 and 1");

string? dir = Path.GetDirectoryName(Path.GetFullPath(o.Out));
if (dir is not null) Directory.CreateDirectory(dir);
var sw = Stopwatch.StartNew();
var gen = new Generator(o);
long fileBytes;
using (var w = new PcapFileWriter(o.Out, linkType: 1))
{
    gen.Run(w);
    fileBytes = w.BytesWritten;
}
sw.Stop();
var s = gen.Stats;
string sidecar = o.Out + ".json";
s.WriteSidecar(sidecar, o, fileBytes, sw.Elapsed.TotalSeconds);

double pct(long x) => 100.0 * x / Math.Max(1, s.Frames);
Console.WriteLine(FormattableString.Invariant($"wrote {o.Out}: {s.Frames:N0} packets, {fileBytes:N0} bytes in {sw.Elapsed.TotalSeconds:F2} s ({fileBytes / 1e6 / sw.Elapsed.TotalSeconds:F0} MB/s)"));
Console.WriteLine(FormattableString.Invariant($"  frames: {pct(s.Small):F1} % <=100 B, {pct(s.Mid):F1} % ~590 B, {pct(s.Large):F1} % >=1400 B, {pct(s.Other):F1} % other; {pct(s.Tagged):F1} % VLAN-tagged, {pct(s.Ipv6):F1} % IPv6, {s.Arp:N0} ARP; {pct(s.Tunnelled):F1} % in VXLAN"));
Console.WriteLine(FormattableString.Invariant($"  flows: {s.FlowsTotal:N0} (tcp {s.FlowsTcp:N0}, dns {s.FlowsDns:N0}, ntp {s.FlowsNtp:N0}, icmp {s.FlowsIcmp:N0}; ipv6 {s.FlowsIpv6:N0}); {s.Unfinished:N0} still open at the end; {(s.LastTsNs - s.FirstTsNs) / 1e9:F1} s of traffic"));
Console.WriteLine(FormattableString.Invariant($"  planted violating flows: {s.ViolatingFlows:N0} ({100.0 * s.ViolatingFlows / Math.Max(1, s.FlowsTotal):F2} % of flows)"));
for (int k = 0; k < Planted.Names.Length; k++)
    Console.WriteLine(FormattableString.Invariant($"    {Planted.Names[k],-32} {Planted.Rules[k],-26} {s.Violations[k],8:N0}"));
Console.WriteLine("  expected by_rule: " + string.Join(", ", s.ExpectedByRule().Select(kv => $"{kv.Key}={kv.Value}")));
Console.WriteLine($"  sidecar: {sidecar}");
return 0;

static long ParseSize(string v)
{
    v = v.Trim().Replace("_", "");
    long mul = 1;
    char last = char.ToUpperInvariant(v[^1]);
    if (last is 'K' or 'M' or 'G')
    {
        mul = last switch { 'K' => 1L << 10, 'M' => 1L << 20, _ => 1L << 30 };
        v = v[..^1];
    }
    return checked((long)(double.Parse(v, CultureInfo.InvariantCulture) * mul));
}

static Exception Usage(string message)
{
    Console.Error.WriteLine("SegVerify.TrafficGen: " + message);
    Environment.Exit(2);
    return new InvalidOperationException();
}
