using System.Text.Json;
using SegVerify.Cli;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Firewall.Tests.FortiOS;

/// <summary>
/// FortiOS virtual IPs in check-firewall: static NAT of ranges (one to one), port forwarding of port ranges, VIP
/// groups, and how policies match translated traffic (only the policies naming the VIP, unless a deny policy has
/// <c>match-vip</c>, which FortiOS 7.2.4 made the default).
/// </summary>
public class FortiVipTests
{
    private static string Topo => TestPaths.InRepo("topologies", "sample-city-fortigate.yaml");

    private const string Vips = """
        config firewall vip
            edit "vip-www"
                set extip 203.0.113.80
                set mappedip "198.51.100.10"
                set extintf "wan1"
                set portforward enable
                set extport 8443
                set mappedport 443
            next
            edit "vip-fs"
                set extip 203.0.113.100-203.0.113.103
                set mappedip "10.10.0.20-10.10.0.23"
                set extintf "wan1"
            next
            edit "vip-ports"
                set extip 203.0.113.90
                set mappedip "198.51.100.11"
                set extintf "wan1"
                set portforward enable
                set extport 9000-9009
                set mappedport 8000-8009
            next
        end
        config firewall vipgrp
            edit "pub-grp"
                set interface "wan1"
                set member "vip-www" "vip-ports"
            next
        end
        """;

    /// <summary>Line 1 of the policy section is line <see cref="PolicyStart"/> of the file.</summary>
    private static string Config(string header, string denyExtra) => header + Vips + "\n" + $$"""
        config firewall policy
            edit 2
                set name "deny-inbound-mn"
                set srcintf "wan1"
                set dstintf "port1"
                set srcaddr "all"
                set dstaddr "all"
                set action deny
                set schedule "always"
                set service "ALL"
        {{denyExtra}}    next
            edit 1
                set name "publish-fs"
                set srcintf "wan1"
                set dstintf "port1"
                set srcaddr "all"
                set dstaddr "vip-fs"
                set action accept
                set schedule "always"
                set service "SAMBA"
            next
            edit 3
                set name "publish-dmz"
                set srcintf "wan1"
                set dstintf "dmz"
                set srcaddr "all"
                set dstaddr "pub-grp"
                set action accept
                set schedule "always"
                set service "ALL"
            next
        end

        """;

