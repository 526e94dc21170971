using SegVerify.Core.Engine;
using SegVerify.Core.Topology;
using Xunit;
using static SegVerify.Core.Tests.Engine.TestFrames;

namespace SegVerify.Core.Tests.Engine;

public class VerifierTests
{
    private const string Topo = """
        segverify: 1
        name: test city
        model: alpha
        services:
          app: [tcp/7000]
        zones:
          mn:
            tier: mynumber
            segments: [{ cidr: 10.10.0.0/16, vlan: 110 }]
            registered_macs: [02:10:00:00:00:31]
            gateway_macs: [02:10:ff:ff:ff:01]
          lg:
            tier: lgwan
            segments: [{ cidr: 10.20.0.0/16, vlan: 120 }, { cidr: "fd00:20::/64" }]
            gateway_macs: [02:20:ff:ff:ff:01]
          inet:
            tier: internet
            segments: [{ cidr: 10.30.0.0/16, vlan: 130 }, { cidr: "2001:db8:30::/64" }]
          jlis:
            tier: public-institution
            segments: [{ cidr: 192.0.2.0/24 }]
        hosts:
          - { name: mn-relay, zone: mn, ip: 10.10.0.5, mac: 02:10:00:00:00:05 }
          - { name: mn-fs, zone: mn, ip: 10.10.0.20, mac: 02:10:00:00:00:20, services: [smb] }
          - { name: chukan, zone: jlis, ip: 192.0.2.10, services: [https] }
          - { name: lg-mail, zone: lg, ip: 10.20.0.25, services: [smtp] }
        allow:
          - { name: jlis-link, from: mn-relay, to: chukan, services: [https] }
          - { name: old, from: { zone: lg }, to: { cidr: 192.0.2.128/25 }, services: [https], expires: 2025-12-31 }
        limits:
          large_transfer_bytes: 10000
        """;

    private const string LgA = "02:20:00:00:00:0a", LgB = "02:20:00:00:00:0b", LgGw = "02:20:ff:ff:ff:01", MnGw = "02:10:ff:ff:ff:01";

    private static (Verifier V, RecordingSink S, Feeder F) Make(int maxFlows = 1000, bool flows = false)
    {
        var topo = TopologyLoader.LoadFromText(Topo, "test.yaml");
        var sink = new RecordingSink();
        var v = new Verifier(topo, sink, new VerifierOptions { MaxFlows = maxFlows, EmitFlows = flows });
        return (v, sink, new Feeder(v));
    }

    private static void TcpSession(Feeder f, string cmac, string smac, string c, string s, ushort sport, ushort dport, int payload = 100)
    {
        f.Send(Tcp(cmac, smac, c, s, sport, dport, Syn));
        f.Send(Tcp(smac, cmac, s, c, dport, sport, Syn | Ack));
        f.Send(Tcp(cmac, smac, c, s, sport, dport, Ack));
        f.Send(Tcp(cmac, smac, c, s, sport, dport, Psh | Ack, payload));
        f.Send(Tcp(smac, cmac, s, c, dport, sport, Psh | Ack, payload));
        f.Send(Tcp(cmac, smac, c, s, sport, dport, Fin | Ack));
        f.Send(Tcp(smac, cmac, s, c, dport, sport, Fin | Ack));
        f.Send(Tcp(cmac, smac, c, s, sport, dport, Ack));
    }

    [Fact]
    public void SynOpensTheFlowAndTheLastAckDoesNotOpenAnother()
    {
        var (v, s, f) = Make(flows: true);
        TcpSession(f, LgA, LgGw, "10.20.1.1", "10.30.0.9", 40000, 8080);
        v.Flush();
        var flow = Assert.Single(s.Flows);
        Assert.Equal("10.20.1.1", flow.SrcIp.ToString());
        Assert.Equal((ushort)8080, flow.DstPort);
        Assert.Equal("observed", flow.Direction);
        Assert.Equal(8, flow.Packets);
        var viol = Assert.Single(s.Findings);
        Assert.Equal("lgwan-internet-separation", viol.Rule);
        Assert.Equal(1, v.Stats.Flows);
    }

