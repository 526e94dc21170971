using SegVerify.Core.Engine;
using SegVerify.Core.Net;
using SegVerify.Core.Output;

namespace SegVerify.Core.Tests.Output;

/// <summary>Findings and a summary built by hand, the same for every sink test.</summary>
internal static class SinkFixtures
{
    /// <summary>2026-04-01T09:00:00Z in ns since the epoch.</summary>
    public const long T0 = 1_775_034_000L * 1_000_000_000;

    public const string ClauseMnInternet = "三層の対策: マイナンバー利用事務系とインターネットの分離";
    public const string ClauseMac = "三層の対策: 端末の MAC アドレスによる接続制限";
    public const string ClauseVlan = "セグメントと VLAN の対応";
    public const string ClauseExpired = "例外措置の期限";
    public const string ClauseLarge = "大量転送の監視";
    public const string ClauseIso = "三層の対策: マイナンバー利用事務系と他の領域との分離";

    public static Finding MnInternet() => new()
    {
        Rule = RuleIds.MynumberInternet,
        TimestampNs = T0 + 250_000,
        Protocol = IpProto.Udp,
        SrcIp = IpAddr.Parse("10.10.1.11"), SrcPort = 40007,
        DstIp = IpAddr.Parse("1.1.1.1"), DstPort = 53,
        SrcMac = MacAddr.Parse("02:10:00:01:00:11"), DstMac = MacAddr.Parse("02:10:ff:ff:ff:01"), Vlan = 110,
        SrcZone = "mn-office", DstZone = "external", SrcTier = "mynumber", DstTier = "external",
        Direction = "observed", Packets = 2, Bytes = 180, CommunityId = "1:abcdefghijklmnopqrstuvwxyz0=",
        Message = "mn-term-01 sent DNS to the Internet", Clause = ClauseMnInternet,
        Capture = "captures/sample-city.pcap",
    };

    public static Finding MacBinding() => new()
    {
        Rule = RuleIds.MacBinding,
        TimestampNs = T0 + 1_500_000,
        Protocol = IpProto.Tcp,
        SrcIp = IpAddr.Parse("10.10.0.5"), SrcPort = 40050,
        DstIp = IpAddr.Parse("192.0.2.10"), DstPort = 443,
        SrcMac = MacAddr.Parse("02:66:66:66:66:05"), DstMac = MacAddr.Parse("02:10:ff:ff:ff:01"), Vlan = 110,
        SrcZone = "mn-office", DstZone = "j-lis",
        Message = "10.10.0.5 is bound to 02:10:00:00:00:05 but came from 02:66:66:66:66:05", Clause = ClauseMac,
        Capture = "captures/sample-city.pcap",
    };

    public static Finding VlanMismatch() => new()
    {
        Rule = RuleIds.VlanMismatch,
        TimestampNs = T0 + 2_000_000,
        Protocol = IpProto.Tcp,
        SrcIp = IpAddr.Parse("10.20.1.11"), SrcPort = 40100,
        DstIp = IpAddr.Parse("10.20.0.60"), DstPort = 445,
        SrcMac = MacAddr.Parse("02:20:00:01:00:11"), Vlan = 130,
        SrcZone = "lg-office", DstZone = "lg-office",
        Message = "10.20.1.11 (VLAN 120) seen on VLAN 130", Clause = ClauseVlan,
        Capture = "captures/sample-city.pcap",
    };

    public static Finding Expired() => new()
    {
        Rule = RuleIds.ExpiredException,
        TimestampNs = T0 + 3_000_000,
        Protocol = IpProto.Tcp,
        SrcIp = IpAddr.Parse("10.20.1.11"), SrcPort = 40200,
        DstIp = IpAddr.Parse("192.0.2.200"), DstPort = 443,
        SrcZone = "lg-office", DstZone = "j-lis", SrcTier = "lgwan", DstTier = "public-institution",
        Direction = "observed", Packets = 10, Bytes = 2000,
        Message = "allowed only by legacy-link, which expired on 2024-12-31", Clause = ClauseExpired,
        AllowedBy = "legacy-link",
        Capture = "captures/sample-city.pcap",
    };

