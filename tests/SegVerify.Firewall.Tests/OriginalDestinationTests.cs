using SegVerify.Core.Findings;
using SegVerify.Core.Net;
using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Model;
using Xunit;

namespace SegVerify.Firewall.Tests;

/// <summary>
/// Filters on the destination before NAT: iptables <c>-m conntrack --ctorigdst/--ctorigdstport</c>, nft
/// <c>ct original ip daddr</c> / <c>ct original proto-dst</c>, and the conntrack source/reply fields that equal a
/// packet field on the forward path.
/// </summary>
public class OriginalDestinationTests
{
    private static object? X(Finding f, string key) => f.Extra!.FirstOrDefault(k => k.Key == key).Value;

    private const string Nat =
        "*nat\n:PREROUTING ACCEPT [0:0]\n" +
        "-A PREROUTING -i eth6 -d 203.0.113.10/32 -p tcp -m tcp --dport 443 -j DNAT --to-destination 198.51.100.10\n" +
        "-A PREROUTING -i eth6 -d 203.0.113.10/32 -p tcp -m tcp --dport 8445 -j DNAT --to-destination 198.51.100.10:443\n" +
        "-A PREROUTING -i eth6 -d 203.0.113.11/32 -p tcp -j DNAT --to-destination 10.10.0.20\n" +
        "COMMIT\n";

    private static FwRuleset Ipt(string filter) => AnalysisTests.Ipt(Nat + "*filter\n:FORWARD DROP [0:0]\n" + filter + "COMMIT\n");

    private static ProbePacket Tcp(string dst, ushort port, string outIf) =>
        new(IpProto.Tcp, IpAddr.Parse("198.18.0.1"), 40000, IpAddr.Parse(dst), port, "eth6", outIf, null, ConnStates.New);

    private static List<Finding> Violations(AnalysisResult r) => r.Findings.Where(f => f.Severity == Severity.Violation).ToList();

    [Fact]
    public void IptablesCtorigdstMatchesTheAddressAndPortAsSent()
    {
        // Only what was sent to 203.0.113.10:443 is accepted: the same server reached through :8445 is not, nor is
        // the mn-office server published on 203.0.113.11.
        var rs = Ipt("-A FORWARD -i eth6 -p tcp -m conntrack --ctstate DNAT --ctorigdst 203.0.113.10 --ctorigdstport 443 -j ACCEPT\n" +
                     "-A FORWARD -i eth6 -p tcp -m conntrack ! --ctorigdst 203.0.113.0/24 -j ACCEPT\n");
        Assert.Empty(rs.Warnings);
        Assert.Equal((Verdict.Accept, IpAddr.Parse("198.51.100.10")), Trace(rs, Tcp("203.0.113.10", 443, "eth4")));
        Assert.Equal(Verdict.Drop, ConcreteTracer.Trace(rs, Tcp("203.0.113.10", 8445, "eth4")).Verdict);
        Assert.Equal(Verdict.Drop, ConcreteTracer.Trace(rs, Tcp("203.0.113.11", 445, "eth0")).Verdict);
        // Untranslated: the original destination is the destination.
        Assert.Equal(Verdict.Accept, ConcreteTracer.Trace(rs, Tcp("198.51.100.10", 22, "eth4")).Verdict);
        Assert.Equal(Verdict.Drop, ConcreteTracer.Trace(rs, Tcp("203.0.113.99", 22, "eth4")).Verdict);
        var v = Violations(AnalysisTests.Analyse(rs));
        // The second rule admits everything sent straight to the zones from the Internet; none of it translated.
        Assert.Contains(v, f => f.Rule == "mynumber-internet" && X(f, "nat_dst_ip") is null && $"{f.DstIp}".StartsWith("10.10."));
        Assert.DoesNotContain(v, f => X(f, "nat_dst_ip") is not null);
    }

    [Fact]
    public void IptablesCtorigdstDropKeepsTheRestOfATranslation()
    {
        var rs = Ipt("-A FORWARD -m conntrack --ctorigdst 203.0.113.11 -p tcp -m tcp --dport 445 -j DROP\n" +
                     "-A FORWARD -i eth6 -m conntrack --ctstate DNAT -j ACCEPT\n");
        Assert.Empty(rs.Warnings);
        Assert.Equal(Verdict.Drop, ConcreteTracer.Trace(rs, Tcp("203.0.113.11", 445, "eth0")).Verdict);
        var t = ConcreteTracer.Trace(rs, Tcp("203.0.113.11", 3389, "eth0"));
        Assert.Equal((Verdict.Accept, IpAddr.Parse("10.10.0.20")), (t.Verdict, t.NatDst));
        var v = Assert.Single(Violations(AnalysisTests.Analyse(rs)), f => f.Rule == "mynumber-internet");
        Assert.Equal((IpAddr.Parse("203.0.113.11"), "10.10.0.20"), (v.DstIp, (string?)X(v, "nat_dst_ip")));
        Assert.NotEqual((ushort?)445, v.DstPort);
        Assert.Contains("dport 0-444,446-65535", (string)X(v, "class")!);
    }

    [Fact]
    public void NftCtOriginalDaddrAndProtoDst()
    {
        const string text = """
            table ip nat {
                chain pre {
                    type nat hook prerouting priority dstnat; policy accept;
                    iifname "eth6" ip daddr 203.0.113.10 tcp dport { 443, 8445 } dnat to 198.51.100.10:443
                    iifname "eth6" ip daddr 203.0.113.11 meta l4proto tcp dnat to 10.10.0.20
                }
            }
            table inet filter {
                chain forward {
                    type filter hook forward priority filter; policy drop;
                    meta l4proto tcp ct original ip daddr 203.0.113.10 ct original proto-dst 443 accept
                    ct reply ip saddr 10.10.0.20 ct original ip saddr 198.18.0.0/15 accept
                }
            }
            """;
        var rs = AnalysisTests.Nft(text);
        Assert.Empty(rs.Warnings);
        Assert.Equal((Verdict.Accept, IpAddr.Parse("198.51.100.10")), Trace(rs, Tcp("203.0.113.10", 443, "eth4")));
        Assert.Equal(Verdict.Drop, ConcreteTracer.Trace(rs, Tcp("203.0.113.10", 8445, "eth4")).Verdict);
        // ct reply ip saddr is the translated destination.
        Assert.Equal((Verdict.Accept, IpAddr.Parse("10.10.0.20")), Trace(rs, Tcp("203.0.113.11", 445, "eth0")));
        var v = Violations(AnalysisTests.Analyse(rs));
        Assert.Contains(v, f => f.Rule == "mynumber-internet" && (string?)X(f, "nat_dst_ip") == "10.10.0.20" && f.DstIp == IpAddr.Parse("203.0.113.11"));
        Assert.Contains(v, f => f.Rule == "mynumber-internet" && X(f, "nat_dst_ip") is null && f.DstIp == IpAddr.Parse("10.10.0.20"));
        Assert.DoesNotContain(v, f => f.DstZone == "public-web");
    }

    [Fact]
    public void APortMatchOnTheOriginalDestinationOfAnyProtocolIsReported()
    {
        var rs = Ipt("-A FORWARD -i eth6 -m conntrack --ctorigdstport 443 -j ACCEPT\n");
        Assert.Equal(9, Assert.Single(rs.Warnings).Pos.Line);
        Assert.True(AnalysisTests.Analyse(rs).OverApproximated);
    }

    private static (Verdict, IpAddr?) Trace(FwRuleset rs, ProbePacket p)
    {
        var t = ConcreteTracer.Trace(rs, p);
        return (t.Verdict, t.NatDst);
    }
}
