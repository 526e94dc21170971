using SegVerify.Core.Findings;
using SegVerify.Firewall.Model;
using Xunit;

namespace SegVerify.Firewall.Tests;

/// <summary>
/// The set analysis on fw-core written the way nft users write it (defines, a verdict map per ingress interface,
/// concatenated sets for published and sanitised services): the compliant ruleset has no finding at all, and a
/// violating one has exactly the planted violation (concatenations are tuples, not cross products).
/// </summary>
public class NftSetAnalysisTests
{
    private static string Ruleset(string publishedExtra = "", string wanOut = "$WEB") => $$"""
        define MN = "eth0"
        define LG = "eth1"
        define INET = "eth2"
        define LGWAN = "eth3"
        define WEB = "eth4"
        define JLIS = "eth5"
        define WAN = "eth6"
        define internal4 = { 10.10.0.0/16, 10.20.0.0/16, 10.30.0.0/16, 172.16.0.0/12, 192.0.2.0/24, 198.51.100.0/26 }
        define internal6 = { fd00:10::/64, fd00:20::/64, 2001:db8:30::/64 }

        table inet fw-core {
        	set published {
        		type ipv4_addr . inet_service
        		elements = { 198.51.100.10 . 443{{publishedExtra}} }
        	}

        	set sanitized {
        		type ipv4_addr . ipv4_addr . inet_service
        		elements = { 10.30.0.25 . 10.20.0.25 . 25, 10.30.0.60 . 10.20.0.60 . 139,
        			     10.30.0.60 . 10.20.0.60 . 445 }
        	}

        	chain forward {
        		type filter hook forward priority filter; policy drop;
        		ct state vmap { established : accept, related : accept, invalid : drop }
        		jump anti-spoof
        		iifname vmap { $MN : jump from_mn, $LG : jump from_lg, $INET : goto from_inet, $LGWAN : jump from_lgwan, $WAN : jump from_wan }
        	}

        	chain anti-spoof {
        		iifname $MN ip saddr != 10.10.0.0/16 drop
        		iifname $MN ip6 saddr != fd00:10::/64 drop
        		iifname $LG ip saddr != 10.20.0.0/16 drop
        		iifname $LG ip6 saddr != fd00:20::/64 drop
        		iifname $INET ip saddr != 10.30.0.0/16 drop
        		iifname $INET ip6 saddr != 2001:db8:30::/64 drop
        		iifname $LGWAN ip saddr != 172.16.0.0/12 drop
        		iifname { $LGWAN, $WEB, $JLIS } meta nfproto ipv6 drop
        		iifname $WEB ip saddr != 198.51.100.0/26 drop
        		iifname $JLIS ip saddr != 192.0.2.0/24 drop
        		iifname $WAN ip saddr $internal4 drop
        		iifname $WAN ip6 saddr $internal6 drop
        	}

        	chain from_mn {
        		oifname $JLIS ip saddr . ip daddr . tcp dport { 10.10.0.5 . 192.0.2.10 . 443 } accept comment "jlis-link"
        	}

        	chain from_lg {
        		oifname $LGWAN accept
        		oifname $INET ip daddr 10.30.0.50 meta l4proto { tcp, udp } th dport 3389 accept comment "screen-transfer"
        	}

        	chain from_lgwan {
        		oifname $LG accept
        	}

        	chain from_inet {
        		oifname $LG ip saddr . ip daddr . tcp dport @sanitized accept comment "mail-text, file-sanitization"
        		oifname $WAN accept
        	}

        	chain from_wan {
        		oifname {{wanOut}} ip daddr . tcp dport @published accept comment "publish-www"
        	}
        }
        """;

    [Fact]
    public void CompliantIdiomaticRulesetHasNoFinding()
    {
        var rs = AnalysisTests.Nft(Ruleset());
        Assert.Empty(rs.Warnings.Select(w => $"{w.Pos.Full}: {w.Message}"));
        var r = AnalysisTests.Analyse(rs, required: true);
        Assert.Empty(r.Findings.Select(f => $"{f.Rule}: {SegVerify.Core.Localization.Messages.Message(f, "en")}"));
    }

    [Fact]
    public void PublishingAnLgwanServerThroughTheSetIsExactlyOneViolation()
    {
        // The published set gains lg-mail's SMTP and the WAN chain may now reach lg-office: external -> lg-mail:25
        // is the only new flow (198.51.100.10 stays https-only, lg-mail is not reachable on 443).
        var rs = AnalysisTests.Nft(Ruleset(", 10.20.0.25 . 25", "{ $WEB, $LG }"));
        Assert.Empty(rs.Warnings);
        var r = AnalysisTests.Analyse(rs);
        var f = Assert.Single(r.Findings);
        Assert.Equal(Severity.Violation, f.Severity);
        Assert.Equal("lgwan-internet-separation", f.Rule);
        Assert.Equal("10.20.0.25", f.DstIp!.Value.ToString());
        Assert.Equal((ushort)25, f.DstPort);
        Assert.Equal(64, f.Config!.Line); // the from_wan rule
        Assert.Equal("external", f.SrcZone);
        Assert.Equal("lg-office", f.DstZone);
    }
}