    private static (int Code, List<JsonElement> Lines, string Err) Check(string text, params string[] more)
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            var cfg = Path.Combine(dir.FullName, "fg.conf");
            File.WriteAllText(cfg, text);
            var o = new StringWriter(); var e = new StringWriter();
            int code = Program.Run(["check-firewall", "--topology", Topo, "--config", cfg, "--format", "jsonl", "--now", "2026-11-30T00:00:00Z", .. more], o, e);
            return (code, o.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList(), e.ToString());
        }
        finally { dir.Delete(true); }
    }

    private static List<JsonElement> Events(List<JsonElement> lines, string ev) => lines.Where(l => l.GetProperty("event").GetString() == ev).ToList();
    private static string S(JsonElement e, string k) => e.GetProperty(k).ToString();
    private static int LineOf(string text, string needle) => text.Split('\n').ToList().FindIndex(l => l.Contains(needle)) + 1;

    [Fact]
    public void TranslatedTrafficPassesADenyAllWithoutMatchVip()
    {
        var text = Config("", "");
        var (code, lines, err) = Check(text);
        Assert.True(code == 1, err);
        var v = Events(lines, "violation");
        // vip-fs: static NAT of a range, one to one; the deny above does not match translated traffic.
        var fs = Assert.Single(v, x => S(x, "dst_zone") == "mn-office");
        Assert.Equal(("mynumber-internet", "external"), (S(fs, "rule"), S(fs, "src_zone")));
        Assert.Equal(LineOf(text, "edit 1"), fs.GetProperty("config_line").GetInt32());
        Assert.Equal(("203.0.113.101", "10.10.0.21"), (S(fs, "dst_ip"), S(fs, "nat_dst_ip")));
        Assert.Equal(fs.GetProperty("dst_port").GetInt32(), fs.GetProperty("nat_dst_port").GetInt32());
        Assert.Contains(fs.GetProperty("path").EnumerateArray(), p => p.GetString()!.EndsWith($":{LineOf(text, "edit \"vip-fs\"")}", StringComparison.Ordinal));
        // vip-ports through the VIP group: 9000-9009 -> 8000-8009 one to one, to a server the policy does not publish.
        var ports = Assert.Single(v, x => S(x, "dst_zone") == "public-web");
        Assert.Equal(LineOf(text, "edit 3"), ports.GetProperty("config_line").GetInt32());
        Assert.Equal(("203.0.113.90", "198.51.100.11"), (S(ports, "dst_ip"), S(ports, "nat_dst_ip")));
        Assert.Equal(ports.GetProperty("dst_port").GetInt32() - 1000, ports.GetProperty("nat_dst_port").GetInt32());
        // vip-www (8443 -> www:443) is what publish-www permits: nothing else.
        Assert.Equal(2, v.Count);
        // The deny above does not shadow the VIP policy: they match different traffic.
        Assert.DoesNotContain(Events(lines, "warning"), w => S(w, "rule") == "shadowed-rule");
    }

    [Theory]
    [InlineData("", "        set match-vip enable\n", false)]
    [InlineData("#config-version=FG100F-7.4.3-FW-build2573-240201:opmode=0:vdom=0:user=admin\n", "", false)]
    [InlineData("#config-version=FG100F-7.4.3-FW-build2573-240201:opmode=0:vdom=0:user=admin\n", "        set match-vip disable\n", true)]
    [InlineData("#config-version=FG100F-7.2.3-FW-build1262-221109:opmode=0:vdom=0:user=admin\n", "", true)]
    [InlineData("#config-version=FG100F-7.2.4-FW-build1396-230131:opmode=0:vdom=0:user=admin\n", "", false)]
    public void MatchVipMakesADenyPolicyMatchTranslatedTraffic(string header, string denyExtra, bool passes)
    {
        var text = Config(header, denyExtra);
        var (_, lines, err) = Check(text);
        var v = Events(lines, "violation");
        Assert.Equal(passes, v.Any(x => S(x, "dst_zone") == "mn-office"));
        if (!passes)
        {
            // The VIP policy below is now shadowed by the deny.
            Assert.Contains(Events(lines, "warning"), w => S(w, "rule") == "shadowed-rule" && w.GetProperty("config_line").GetInt32() == LineOf(text, "edit 1"));
        }
    }

    [Fact]
    public void ProbeThroughAStaticNatRange()
    {
        var text = Config("", "");
        var (code, lines, err) = Check(text, "--probe", "tcp 198.18.0.1:40000 -> 203.0.113.102:139 in wan1 out port1",
            "--probe", "tcp 198.18.0.1:40000 -> 203.0.113.90:9005 in wan1 out dmz",
            "--probe", "tcp 198.18.0.1:40000 -> 10.10.0.22:139 in wan1 out port1");
        Assert.True(code == 0, err);
        var p = Events(lines, "probe");
        Assert.Equal(("accept", "10.10.0.22", 139), (S(p[0], "verdict"), S(p[0], "nat_dst_ip"), p[0].GetProperty("nat_dst_port").GetInt32()));
        Assert.Equal(("accept", "198.51.100.11", 8005), (S(p[1], "verdict"), S(p[1], "nat_dst_ip"), p[1].GetProperty("nat_dst_port").GetInt32()));
        // Sent to the server's own address, nothing translates it: the deny matches it.
        Assert.Equal("drop", S(p[2], "verdict"));
        Assert.False(p[2].TryGetProperty("nat_dst_ip", out _));
        Assert.Equal(LineOf(text, "edit 2"), p[2].GetProperty("config_line").GetInt32());
    }

    [Fact]
    public void SourceFilterAndDisabledVips()
    {
        var text = Config("", "").Replace("""
                    set mappedip "10.10.0.20-10.10.0.23"
            """, """
                    set mappedip "10.10.0.20-10.10.0.23"
                    set src-filter "198.18.0.0/15"
            """).Replace("""
                    set extport 9000-9009
            """, """
                    set extport 9000-9009
                    set status disable
            """);
        var (code, lines, err) = Check(text, "--probe", "tcp 198.18.0.1:40000 -> 203.0.113.101:139 in wan1 out port1",
            "--probe", "tcp 192.0.2.200:40000 -> 203.0.113.101:139 in wan1 out port1");
        Assert.True(code == 0, err);
        var p = Events(lines, "probe");
        Assert.Equal("accept", S(p[0], "verdict"));
        Assert.Equal("drop", S(p[1], "verdict"));
        var (_, an, _) = Check(text);
        var v = Assert.Single(Events(an, "violation"));
        Assert.Equal("mn-office", S(v, "dst_zone"));
        Assert.StartsWith("198.1", S(v, "src_ip"));
    }

    [Fact]
    public void CentralNatTranslatesEveryVipAndPoliciesNameTheMappedAddress()
    {
        var text = """
            config system settings
                set central-nat enable
            end
            config firewall address
                edit "mn-fs"
                    set subnet 10.10.0.20 255.255.255.252
                next
            end
            config firewall vip
                edit "vip-fs"
                    set extip 203.0.113.100-203.0.113.103
                    set mappedip "10.10.0.20-10.10.0.23"
                    set extintf "wan1"
                next
            end
            config firewall policy
                edit 1
                    set srcintf "wan1"
                    set dstintf "port1"
                    set srcaddr "all"
                    set dstaddr "mn-fs"
                    set action accept
                    set schedule "always"
                    set service "SMB"
                next
            end

            """;
        var (code, lines, err) = Check(text);
        Assert.True(code == 1, err);
        // The policy admits the server sent to its own address and sent to the VIP: one class each.
        var vs = Events(lines, "violation");
        Assert.Equal(2, vs.Count);
        Assert.All(vs, x => Assert.Equal(("mynumber-internet", 17), (S(x, "rule"), x.GetProperty("config_line").GetInt32())));
        var direct = Assert.Single(vs, x => !x.TryGetProperty("nat_dst_ip", out _));
        Assert.Equal("10.10.0.21", S(direct, "dst_ip"));
        var v = Assert.Single(vs, x => x.TryGetProperty("nat_dst_ip", out _));
        Assert.Equal(("445", "445"), (S(v, "dst_port"), S(v, "nat_dst_port")));
        Assert.Equal(("203.0.113.101", "10.10.0.21"), (S(v, "dst_ip"), S(v, "nat_dst_ip")));
    }
}