    [Fact]
    public void SynAckFirstMakesItsReceiverTheInitiator()
    {
        var (v, s, f) = Make();
        f.Send(Tcp(LgGw, LgA, "10.30.0.9", "10.20.1.1", 9999, 40000, Syn | Ack));
        f.Send(Tcp(LgA, LgGw, "10.20.1.1", "10.30.0.9", 40000, 9999, Ack));
        v.Flush();
        var x = Assert.Single(s.Findings);
        Assert.Equal("10.20.1.1", x.SrcIp.ToString());
        Assert.Equal((ushort)9999, x.DstPort);
        Assert.Equal("observed", x.Direction);
    }

    [Fact]
    public void MidStreamTcpUsesTheServicePortAndIsInferredWhenTheServerSpokeFirst()
    {
        var (v, s, f) = Make();
        f.Send(Tcp(LgGw, LgA, "10.30.0.9", "10.20.1.1", 445, 50000, Psh | Ack, 10));
        f.Send(Tcp(LgA, LgGw, "10.20.1.1", "10.30.0.9", 50000, 445, Ack));
        v.Flush();
        var x = Assert.Single(s.Findings);
        Assert.Equal("10.20.1.1", x.SrcIp.ToString());
        Assert.Equal((ushort)445, x.DstPort);
        Assert.Equal("inferred", x.Direction);
    }

    [Fact]
    public void MidStreamTcpFromTheClientIsObservedPerTheSpec()
    {
        var (v, s, f) = Make();
        f.Send(Tcp(LgA, LgGw, "10.20.1.1", "10.30.0.9", 50000, 7000, Psh | Ack, 10)); // declared service app
        v.Flush();
        var x = Assert.Single(s.Findings);
        Assert.Equal((ushort)7000, x.DstPort);
        Assert.Equal("observed", x.Direction);
    }

    [Fact]
    public void UdpWithoutServicePortFallsBackToTheFirstSender()
    {
        var (v, s, f) = Make();
        f.Send(Udp(LgGw, LgA, "10.30.0.9", "10.20.1.1", 40001, 40002));
        f.Send(Udp(LgA, LgGw, "10.20.1.1", "10.30.0.9", 40002, 40001));
        v.Flush();
        var x = Assert.Single(s.Findings);
        Assert.Equal("10.30.0.9", x.SrcIp.ToString());
        Assert.Equal((ushort)40002, x.DstPort);
        Assert.Equal("observed", x.Direction);
        Assert.Equal("lgwan-internet-separation", x.Rule);
    }

    [Fact]
    public void UdpReplyFromTheServicePortSeenFirstIsInferred()
    {
        var (v, s, f) = Make();
        f.Send(Udp(LgGw, LgA, "10.30.0.9", "10.20.1.1", 53, 40002));
        v.Flush();
        var x = Assert.Single(s.Findings);
        Assert.Equal("10.20.1.1", x.SrcIp.ToString());
        Assert.Equal((ushort)53, x.DstPort);
        Assert.Equal("inferred", x.Direction);
    }

    [Fact]
    public void IcmpEchoReplySeenFirstMakesTheOtherSideTheInitiator()
    {
        var (v, s, f) = Make();
        f.Send(Icmp(LgGw, LgA, "10.30.0.9", "10.20.1.1", 0, 0, 7));
        f.Send(Icmp(LgA, LgGw, "10.20.1.1", "10.30.0.9", 8, 0, 7));
        v.Flush();
        var x = Assert.Single(s.Findings);
        Assert.Equal("icmp", x.ProtoText ?? SegVerify.Core.Net.IpProto.Name(x.Protocol!.Value));
        Assert.Equal("10.20.1.1", x.SrcIp.ToString());
        Assert.Null(x.SrcPort);
        Assert.Equal("inferred", x.Direction);
    }

