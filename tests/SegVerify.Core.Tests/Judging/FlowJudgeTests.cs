using SegVerify.Core.Classification;
using SegVerify.Core.Findings;
using SegVerify.Core.Flows;
using SegVerify.Core.Judging;
using SegVerify.Core.Net;
using SegVerify.Core.Policy;
using SegVerify.Core.Topology;
using Xunit;

namespace SegVerify.Core.Tests.Judging;

/// <summary>The flow judge on flows built by hand: verdicts as values (ids, zones, rule, issues), no text.</summary>
public class FlowJudgeTests
{
    private const string Topo = """
        segverify: 1
        name: judge city
        model: alpha
        zones:
          mn:
            tier: mynumber
            segments: [{ cidr: 10.10.0.0/16 }]
          lg:
            tier: lgwan
            segments: [{ cidr: 10.20.0.0/16 }]
          inet:
            tier: internet
            segments: [{ cidr: 10.30.0.0/16 }]
        hosts:
          - { name: lg-mail, zone: lg, ip: 10.20.0.25, services: [smtp] }
        allow:
          - { name: mail-in, from: { zone: inet }, to: lg-mail, services: [smtp] }
        limits:
          large_transfer_bytes: 1000
        """;

    private static FlowJudge Judge(string text = Topo)
    {
        var topo = TopologyLoader.LoadFromText(text, "judge.yaml");
        var classifier = new ZoneClassifier(topo);
        var hosts = new Dictionary<IpAddr, Host>();
        foreach (var h in topo.Hosts)
            foreach (var ip in h.Ips) hosts.TryAdd(ip, h);
        return new FlowJudge(topo, classifier, new PolicyEngine(topo), hosts);
    }

    /// <summary>A TCP flow whose SYN came from <paramref name="client"/>; A is the lower address.</summary>
    private static FlowEntry Tcp(string client, ushort cport, string server, ushort sport, long bytes = 100)
    {
        var c = IpAddr.Parse(client);
        var s = IpAddr.Parse(server);
        bool clientIsA = c.CompareTo(s) < 0;
        return new FlowEntry
        {
            Key = new FlowKey
            {
                A = clientIsA ? c : s, B = clientIsA ? s : c, PortA = clientIsA ? cport : sport, PortB = clientIsA ? sport : cport,
                Proto = IpProto.Tcp,
            },
            Flags = (clientIsA ? FlowFlags.FirstFromA : 0) | FlowFlags.SeenA | FlowFlags.SeenB,
            SynSide = clientIsA ? FlowTracker.SideA : FlowTracker.SideB,
            PacketsAB = 2, PacketsBA = 2, BytesAB = bytes / 2, BytesBA = bytes - bytes / 2,
            FirstTs = 1_775_034_000L * 1_000_000_000, LastTs = 1_775_034_001L * 1_000_000_000,
        };
    }

    [Fact]
    public void A_forbidden_flow_gets_the_finding_id_and_the_zones_of_its_initiator_and_responder()
    {
        var f = Tcp("198.51.100.7", 40000, "10.10.0.7", 445); // the initiator is B (the higher address)
        var j = Judge().Judge(in f);
        Assert.Equal(FlowOutcome.Judged, j.Outcome);
        Assert.Equal(RuleIds.MynumberInternet, j.Rule);
        Assert.Equal("mynumber-internet", j.Verdict);
        Assert.False(j.Parties.InitiatorIsA);
        Assert.True(j.Parties.Observed);
        Assert.Equal("external", j.Parties.SrcZone!.Name); // the implicit zone of global addresses
        Assert.Equal("mn", j.Parties.DstZone!.Name);
        Assert.Equal(IpAddr.Parse("198.51.100.7"), j.Src);
        Assert.Equal(IpAddr.Parse("10.10.0.7"), j.Dst);
        Assert.Null(j.By);
        Assert.Equal(FlowIssues.None, j.Issues);
    }

    [Fact]
    public void An_allowed_flow_names_its_rule_and_a_large_one_carries_its_byte_count()
    {
        var f = Tcp("10.30.0.9", 40000, "10.20.0.25", 25, bytes: 5000);
        var j = Judge().Judge(in f);
        Assert.Null(j.Rule);
        Assert.Equal("allowed", j.Verdict);
        Assert.Equal("mail-in", j.By!.Name);
        Assert.Equal(FlowIssues.LargeTransfer, j.Issues);
        Assert.Equal(5000, j.TotalBytes);
    }

    [Fact]
    public void A_host_answering_on_an_undeclared_port_is_an_issue_not_a_verdict()
    {
        var f = Tcp("10.20.1.1", 40000, "10.20.0.25", 8080);
        var j = Judge().Judge(in f);
        Assert.Equal("allowed", j.Verdict); // within one zone
        Assert.Equal(FlowIssues.UndeclaredService, j.Issues);
    }

    [Fact]
    public void Unclassified_and_special_addresses_are_outcomes_with_no_policy_verdict()
    {
        var judge = Judge();
        var f = Tcp("10.20.1.1", 40000, "172.16.0.7", 443); // private, in no segment
        var j = judge.Judge(in f);
        Assert.Equal(FlowOutcome.Unclassified, j.Outcome);
        Assert.Equal("unclassified", j.Verdict);
        Assert.Equal(FlowIssues.DstUnclassified, j.Issues);
        Assert.Null(j.Parties.DstZone);

        var mcast = Tcp("10.20.1.1", 40000, "224.0.0.251", 5353);
        var m = judge.Judge(in mcast);
        Assert.Equal(FlowOutcome.Special, m.Outcome);
        Assert.Equal("none", m.Verdict);
        Assert.Equal(FlowIssues.None, m.Issues);
    }

    [Fact]
    public void The_factory_turns_a_verdict_into_a_finding_with_values_and_the_sinks_write_its_text()
    {
        var f = Tcp("198.51.100.7", 40000, "10.10.0.7", 445);
        var j = Judge().Judge(in f);
        var who = j.Parties;
        var finding = FindingFactory.ForFlow(j.Rule!, in f, in who, j.By?.Name, "1:x", new EventOrigin("c.pcap", 24, null));
        Assert.Equal("external", finding.SrcZone);
        Assert.Equal("external", finding.SrcTier);
        Assert.Equal((ushort)445, finding.DstPort);
        Assert.Equal(24, finding.Offset);
        Assert.Equal(new MessageArgs
        {
            Src = IpAddr.Parse("198.51.100.7"), Dst = IpAddr.Parse("10.10.0.7"), SrcZone = "external", DstZone = "mn",
            Protocol = IpProto.Tcp, Port = 445,
        }, finding.Args);
        Assert.Equal("My Number tier talked to the Internet: 198.51.100.7 (external) -> 10.10.0.7 (mn) tcp/445. Block it at the boundary and inspect the host.",
            Localization.Messages.Message(finding, "en"));
        Assert.StartsWith("マイナンバー利用事務系とインターネットの通信: 198.51.100.7 (external) → 10.10.0.7 (mn) tcp/445。", Localization.Messages.Message(finding, "ja"));
    }
}