    public static Finding Large() => new()
    {
        Rule = RuleIds.LargeTransfer,
        TimestampNs = T0 + 4_000_000,
        Protocol = IpProto.Tcp,
        SrcIp = IpAddr.Parse("10.20.1.11"), SrcPort = 40300,
        DstIp = IpAddr.Parse("10.30.0.50"), DstPort = 3389,
        SrcZone = "lg-office", DstZone = "inet-office",
        Direction = "observed", Packets = 450, Bytes = 620_000, CommunityId = "1:large=",
        Message = "620000 bytes crossed zones (limit 500000)", Clause = ClauseLarge,
        AllowedBy = "screen-transfer",
        Capture = "captures/sample-city.pcap",
    };

    /// <summary>A check-firewall finding: the location is the config rule.</summary>
    public static Finding Firewall() => new()
    {
        Rule = RuleIds.MynumberIsolation,
        TimestampNs = 0,
        Protocol = IpProto.Tcp,
        SrcIp = IpAddr.Parse("10.10.0.1"), SrcPort = 1024,
        DstIp = IpAddr.Parse("10.20.0.1"), DstPort = 445,
        SrcZone = "mn-office", DstZone = "lg-office", SrcTier = "mynumber", DstTier = "lgwan",
        Message = "the ruleset accepts SMB from mn-office to lg-office", Clause = ClauseIso,
        Config = new ConfigLocation("fw/rules.v4", 12, 1),
        Extra =
        [
            new("in_interface", "eth0"), new("out_interface", "eth1"),
            new("class", "tcp 10.10.0.0/16 -> 10.20.0.0/16 dport 445"),
            new("path", new[] { "fw/rules.v4:10", "fw/rules.v4:12" }),
        ],
    };

    public static Finding FlowEvent() => new()
    {
        Rule = "allowed",
        IsFlowEvent = true,
        TimestampNs = T0 + 5_000_000,
        Protocol = IpProto.Tcp,
        SrcIp = IpAddr.Parse("10.10.0.5"), SrcPort = 40400,
        DstIp = IpAddr.Parse("192.0.2.10"), DstPort = 443,
        SrcZone = "mn-office", DstZone = "j-lis", Packets = 12, Bytes = 5000, CommunityId = "1:flow=",
        Message = "", Clause = "", AllowedBy = "jlis-link",
    };

    public static RunSummary Summary(IEnumerable<Finding> findings)
    {
        var s = new RunSummary
        {
            TopologySha256 = new string('a', 64),
            Packets = 1234, Bytes = 567_890, Flows = 42, ElapsedSeconds = 0.25,
        };
        foreach (var f in findings) s.Count(f);
        s.Captures.Add(new InputFile("captures/sample-city.pcap", new string('b', 64)));
        s.Undecoded["truncated"] = 2;
        s.ZoneNames.AddRange(["mn-office", "lg-office", "inet-office", "public-web", "j-lis", "external"]);
        s.ZoneMatrix[("mn-office", "mn-office")] = 12;
        s.ZoneMatrix[("mn-office", "external")] = 1;
        s.ZoneMatrix[("mn-office", "j-lis")] = 3;
        s.ZoneMatrix[("lg-office", "j-lis")] = 1;
        s.ZoneMatrix[("lg-office", "inet-office")] = 25;
        return s;
    }

    public static RunInfo Info(string command = "replay captures/sample-city.pcap") =>
        new(command, "topologies/sample-city.yaml", new string('a', 64), "en");

    /// <summary>Runs a sink over the findings and returns what it wrote.</summary>
    public static string Run(Func<TextWriter, IFindingSink> make, IReadOnlyList<Finding> findings, RunInfo? info = null)
    {
        var sw = new StringWriter { NewLine = "\n" };
        using (var sink = make(sw))
        {
            sink.Begin(info ?? Info());
            foreach (var f in findings) sink.OnFinding(f);
            sink.End(Summary(findings));
        }
        return sw.ToString();
    }
}
