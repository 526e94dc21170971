using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Live.Tests;

/// <summary>monitor takes its capture filter as replay does: --bpf or tcpdump's trailing expression, named in the summary.</summary>
public class MonitorFilterTests
{
    private static string Cap => TestPaths.InRepo("captures", "sample-city.pcap");
    private static string Topo => TestPaths.InRepo("topologies", "sample-city.yaml");

    [SkippableFact]
    public void A_trailing_expression_selects_the_same_packets_and_findings_as_replays()
    {
        Requirements.RequireLibpcap();
        var monitor = FindingKeys.Run("monitor", "--interface", "unused", "--read-file", Cap, "--topology", Topo,
            "--format", "jsonl", "--lang", "en", "--stats-interval", "0", "--capture", "libpcap", "vlan", "and", "tcp", "port", "445");
        var replay = FindingKeys.Run("replay", Cap, "--topology", Topo, "--format", "jsonl", "--lang", "en", "--bpf", "vlan and tcp port 445");
        Assert.True(monitor.Code is 0 or 1, monitor.Err);
        Assert.Equal(replay.Code, monitor.Code);
        var got = FindingKeys.Of(monitor.Out, out var summary);
        var expected = FindingKeys.Of(replay.Out, out var replaySummary);
        Assert.Equal(expected, got);
        Assert.Equal(77, summary.GetProperty("packets").GetInt64());
        Assert.Equal(replaySummary.GetProperty("packets").GetInt64(), summary.GetProperty("packets").GetInt64());
        Assert.Equal("vlan and tcp port 445", summary.GetProperty("filter").GetString());
    }

    [Fact]
    public void Both_kinds_of_filter_at_once_are_refused_as_in_replay()
    {
        var r = FindingKeys.Run("monitor", "--interface", "unused", "--topology", Topo, "--bpf", "udp", "tcp");
        Assert.Equal(2, r.Code);
        Assert.Equal("", r.Out);
        Assert.Contains("give the filter either with --bpf or as the trailing expression, not both (--bpf 'udp' and 'tcp')", r.Err);
    }
}
