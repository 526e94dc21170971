using System.Text.Json;
using SegVerify.Cli;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Firewall.Tests.FortiOS;

/// <summary>segverify check-firewall on FortiGate configurations, end to end and in-process.</summary>
public class FortiCheckFirewallTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static List<JsonElement> Jsonl(string o) =>
        o.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    private static string Topo => TestPaths.InRepo("topologies", "sample-city-fortigate.yaml");
    private static string Fw(string n) => TestPaths.InRepo("topologies", "firewall", n);
    private const string Now = "2026-11-30T00:00:00Z";

    private static string Batfish(string name) =>
        Path.Combine(TestPaths.RequireShared(), "firewall", "batfish", "projects", "batfish", "src", "test", "resources", "org", "batfish", "grammar", "fortios", "testconfigs", name);

    /// <summary>The shared labelled sample, judged as ../shared/tools/check_firewall.py judges it.</summary>
    [SkippableFact]
    public void SharedFortiosSampleIsJudgedRight()
    {
        var dir = Path.Combine(TestPaths.RequireShared(), "firewall", "fortios-sample");
        var topo = Path.Combine(dir, "topology.yaml");
        foreach (var cfg in new[] { "compliant.conf", "violating.conf" })
        {
            var path = Path.Combine(dir, cfg);
            var expPath = path + ".expected.json";
            var expected = File.Exists(expPath)
                ? JsonDocument.Parse(File.ReadAllText(expPath)).RootElement.GetProperty("expect").EnumerateArray().ToList()
                : [];
            var (code, o, e) = Run("check-firewall", "--topology", topo, "--config", path, "--firewall", "fg-honcho", "--format", "jsonl");
            Assert.True(code == (expected.Count > 0 ? 1 : 0), $"{cfg}: exit {code}: {e}");
            var viol = Jsonl(o).Where(l => l.GetProperty("event").GetString() == "violation").ToList();
            foreach (var x in expected)
                Assert.True(viol.Any(v => x.EnumerateObject().All(p => v.TryGetProperty(p.Name, out var a) && a.ToString() == p.Value.ToString())),
                    $"{cfg}: missed {x}");
            var lines = expected.Select(x => x.GetProperty("config_line").GetInt32()).ToHashSet();
            Assert.All(viol, v => Assert.Contains(v.GetProperty("config_line").GetInt32(), lines));
        }
    }

    [Fact]
    public void RepositoryExampleCompliantPassesAlsoWithRequired()
    {
        var (code, o, e) = Run("check-firewall", "--topology", Topo, "--config", Fw("fg-honcho-compliant.conf"), "--format", "jsonl", "--required", "--now", Now);
        Assert.True(code == 0, e + o);
        var lines = Jsonl(o);
        Assert.DoesNotContain(lines, l => l.GetProperty("event").GetString() == "violation");
        Assert.DoesNotContain(lines, l => l.TryGetProperty("rule", out var r) && r.GetString() is "unsupported-syntax" or "unmapped-interface");
        var summary = lines[^1];
        Assert.Equal("fortios", summary.GetProperty("dialect").GetString());
        Assert.False(summary.GetProperty("over_approximated").GetBoolean());
    }

    [Fact]
    public void RepositoryExampleViolatingReportsEachPlantedPolicy()
    {
        var (code, o, e) = Run("check-firewall", "--topology", Topo, "--config", Fw("fg-honcho-violating.conf"), "--format", "jsonl", "--now", Now);
        Assert.True(code == 1, e + o);
        var lines = Jsonl(o);
        var got = lines.Where(l => l.GetProperty("event").GetString() == "violation")
            .Select(l => (l.GetProperty("rule").GetString(), l.GetProperty("config_line").GetInt32())).ToHashSet();
        (string?, int)[] want =
        [
            ("mynumber-internet", 240),          // edit 20: DNS from port1 to wan1
            ("lgwan-internet-separation", 250),  // edit 21: srcaddr-negate
            ("sanitization-misuse", 250),
            ("sanitization-misuse", 261),        // edit 22: service-negate on the mail sanitisation path
            ("lgwan-internet-separation", 272),  // edit 23: IPv6 only (srcaddr6/dstaddr6)
            ("mynumber-isolation", 282),         // edit 24: FQDN destination, over-approximated
        ];
        Assert.Equal(want.ToHashSet(), got);
        var v6 = lines.First(l => l.TryGetProperty("config_line", out var c) && c.GetInt32() == 272 && l.GetProperty("event").GetString() == "violation");
        Assert.Equal("icmpv6", v6.GetProperty("proto").GetString());
        Assert.StartsWith("2001:db8:30::", v6.GetProperty("src_ip").GetString());
        var mn = lines.First(l => l.TryGetProperty("config_line", out var c) && c.GetInt32() == 240);
        Assert.Equal("port1", mn.GetProperty("in_interface").GetString());
        Assert.Equal("wan1", mn.GetProperty("out_interface").GetString());
        Assert.Equal(53, mn.GetProperty("dst_port").GetInt32());
        var fqdn = Assert.Single(lines, l => l.TryGetProperty("rule", out var r) && r.GetString() == "unsupported-syntax");
        Assert.Equal(97, fqdn.GetProperty("config_line").GetInt32());
        Assert.True(lines[^1].GetProperty("over_approximated").GetBoolean());
    }

    [Fact]
    public void ShadowedPolicyIsReportedAtItsEditLine()
    {
        var cfg = Temp("""
            config firewall policy
                edit 1
                    set srcintf "port2"
                    set dstintf "wan1"
                    set srcaddr "all"
                    set dstaddr "all"
                    set action deny
                    set service "ALL"
                next
                edit 2
                    set srcintf "port2"
                    set dstintf "wan1"
                    set srcaddr "all"
                    set dstaddr "all"
                    set action accept
                    set service "HTTPS"
                next
            end
            """);
        var (code, o, e) = Run("check-firewall", "--topology", Topo, "--config", cfg, "--format", "jsonl", "--dialect", "fortios", "--now", Now);
        Assert.True(code == 0, e + o);
        var sh = Assert.Single(Jsonl(o), l => l.TryGetProperty("rule", out var r) && r.GetString() == "shadowed-rule");
        Assert.Equal(10, sh.GetProperty("config_line").GetInt32());
    }

    [Theory]
    [InlineData("tcp 10.20.1.11:40000 -> 10.30.0.50:3389 in port2 out port3", "accept", 153)]
    [InlineData("udp 10.20.1.11:40000 -> 10.30.0.50:3389 in port2 out port3", "accept", 153)]
    [InlineData("tcp 10.20.1.11:40000 -> 8.8.8.8:443 in port2 out wan1", "drop", 216)]
    [InlineData("tcp 10.10.1.11:40000 -> 10.20.0.60:445 in port1 out port2", "drop", 141)]
    [InlineData("tcp 10.30.0.60:40000 -> 10.20.0.60:445 in port3 out port2", "accept", 183)]
    [InlineData("tcp 10.30.0.60:40000 -> 10.20.0.60:22 in port3 out port2", "drop", 141)]
    public void ProbesTraceToTheDecidingPolicy(string probe, string verdict, int line)
    {
        var (code, o, e) = Run("check-firewall", "--config", Fw("fg-honcho-compliant.conf"), "--probe", probe, "--format", "jsonl");
        Assert.True(code == 0, e);
        var p = Assert.Single(Jsonl(o));
        Assert.Equal(verdict, p.GetProperty("verdict").GetString());
        Assert.Equal(line, p.GetProperty("config_line").GetInt32());
    }

    [Fact]
    public void VirtualIpTranslatesBeforeThePolicy()
    {
        var (code, o, e) = Run("check-firewall", "--config", Fw("fg-honcho-compliant.conf"), "--format", "jsonl",
            "--probe", "tcp 198.18.0.1:40000 -> 203.0.113.80:443 in wan1 out dmz",
            "--probe", "tcp 198.18.0.1:40000 -> 203.0.113.80:80 in wan1 out dmz");
        Assert.True(code == 0, e);
        var ps = Jsonl(o);
        // Translated by the VIP (its edit line is on the path), then accepted by policy 7, which names the mapped server.
        Assert.Equal("accept", ps[0].GetProperty("verdict").GetString());
        Assert.Equal(206, ps[0].GetProperty("config_line").GetInt32());
        Assert.Contains(ps[0].GetProperty("path").EnumerateArray(), p => p.GetString()!.EndsWith(":132", StringComparison.Ordinal));
        // Port 80 is not forwarded: nothing translates it and no policy accepts it.
        Assert.Equal("drop", ps[1].GetProperty("verdict").GetString());
    }

    private const string VdomConfig = """
        #config-version=FG600F-7.2.8-FW-build1639-240313:opmode=0:vdom=1:user=admin
        config vdom
        edit root
        next
        edit lgwan
        next
        end
        config global
        config system interface
            edit "port1"
                set vdom "root"
            next
            edit "port2"
                set vdom "lgwan"
            next
            edit "wan1"
                set vdom "root"
            next
        end
        end
        config vdom
        edit root
        config firewall policy
            edit 1
                set srcintf "port1"
                set dstintf "wan1"
                set srcaddr "all"
                set dstaddr "all"
                set service "ALL"
            next
        end
        next
        edit lgwan
        config firewall policy
            edit 1
                set srcintf "port2"
                set dstintf "wan1"
                set srcaddr "all"
                set dstaddr "all"
                set action accept
                set service "HTTPS"
            next
        end
        next
        end
        """;

    [Fact]
    public void VdomSelectsThePolicies()
    {
        var cfg = Temp(VdomConfig);
        var root = Run("check-firewall", "--topology", Topo, "--config", cfg, "--format", "jsonl", "--now", Now);
        Assert.True(root.Code == 0, root.Err + root.Out);
        var lg = Run("check-firewall", "--topology", Topo, "--config", cfg, "--vdom", "lgwan", "--format", "jsonl", "--now", Now);
        Assert.True(lg.Code == 1, lg.Err + lg.Out);
        var v = Assert.Single(Jsonl(lg.Out), l => l.GetProperty("event").GetString() == "violation");
        Assert.Equal("lgwan-internet-separation", v.GetProperty("rule").GetString());
        Assert.Equal(35, v.GetProperty("config_line").GetInt32());
        var bad = Run("check-firewall", "--topology", Topo, "--config", cfg, "--vdom", "dmz", "--lang", "en");
        Assert.Equal(2, bad.Code);
        Assert.Contains("root, lgwan", bad.Err);
        Assert.Contains(":2:1:", bad.Err);
    }

    [Fact]
    public void UnmappedInterfacesAreWarnedOnce()
    {
        var cfg = Temp("""
            config system zone
                edit "branch"
                    set interface "port9" "port1"
                next
            end
            config firewall policy
                edit 1
                    set srcintf "port8"
                    set dstintf "wan1"
                    set srcaddr "all"
                    set dstaddr "all"
                    set action accept
                    set service "HTTPS"
                next
                edit 2
                    set srcintf "port8" "branch"
                    set dstintf "wan1"
                    set srcaddr "all"
                    set dstaddr "all"
                    set action accept
                    set service "HTTPS"
                next
            end
            """);
        var (code, o, e) = Run("check-firewall", "--topology", Topo, "--config", cfg, "--format", "jsonl", "--now", Now);
        Assert.True(code == 1, e + o); // port1 (mn-office) is a member of branch: mynumber-internet
        var un = Jsonl(o).Where(l => l.TryGetProperty("rule", out var r) && r.GetString() == "unmapped-interface").ToList();
        Assert.Equal(["port8", "port9"], un.Select(u => u.GetProperty("interface").GetString()).Order());
        Assert.All(un, u => Assert.Equal("warning", u.GetProperty("severity").GetString()));
        Assert.Equal(8, un.First(u => u.GetProperty("interface").GetString() == "port8").GetProperty("config_line").GetInt32());
    }

    [Theory]
    [InlineData("config firewall policy\n    edit 1\n        set srcintf \"port1\n", 3, 21)]
    [InlineData("config firewall policy\n    edit 1\n    next\n", 1, 1)]
    [InlineData("config firewall policy\n    next\nend\n", 2, 5)]
    public void MalformedConfigurationIsExit2WithPosition(string text, int line, int col)
    {
        var cfg = Temp(text);
        var (code, _, e) = Run("check-firewall", "--topology", Topo, "--config", cfg, "--dialect", "fortios", "--lang", "en");
        Assert.Equal(2, code);
        Assert.Contains($"{cfg}:{line}:{col}:", e);
        var ja = Run("check-firewall", "--topology", Topo, "--config", cfg, "--dialect", "fortios", "--lang", "ja");
        Assert.Equal(2, ja.Code);
        Assert.Contains($"{cfg}:{line}:{col}:", ja.Err);
    }

    [Theory]
    [InlineData("sarif")]
    [InlineData("junit")]
    [InlineData("html")]
    [InlineData("text")]
    public void EveryOutputFormat(string format)
    {
        var (code, o, e) = Run("check-firewall", "--topology", Topo, "--config", Fw("fg-honcho-violating.conf"), "--format", format, "--now", Now, "--lang", "en");
        Assert.True(code == 1, e);
        Assert.Contains(format switch { "sarif" => "\"ruleId\"", "junit" => "<testsuite", "html" => "<html", _ => "mynumber-internet" }, o);
        if (format == "sarif") Assert.Contains("fg-honcho-violating.conf", o);
    }

    /// <summary>Batfish's FortiOS verdict facts (FORTIOS-NOTES.md), as single-packet traces.</summary>
    [SkippableTheory]
    [InlineData("policy", "tcp 10.0.1.5:9999 -> 10.0.3.5:2345 in port1 out port3", "accept")]
    [InlineData("policy", "tcp 10.0.2.5:9999 -> 10.0.4.5:1234 in port2 out port4", "drop")]
    [InlineData("policy", "tcp 10.0.1.5:9999 -> 10.0.4.5:1235 in port1 out port4", "drop")]
    [InlineData("policy", "tcp 10.0.3.5:9999 -> 10.0.1.5:2345 in port3 out port1", "drop")]
    [InlineData("firewall_vi_policy", "tcp 10.0.1.5:9999 -> 10.0.1.9:80 in port1 out port2", "drop")]
    [InlineData("firewall_vi_policy", "tcp 10.0.1.5:9999 -> 10.0.2.9:80 in port1 out port2", "accept")]
    [InlineData("firewall_vi_policy", "tcp 10.0.2.5:9999 -> 10.0.3.9:80 in port2 out port3", "accept")]
    [InlineData("firewall_vi_policy", "tcp 10.0.2.5:9999 -> 10.1.3.9:80 in port2 out port3", "drop")]
    [InlineData("firewall_vi_policy", "tcp 10.0.2.5:9999 -> 10.0.1.9:80 in port2 out port1", "drop")]
    [InlineData("firewall_policy_addrgrp", "tcp 10.0.1.5:9999 -> 10.0.2.5:11 in port1 out port2", "accept")]
    [InlineData("firewall_policy_addrgrp", "tcp 10.0.1.65:9999 -> 10.0.2.5:11 in port1 out port2", "drop")]
    [InlineData("firewall_policy_addrgrp", "tcp 10.0.1.5:9999 -> 10.0.2.5:12 in port1 out port2", "drop")]
    [InlineData("firewall_policy", "tcp 10.0.1.5:11 -> 10.0.2.5:12 in port1 out port2", "drop")]
    [InlineData("firewall_policy", "tcp 10.0.1.5:40000 -> 10.0.2.5:11 in port1 out port2", "accept")]
    [InlineData("firewall_policy", "udp 10.9.9.9:11 -> 10.8.8.8:12 in port1 out port1", "accept")]
    public void BatfishVerdicts(string file, string probe, string verdict)
    {
        var (code, o, e) = Run("check-firewall", "--config", Batfish(file), "--dialect", "fortios", "--probe", probe, "--format", "jsonl");
        Assert.True(code == 0, e);
        Assert.Equal(verdict, Assert.Single(Jsonl(o)).GetProperty("verdict").GetString());
    }

    private static string Temp(string text)
    {
        var p = Path.Combine(Path.GetTempPath(), $"segverify-fortios-{Guid.NewGuid():N}.conf");
        File.WriteAllText(p, text);
        return p;
    }
}
