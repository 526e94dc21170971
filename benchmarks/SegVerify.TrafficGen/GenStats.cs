using System.Text.Json;

namespace SegVerify.TrafficGen;

/// <summary>What the generator wrote: frame-size buckets, tags, IPv6, flows by kind, planted violations.</summary>
public sealed class GenStats
{
    public long Frames, Small, Mid, Large, Other;
    public long Tagged, Ipv6, Arp;
    /// <summary>Frames written inside VXLAN (--tunnel-share).</summary>
    public long Tunnelled;
    public long FlowsTcp, FlowsDns, FlowsNtp, FlowsIcmp, FlowsIpv6;
    public long Unfinished;
    public long FirstTsNs, LastTsNs;
    public readonly long[] Violations = new long[Planted.Names.Length];
    public long FlowsTotal => FlowsTcp + FlowsDns + FlowsNtp + FlowsIcmp;
    public long ViolatingFlows => Violations.Sum();

    private const int SmallMax = 100, MidLow = 560, MidHigh = 620, LargeLow = 1400;

    internal void CountFrame(int len)
    {
        Frames++;
        if (len <= SmallMax) Small++;
        else if (len is >= MidLow and <= MidHigh) Mid++;
        else if (len >= LargeLow) Large++;
        else Other++;
    }

    internal void CountFlow(in Flow f)
    {
        switch (f.App)
        {
            case App.Tcp: FlowsTcp++; break;
            case App.Dns: FlowsDns++; break;
            case App.Ntp: FlowsNtp++; break;
            default: FlowsIcmp++; break;
        }
        if (f.V6) FlowsIpv6++;
        if (f.Violation >= 0) Violations[f.Violation]++;
    }

    /// <summary>Expected segverify by_rule counts for the planted violations.</summary>
    public SortedDictionary<string, long> ExpectedByRule()
    {
        var d = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (int i = 0; i < Violations.Length; i++)
            d[Planted.Rules[i]] = d.GetValueOrDefault(Planted.Rules[i]) + Violations[i];
        return d;
    }

    public void WriteSidecar(string path, GenOptions o, long fileBytes, double seconds)
    {
        using var fs = File.Create(path);
        using var w = new Utf8JsonWriter(fs, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("generator", "SegVerify.TrafficGen");
        w.WriteString("topology", "topologies/sample-city.yaml");
        w.WriteNumber("seed", o.Seed);
        w.WriteNumber("concurrent_flows", o.Flows);
        w.WriteNumber("packets", Frames);
        w.WriteNumber("file_bytes", fileBytes);
        w.WriteString("first_ts", DateTimeOffset.FromUnixTimeMilliseconds(FirstTsNs / 1_000_000).ToString("O"));
        w.WriteString("last_ts", DateTimeOffset.FromUnixTimeMilliseconds(LastTsNs / 1_000_000).ToString("O"));
        w.WriteNumber("capture_seconds", (LastTsNs - FirstTsNs) / 1e9);
        w.WriteStartObject("frames");
        w.WriteNumber("small_le_100", Small);
        w.WriteNumber("mid_560_620", Mid);
        w.WriteNumber("large_ge_1400", Large);
        w.WriteNumber("other", Other);
        w.WriteNumber("vlan_tagged", Tagged);
        w.WriteNumber("ipv6", Ipv6);
        w.WriteNumber("arp", Arp);
        w.WriteNumber("vxlan", Tunnelled);
        w.WriteEndObject();
        w.WriteStartObject("flows");
        w.WriteNumber("total", FlowsTotal);
        w.WriteNumber("tcp", FlowsTcp);
        w.WriteNumber("udp_dns", FlowsDns);
        w.WriteNumber("udp_ntp", FlowsNtp);
        w.WriteNumber("icmp", FlowsIcmp);
        w.WriteNumber("ipv6", FlowsIpv6);
        w.WriteNumber("unfinished_at_end", Unfinished);
        w.WriteEndObject();
        w.WriteNumber("violating_flows", ViolatingFlows);
        w.WriteStartObject("violating_by_kind");
        for (int i = 0; i < Violations.Length; i++) w.WriteNumber(Planted.Names[i], Violations[i]);
        w.WriteEndObject();
        w.WriteStartObject("expected_by_rule");
        foreach (var (k, v) in ExpectedByRule()) w.WriteNumber(k, v);
        w.WriteEndObject();
        w.WriteNumber("generation_seconds", Math.Round(seconds, 3));
        w.WriteEndObject();
    }
}
