using SegVerify.Core.Findings;
using SegVerify.Core.Net;
using SegVerify.Core.Output;

namespace SegVerify.Core.Tests.Output;

/// <summary>Findings and a summary built by hand, the same for every sink test.</summary>
internal static class SinkFixtures
{
    /// <summary>2026-04-01T09:00:00Z in ns since the epoch.</summary>
    public const long T0 = 1_775_034_000L * 1_000_000_000;

    // the clauses as the sinks write them in English (from the clause table)
    public const string ClauseMnInternet = "Three-tier separation: the My Number tier never reaches the Internet";
    public const string ClauseIso = "Three-tier separation: the My Number tier is isolated from every other area";

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
        Args = new MessageArgs
        {
            Src = IpAddr.Parse("10.10.1.11"), Dst = IpAddr.Parse("1.1.1.1"), SrcZone = "mn-office", DstZone = "external",
            Protocol = IpProto.Udp, Port = 53, Mac = MacAddr.Parse("02:10:00:01:00:11"),
        },
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
        Args = new MessageArgs
        {
            Src = IpAddr.Parse("10.10.0.5"), Dst = IpAddr.Parse("192.0.2.10"), SrcZone = "mn-office", DstZone = "j-lis",
            Protocol = IpProto.Tcp, Port = 443, Mac = MacAddr.Parse("02:66:66:66:66:05"),
        },
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
        Args = new MessageArgs
        {
            Src = IpAddr.Parse("10.20.1.11"), Dst = IpAddr.Parse("10.20.0.60"), SrcZone = "lg-office", DstZone = "lg-office",
            Protocol = IpProto.Tcp, Port = 445, Mac = MacAddr.Parse("02:20:00:01:00:11"), Number = 130,
        },
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
        Args = new MessageArgs
        {
            Src = IpAddr.Parse("10.20.1.11"), Dst = IpAddr.Parse("192.0.2.200"), SrcZone = "lg-office", DstZone = "j-lis",
            Protocol = IpProto.Tcp, Port = 443, RuleName = "legacy-link",
        },
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
        Args = new MessageArgs
        {
            Src = IpAddr.Parse("10.20.1.11"), Dst = IpAddr.Parse("10.30.0.50"), SrcZone = "lg-office", DstZone = "inet-office",
            Protocol = IpProto.Tcp, Port = 3389, Number = 620_000,
        },
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
        Args = new MessageArgs
        {
            Kind = MessageKind.RulesetAccepts, SrcZone = "mn-office", DstZone = "lg-office", InInterface = "eth0",
            OutInterface = "eth1", Subject = "tcp 10.10.0.0/16 -> 10.20.0.0/16 dport 445", Location = "fw/rules.v4:12:1",
        },
        Config = new ConfigLocation("fw/rules.v4", 12, 1),
        Extra =
        [
            new("in_interface", "eth0"), new("out_interface", "eth1"),
            new("class", "tcp 10.10.0.0/16 -> 10.20.0.0/16 dport 445"),
            new("path", new[] { "fw/rules.v4:10", "fw/rules.v4:12" }),
        ],
    };

    public static FlowEvent FlowEvent() => new()
    {
        Verdict = "allowed",
        TimestampNs = T0 + 5_000_000,
        Protocol = IpProto.Tcp,
        SrcIp = IpAddr.Parse("10.10.0.5"), SrcPort = 40400,
        DstIp = IpAddr.Parse("192.0.2.10"), DstPort = 443,
        SrcZone = "mn-office", DstZone = "j-lis", Packets = 12, Bytes = 5000, CommunityId = "1:flow=",
        AllowedBy = "jlis-link",
    };

    public static RunSummary Summary(IEnumerable<OutputEvent> events)
    {
        var s = new RunSummary
        {
            TopologySha256 = new string('a', 64),
            Packets = 1234, Bytes = 567_890, Flows = 42, ElapsedSeconds = 0.25,
        };
        foreach (var f in events.OfType<Finding>()) s.Count(f);
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

    /// <summary>Runs a sink over the findings and flow events and returns what it wrote.</summary>
    public static string Run(Func<TextWriter, IFindingSink> make, IReadOnlyList<OutputEvent> findings, RunInfo? info = null)
    {
        var sw = new StringWriter { NewLine = "\n" };
        using (var sink = make(sw))
        {
            sink.Begin(info ?? Info());
            foreach (var e in findings)
                if (e is Finding f) sink.OnFinding(f); else sink.OnFlow((FlowEvent)e);
            sink.End(Summary(findings));
        }
        return sw.ToString();
    }
}