    [Fact]
    public void AllowRuleNamesTheHostAndExpiredRuleIsReportedInsteadOfTheMatrix()
    {
        var (v, s, f) = Make(flows: true);
        TcpSession(f, "02:10:00:00:00:05", MnGw, "10.10.0.5", "192.0.2.10", 40000, 443);
        TcpSession(f, LgA, LgGw, "10.20.1.1", "192.0.2.200", 40001, 443);
        v.Flush();
        var allowed = Assert.Single(s.Flows, x => x.SrcIp.ToString() == "10.10.0.5");
        Assert.Equal("allowed", allowed.Verdict);
        Assert.Equal("jlis-link", allowed.AllowedBy);
        var expired = Assert.Single(s.Findings);
        Assert.Equal("expired-exception", expired.Rule);
        Assert.Equal("old", expired.AllowedBy);
    }

    [Fact]
    public void FrameFindingsAreReportedOncePerMacAndAddress()
    {
        var (v, s, f) = Make();
        for (int i = 0; i < 3; i++)
        {
            f.Send(Tcp("02:66:66:66:66:05", "02:10:00:00:00:20", "10.10.0.5", "10.10.0.20", 40000, 445, Syn, 0, 110));
            f.Send(Arp("02:99:00:00:00:03", "10.10.3.3", "10.10.0.20", 110));
        }
        v.Flush();
        Assert.Equal(["mac-binding", "unregistered-device", "unregistered-device"], s.Findings.Select(x => x.Rule).Order().ToArray());
        var arp = Assert.Single(s.Findings, x => x.SrcMac.ToString() == "02:99:00:00:00:03");
        Assert.Equal("arp", arp.ProtoText);
        Assert.Equal((ushort)110, arp.Vlan);
    }

    [Fact]
    public void AFrameFromANewMacInTheMiddleOfAFlowIsStillChecked()
    {
        // The frame checks are skipped for frames whose flow side was already checked with the same MAC; a MAC that
        // appears later in the same flow (a spoofer, a moved cable) must still be checked.
        var (v, s, f) = Make();
        const string Bound = "02:10:00:00:00:05", Other = "02:66:66:66:66:07";
        f.Send(Tcp(Bound, "02:10:00:00:00:20", "10.10.0.5", "10.10.0.20", 40000, 445, Syn, 0, 110));
        f.Send(Tcp(Bound, "02:10:00:00:00:20", "10.10.0.5", "10.10.0.20", 40000, 445, Ack, 0, 110));
        Assert.Empty(s.Findings);
        f.Send(Tcp(Other, "02:10:00:00:00:20", "10.10.0.5", "10.10.0.20", 40000, 445, Ack, 0, 110));
        f.Send(Tcp(Bound, "02:10:00:00:00:20", "10.10.0.5", "10.10.0.20", 40000, 445, Ack, 0, 110));
        f.Send(Tcp(Other, "02:10:00:00:00:20", "10.10.0.5", "10.10.0.20", 40000, 445, Ack, 0, 110));
        v.Flush();
        var mb = Assert.Single(s.Findings, x => x.Rule == "mac-binding");
        Assert.Equal(Other, mb.SrcMac.ToString());
        Assert.Single(s.Findings, x => x.Rule == "unregistered-device" && x.SrcMac.ToString() == Other);
        Assert.DoesNotContain(s.Findings, x => x.SrcMac.ToString() == Bound && x.Rule is "mac-binding" or "unregistered-device");
    }

    [Fact]
    public void GatewayMacsAreExemptAndVlanMismatchUsesTheOuterTag()
    {
        var (v, s, f) = Make();
        f.Send(Tcp(MnGw, "02:10:00:00:00:20", "10.20.1.1", "10.10.0.20", 40000, 445, Syn, 0, 110));       // routed in by the gateway
        f.Send(Tcp(LgA, LgB, "10.20.1.1", "10.20.1.2", 40000, 7000, Syn, 0, 130, 120));                    // QinQ outer 130
        v.Flush();
        var vm = Assert.Single(s.Findings, x => x.Rule == "vlan-mismatch");
        Assert.Equal((ushort)130, vm.Vlan);
        Assert.Equal((ushort)120, vm.InnerVlan);
        Assert.DoesNotContain(s.Findings, x => x.Rule is "unregistered-device" or "mac-binding");
    }

