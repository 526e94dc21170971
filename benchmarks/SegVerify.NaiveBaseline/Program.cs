using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;

// The naive baseline: what a reasonable developer writes first to answer "which flows cross zones?" in .NET.
// SharpPcap's file reader (libpcap underneath), PacketDotNet's object model for every packet, a Dictionary keyed on
// strings, and a linear scan of the topology's CIDRs. Kept deliberately straightforward: it is the yardstick, not
// an example to follow.
if (args.Length < 1 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: SegVerify.NaiveBaseline CAPTURE [--topology topologies/sample-city.yaml]");
    return args.Length < 1 ? 2 : 0;
}
string capture = args[0];
string topologyPath = "topologies/sample-city.yaml";
for (int i = 1; i < args.Length; i++)
    if (args[i] == "--topology" && i + 1 < args.Length) topologyPath = args[++i];

var zones = ReadZones(topologyPath);
var sw = Stopwatch.StartNew();
var flows = new Dictionary<(string, string, int, int, string), FlowInfo>();
long packets = 0, bytes = 0, notIp = 0;

using (var device = new CaptureFileReaderDevice(capture))
{
    device.Open();
    while (device.GetNextPacket(out PacketCapture e) == GetPacketStatus.PacketRead)
    {
        RawCapture raw = e.GetPacket();
        packets++;
        bytes += raw.PacketLength;
        Packet packet = Packet.ParsePacket(raw.LinkLayerType, raw.Data);
        var ip = packet.Extract<IPPacket>();
        if (ip is null) { notIp++; continue; }
        string src = ip.SourceAddress.ToString();
        string dst = ip.DestinationAddress.ToString();
        int sport = 0, dport = 0;
        var tcp = packet.Extract<TcpPacket>();
        var udp = tcp is null ? packet.Extract<UdpPacket>() : null;
        if (tcp is not null) { sport = tcp.SourcePort; dport = tcp.DestinationPort; }
        else if (udp is not null) { sport = udp.SourcePort; dport = udp.DestinationPort; }
        string proto = ip.Protocol.ToString();
        // both directions of a conversation share one key
        var key = string.CompareOrdinal(src, dst) < 0 || (src == dst && sport <= dport)
            ? (src, dst, sport, dport, proto)
            : (dst, src, dport, sport, proto);
        if (!flows.TryGetValue(key, out var flow))
        {
            flow = new FlowInfo
            {
                Initiator = src,
                Responder = dst,
                SrcZone = ZoneOf(ip.SourceAddress),
                DstZone = ZoneOf(ip.DestinationAddress),
            };
            flows[key] = flow;
        }
        flow.Packets++;
        flow.Bytes += raw.PacketLength;
    }
}

var cross = flows.Values.Where(f => f.SrcZone != f.DstZone).ToList();
sw.Stop();
Console.WriteLine($"packets {packets} bytes {bytes} not-ip {notIp}");
Console.WriteLine($"flows {flows.Count} cross-zone {cross.Count}");
foreach (var g in cross.GroupBy(f => $"{f.SrcZone} -> {f.DstZone}").OrderBy(g => g.Key, StringComparer.Ordinal))
    Console.WriteLine($"  {g.Key}: {g.Count()}");
Console.WriteLine($"elapsed_s {sw.Elapsed.TotalSeconds:F3}");
return 0;

string ZoneOf(IPAddress a)
{
    string best = IsPrivate(a) ? "unclassified" : "external";
    int bestLen = -1;
    foreach (var (net, zone) in zones)
        if (net.Contains(a) && net.PrefixLength > bestLen) { best = zone; bestLen = net.PrefixLength; }
    return best;
}

static bool IsPrivate(IPAddress a)
{
    var b = a.GetAddressBytes();
    if (b.Length == 4) return b[0] == 10 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168);
    return (b[0] & 0xFE) == 0xFC;
}

// Reads "zone name" keys and their "cidr:" entries from the zones: section (a YAML library would be the next step).
static List<(IPNetwork, string)> ReadZones(string path)
{
    var result = new List<(IPNetwork, string)>();
    string? zone = null;
    bool inZones = false;
    foreach (var line in File.ReadLines(path))
    {
        if (Regex.IsMatch(line, @"^\S")) { inZones = line.StartsWith("zones:"); zone = null; continue; }
        if (!inZones) continue;
        var m = Regex.Match(line, @"^  ([A-Za-z0-9_.-]+):\s*(#.*)?$");
        if (m.Success) { zone = m.Groups[1].Value; continue; }
        foreach (Match c in Regex.Matches(line, @"cidr:\s*""?([0-9A-Fa-f:./]+)""?"))
            if (zone is not null) result.Add((IPNetwork.Parse(c.Groups[1].Value), zone));
    }
    return result;
}

sealed class FlowInfo
{
    public string Initiator = "";
    public string Responder = "";
    public string SrcZone = "";
    public string DstZone = "";
    public long Packets;
    public long Bytes;
}