    [Fact]
    public void EvictedFlowsAreStillJudged()
    {
        var (v, s, f) = Make(maxFlows: 16);
        for (int i = 0; i < 100; i++)
            f.Send(Tcp(LgA, LgGw, "10.20.1.1", "10.30.0.9", (ushort)(40000 + i), 8080, Syn));
        Assert.True(v.Stats.Evicted >= 84);
        v.Flush();
        Assert.Equal(100, s.Findings.Count(x => x.Rule == "lgwan-internet-separation"));
    }

    [Fact]
    public void IdleFlowsExpireAndTheSameTupleLaterIsANewFlow()
    {
        var (v, s, f) = Make();
        f.Send(Udp(LgA, LgGw, "10.20.1.1", "10.30.0.9", 40000, 53));
        f.Send(Udp(LgA, LgGw, "10.20.1.1", "10.30.0.9", 40000, 53), afterSeconds: 61);
        Assert.Single(s.Findings); // the first expired when the clock passed its idle timeout
        v.Flush();
        Assert.Equal(2, s.Findings.Count);
        Assert.Equal(2, v.Stats.Flows);
    }

    [Fact]
    public void LaterFragmentsJoinTheFlowOfTheFirst()
    {
        var (v, s, f) = Make(flows: true);
        var l4 = L4Tcp(40000, 445, Psh | Ack, 40);
        f.Send(Ipv4Fragment(LgA, LgGw, "10.20.1.1", "10.30.0.9", 6, 77, 0, true, l4[..24]));
        f.Send(Ipv4Fragment(LgA, LgGw, "10.20.1.1", "10.30.0.9", 6, 77, 24, false, l4[24..]));
        v.Flush();
        var flow = Assert.Single(s.Flows);
        Assert.Equal(2, flow.Packets);
        Assert.Equal((ushort)445, flow.DstPort);
        Assert.Equal(0, v.Stats.OrphanFragments);
    }

    [Fact]
    public void UndeclaredServiceLargeTransferAndUnclassified()
    {
        var (v, s, f) = Make();
        TcpSession(f, LgA, LgB, "10.20.1.1", "10.20.0.25", 40000, 110);                       // lg-mail offers smtp only
        TcpSession(f, LgA, LgB, "192.168.7.7", "10.20.0.25", 40001, 25);                      // unclassified source
        TcpSession(f, "02:30:00:00:00:01", LgGw, "10.30.0.9", "10.20.0.25", 40002, 25, 20000); // large, crossing
        v.Flush();
        Assert.Contains(s.Findings, x => x.Rule == "undeclared-service" && x.DstPort == 110);
        var un = Assert.Single(s.Findings, x => x.Rule == "unclassified-address");
        Assert.Equal("192.168.7.7", un.SrcIp.ToString());
        Assert.Equal("unclassified", un.SrcZone);
        var lt = Assert.Single(s.Findings, x => x.Rule == "large-transfer");
        Assert.True(lt.Bytes > 10000);
        Assert.Contains(s.Findings, x => x.Rule == "lgwan-internet-separation" && x.SrcIp.ToString() == "10.30.0.9");
    }

    [Fact]
    public void Ipv6FlowsAreClassifiedAndMulticastGetsNoVerdict()
    {
        var (v, s, f) = Make();
        f.Send(Tcp(LgA, LgGw, "fd00:20::5", "2001:db8:30::9", 40000, 443, Syn));
        f.Send(Udp(LgA, "33:33:00:01:00:03", "fd00:20::5", "ff02::1:3", 5355, 5355));
        f.Send(Udp(LgA, "ff:ff:ff:ff:ff:ff", "10.20.1.1", "10.20.255.255", 137, 137));
        v.Flush();
        var x = Assert.Single(s.Findings);
        Assert.Equal("fd00:20::5", x.SrcIp.ToString());
        Assert.Equal("lgwan-internet-separation", x.Rule);
    }
}
