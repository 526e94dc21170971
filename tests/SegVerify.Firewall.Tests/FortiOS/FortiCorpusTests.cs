using System.Text.Json.Nodes;
using SegVerify.Core.Net;
using SegVerify.Firewall.Model;
using SegVerify.Firewall.Dialects.FortiOS;
using SegVerify.Tests.Common;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Firewall.Tests.FortiOS;

/// <summary>
/// The FortiOS reader against the shared corpora: anyconfig's expected parse trees, the facts Batfish's tests assert
/// (FORTIOS-NOTES.md), and every FortiOS file under ../shared/firewall read without a crash.
/// </summary>
public class FortiCorpusTests(ITestOutputHelper output)
{
    private static string BatfishDir(string shared) =>
        Path.Combine(shared, "firewall", "batfish", "projects", "batfish", "src", "test", "resources", "org", "batfish", "grammar", "fortios", "testconfigs");

    private static FortiOsConfig Batfish(string name)
    {
        var path = Path.Combine(BatfishDir(TestPaths.RequireShared()), name);
        return FortiOsConfig.Build(FortiConfigParser.Parse(path, File.ReadAllText(path)), null);
    }

    private static IntervalSet V4(string a, string b) =>
        IntervalSet.Range(FieldDomains.ToU(IpAddr.Parse(a)), FieldDomains.ToU(IpAddr.Parse(b)));

    private static FgWord At => new("x", 1, 1, false);

    // ---------------- anyconfig expected parse trees ----------------

    public static IEnumerable<object[]> AnyconfigCases()
    {
        var shared = TestPaths.Shared;
        if (shared is null) { yield return [""]; yield break; }
        foreach (var f in Directory.EnumerateFiles(Path.Combine(shared, "firewall", "python-anyconfig-fortios-backend", "tests", "res"), "*.txt").Order())
            if (File.Exists(Path.ChangeExtension(f, ".json"))) yield return [Path.GetFileName(f)];
    }

    [SkippableTheory]
    [MemberData(nameof(AnyconfigCases))]
    public void AnyconfigParseTreesAgree(string name)
    {
        var dir = Path.Combine(TestPaths.RequireShared(), "firewall", "python-anyconfig-fortios-backend", "tests", "res");
        var txt = Path.Combine(dir, name);
        var doc = FortiConfigParser.Parse(txt, File.ReadAllText(txt));
        var expected = JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(txt, ".json")))!["configs"]!.AsArray()
            .Where(n => n!["config"] is not null).Select(n => Canon(n!)).ToList();
        var actual = doc.Configs.Select(c => Canon(ToAnyconfig(c))).ToList();
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i], actual[i]);
        // The header comments are kept as anyconfig keeps them.
        var comments = JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(txt, ".json")))!["configs"]!.AsArray()
            .FirstOrDefault(n => n!["comments"] is not null)?["comments"]?.AsArray().Select(c => (string)c!).ToList();
        if (comments is not null) Assert.Equal(comments, doc.Comments.Select(c => c.Text.TrimEnd()).Select(c => c.Length > 0 && c[0] == ' ' ? c[1..] : c));
    }

    /// <summary>The tree in anyconfig's shape: {"config": path, key: value or [values], "edits": [...], "configs": [...]}.</summary>
    private static JsonObject ToAnyconfig(FgBlock b)
    {
        var o = new JsonObject();
        if (b is FgConfig c) o["config"] = c.Path;
        else o["edit"] = ((FgEdit)b).Name.Text;
        foreach (var s in b.Settings)
            o[s.Key.Text] = s.Verb == "unset" ? null
                : s.Values.Count == 1 ? JsonValue.Create(s.Values[0].Text)
                : new JsonArray(s.Values.Select(v => (JsonNode)JsonValue.Create(v.Text)!).ToArray());
        if (b is FgConfig cc && cc.Edits.Any()) o["edits"] = new JsonArray(cc.Edits.Select(e => (JsonNode)ToAnyconfig(e)).ToArray());
        if (b.Configs.Any()) o["configs"] = new JsonArray(b.Configs.Select(x => (JsonNode)ToAnyconfig(x)).ToArray());
        return o;
    }

    /// <summary>
    /// Canonical text of a JSON value: object keys sorted, arrays in order. anyconfig keeps single quotes as part of
    /// a value (<c>''</c>) where FortiOS's CLI (and Batfish) read them as quoting; a single-quoted string is
    /// compared without its quotes.
    /// </summary>
    private static string Canon(JsonNode n) => n switch
    {
        JsonValue v when v.TryGetValue<string>(out var str) && str.Length >= 2 && str[0] == '\'' && str[^1] == '\'' =>
            JsonValue.Create(str[1..^1]).ToJsonString(),
        JsonObject o => "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"\"{p.Key}\":{(p.Value is null ? "null" : Canon(p.Value))}")) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(x => x is null ? "null" : Canon(x))) + "]",
        _ => n.ToJsonString(),
    };

    // ---------------- Batfish facts (FORTIOS-NOTES.md) ----------------

    [SkippableFact]
    public void PolicyOrderAfterMoveCloneDelete()
    {
        Assert.Equal(["5", "1", "2", "4", "3"], Batfish("policy_move").Table("firewall policy").Objects.Select(o => o.Name));
        Assert.Equal(["1", "2", "3", "4"], Batfish("policy_clone").Table("firewall policy").Objects.Select(o => o.Name));
        Assert.Equal(["2", "1"], Batfish("policy_delete").Table("firewall policy").Objects.Select(o => o.Name));
        Assert.Equal(["0", "4294967294", "1", "2", "3"], Batfish("firewall_policy").Table("firewall policy").Objects.Select(o => o.Name));
        var clone = Batfish("policy_clone").Table("firewall policy");
        Assert.True(clone.TryGet("3", out var p3));
        Assert.Equal("accept", p3.Get("action"));
    }

    [SkippableFact]
    public void RenamesAreFollowed()
    {
        var cfg = Batfish("rename");
        Assert.True(cfg.Table("firewall address").Contains("new_addr1"));
        Assert.True(cfg.Table("firewall address").Contains("new_addr2"));
        Assert.False(cfg.Table("firewall address").Contains("old_addr1"));
        Assert.True(cfg.Table("firewall service custom").Contains("new_service2"));
        Assert.True(cfg.Table("system zone").Contains("new_zone2"));
        var groups = Batfish("addrgrp_rename").Table("firewall addrgrp");
        Assert.Equal(["new_group1", "new_group2"], groups.Objects.Select(o => o.Name).Order());
    }

    [SkippableFact]
    public void AddressTypes()
    {
        var cfg = Batfish("address");
        var r = new FortiResolver(cfg);
        var net = V4("1.1.1.0", "1.1.1.255");
        Assert.Equal(net, r.Address("ipmask", FgFamily.V4, At).Set);
        Assert.Equal(net, r.Address("iprange", FgFamily.V4, At).Set);
        Assert.Equal(net, r.Address("abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxy", FgFamily.V4, At).Set);
        Assert.Equal(FieldDomains.V4, r.Address("ipmask-default", FgFamily.V4, At).Set);
        Assert.Equal(FieldDomains.V4, r.Address("wildcard-default", FgFamily.V4, At).Set);
        Assert.Equal(V4("0.0.0.0", "1.1.1.1"), r.Address("iprange-default", FgFamily.V4, At).Set);
        // The second block wins: 2.2.2.2 255.0.0.255 = every address whose first and last octets are 2.
        var w = r.Address("wildcard", FgFamily.V4, At);
        Assert.True(w.Exact);
        Assert.True(w.Set.Contains(FieldDomains.ToU(IpAddr.Parse("2.77.13.2"))));
        Assert.False(w.Set.Contains(FieldDomains.ToU(IpAddr.Parse("2.77.13.3"))));
        Assert.False(w.Set.Contains(FieldDomains.ToU(IpAddr.Parse("3.0.0.2"))));
        Assert.Equal(65536, w.Set.Count);
        // interface-subnet resolves from the interface's own address.
        Assert.Equal(V4("1.1.1.0", "1.1.1.255"), r.Address("interface-subnet", FgFamily.V4, At).Set);
        foreach (var name in new[] { "fqdn", "geography", "dynamic", "mac" })
        {
            var s = r.Address(name, FgFamily.V4, At);
            Assert.False(s.Exact, name);
            Assert.Equal(FieldDomains.V4, s.Set);
            Assert.NotEmpty(s.Inexact);
        }
    }

    [SkippableFact]
    public void AddressGroupsNestAndExclude()
    {
        var r = new FortiResolver(Batfish("addrgrp"));
        // grp1: {addr1, addr5} minus {addr4, addr5}.
        Assert.Equal(V4("1.1.1.0", "1.1.1.255"), r.Address("grp1", FgFamily.V4, At).Set);
        // grp2: {addr4, grp1}, exclude disabled.
        Assert.Equal(V4("1.1.1.0", "1.1.1.255").Union(V4("4.4.4.0", "4.4.4.255")), r.Address("grp2", FgFamily.V4, At).Set);
        var p = new FortiResolver(Batfish("firewall_policy_addrgrp"));
        var parent = p.Address("grp1_parent", FgFamily.V4, At);
        Assert.Equal(V4("10.0.1.0", "10.0.1.255").Subtract(V4("10.0.1.64", "10.0.1.71")), parent.Set);
    }

    [SkippableFact]
    public void CustomServices()
    {
        var r = new FortiResolver(Batfish("service_custom"));
        var t = r.Service("explicit_tcp", At);
        // Each D:S entry is its own pair (exact, unlike Batfish's union of all ranges).
        Assert.Contains(t.Alts, a => a.Proto.Contains(6) && a.Dport.Equals(IntervalSet.Range(1, 2)) && a.Sport.Equals(IntervalSet.Range(3, 4)));
        Assert.Contains(t.Alts, a => a.Proto.Contains(6) && a.Dport.Equals(IntervalSet.Range(10, 11)) && a.Sport.Equals(IntervalSet.Range(0, 65535)));
        Assert.Contains(t.Alts, a => a.Proto.Contains(6) && a.Dport.Equals(IntervalSet.Single(13)) && a.Sport.Equals(IntervalSet.Range(6, 7)));
        Assert.Contains(t.Alts, a => a.Proto.Contains(17) && a.Dport.Equals(IntervalSet.Single(100)));
        Assert.Contains(t.Alts, a => a.Proto.Contains(132) && a.Dport.Equals(IntervalSet.Single(201)) && a.Sport.Equals(IntervalSet.Single(300)));
        Assert.Equal(6, t.Alts.Count);
        Assert.Equal(IntervalSet.Single(254), Assert.Single(r.Service("custom_ip", At).Alts).Proto);
        // Switching protocol clears the old protocol's fields: IP with no number = every protocol.
        var cp = Assert.Single(r.Service("change_protocol", At).Alts);
        Assert.Equal(IntervalSet.Range(0, 255), cp.Proto);
        Assert.True(r.Service("custom_icmp", At).IcmpTyped);
        Assert.False(r.Service("unset_icmp_3", At).IcmpTyped);
        Assert.Equal(IntervalSet.Single(58), Assert.Single(r.Service("custom_icmp6", At).Alts).Proto);
    }

    [SkippableFact]
    public void ZonesAndServiceGroups()
    {
        var z = Batfish("zone").Table("system zone");
        Assert.True(z.TryGet("zone1", out var zone1));
        Assert.Equal(["port2", "port1"], zone1.List("interface"));
        Assert.True(z.TryGet("zone2", out var zone2));
        Assert.Equal(["port3"], zone2.List("interface"));
        var g = Batfish("service_group").Table("firewall service group");
        Assert.True(g.TryGet("grp2", out var grp2));
        Assert.Equal(["custom_tcp3", "grp1"], grp2.List("member"));
    }

    [SkippableFact]
    public void SkippedSectionsAndQuoting()
    {
        var ign = Batfish("fortios_ignored");
        Assert.Equal(["Extracted Address"], ign.Table("firewall address").Objects.Select(o => o.Name));
        var msg = Batfish("fortios_replacemsg").Table("system replacemsg admin pre_admin-disclaimer-text");
        Assert.False(ign.HasTable("nonexistent"));
        var path = Path.Combine(BatfishDir(TestPaths.RequireShared()), "fortios_replacemsg");
        var doc = FortiConfigParser.Parse(path, File.ReadAllText(path));
        var buffer = doc.Configs[1].Settings.Single().Values.Single().Text;
        Assert.Equal("\"npre\"''\\\\nabc\\\\\\\" \"\nlastline", buffer);
        Assert.Empty(msg.Objects);
        var rec = Batfish("nested_config_recovery");
        var r = new FortiResolver(rec);
        Assert.Equal(V4("1.1.1.0", "1.1.1.255"), r.Address("tagging", FgFamily.V4, At).Set);
    }

    // ---------------- every FortiOS file ----------------

    public static IEnumerable<object[]> FortiOSFiles()
    {
        var shared = TestPaths.Shared;
        if (shared is null) { yield return [""]; yield break; }
        foreach (var f in Directory.EnumerateFiles(Path.Combine(shared, "firewall"), "*", SearchOption.AllDirectories).Order())
        {
            if (f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".md", StringComparison.Ordinal)) continue;
            if (FortiOsDetect.Score(File.ReadAllText(f)) > 0) yield return [Path.GetRelativePath(shared, f)];
        }
    }

    [SkippableTheory]
    [MemberData(nameof(FortiOSFiles))]
    public void EveryFortiOSFileIsRead(string rel)
    {
        var path = Path.Combine(TestPaths.RequireShared(), rel);
        var doc = FortiConfigParser.Parse(path, File.ReadAllText(path));
        var cfg = FortiOsConfig.Build(doc, doc.Configs.Any(c => c.Path == "vdom") && !doc.Configs.Any(c => c.Path == "vdom" && c.Edits.Any(e => e.Name.Text == "root")) ? doc.Configs.First(c => c.Path == "vdom").Edits.First().Name.Text : null);
        output.WriteLine($"{rel}: {doc.Configs.Count} blocks, {cfg.Table("firewall policy").Objects.Count} policies, {cfg.Warnings.Count} warnings");
        Assert.NotEmpty(doc.Configs);
        // Through the command line against the FortiGate sample topology: exit 0, 1 or 2, never 3, within a minute.
        var topo = Path.Combine(TestPaths.RequireShared(), "firewall", "fortios-sample", "topology.yaml");
        var o = new StringWriter(); var e = new StringWriter();
        var run = Task.Run(() => SegVerify.Cli.Program.Run(["check-firewall", "--topology", topo, "--firewall", "fg-honcho", "--config", path,
            "--dialect", "fortios", "--format", "jsonl", "--required"], o, e));
        Assert.True(run.Wait(TimeSpan.FromSeconds(60)), $"{rel}: no answer within 60 s");
        Assert.True(run.Result is 0 or 1 or 2, $"{rel}: exit {run.Result}: {e}");
        if (run.Result != 2) Assert.Contains("\"event\":\"summary\"", o.ToString());
        output.WriteLine($"  exit {run.Result}");
    }

    /// <summary>fortios-xutils' expected parse (parsed/*/all.json): the firewall objects and policies agree.</summary>
    [SkippableTheory]
    [InlineData("fortigate_cli_show_sample_0.txt", "fortigate-01")]
    [InlineData("fortigate_cli_show_sample_1.txt", "fortigate-02")]
    public void FortiosXutilsObjectsAndPoliciesAgree(string show, string parsed)
    {
        var res = Path.Combine(TestPaths.RequireShared(), "firewall", "fortios-xutils", "tests", "res");
        var path = Path.Combine(res, "show_configs", show);
        var doc = FortiConfigParser.Parse(path, File.ReadAllText(path));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(res, "parsed", parsed, "all.json")))!["configs"]!.AsArray();
        // Without VDOMs the top-level blocks; with VDOMs, config global plus each VDOM's blocks.
        var scopes = new List<(string? Vdom, List<JsonNode> Blocks)>();
        var global = json.Where(n => (string?)n!["config"] == "global").SelectMany(n => n!["configs"]!.AsArray()).Select(n => n!).ToList();
        var vdomEdits = json.Where(n => (string?)n!["config"] == "vdom").SelectMany(n => n!["edits"]!.AsArray()).Where(e => e!["configs"] is not null).ToList();
        if (vdomEdits.Count == 0) scopes.Add((null, json.Where(n => n!["config"] is not null).Select(n => n!).ToList()));
        else foreach (var e in vdomEdits) scopes.Add(((string)e!["edit"]!, [.. global, .. e["configs"]!.AsArray().Select(n => n!)]));
        int compared = 0;
        foreach (var (vdom, blocks) in scopes)
        {
            var cfg = FortiOsConfig.Build(doc, vdom);
            foreach (var table in new[] { "firewall address", "firewall addrgrp", "firewall service custom", "firewall service group", "firewall policy", "system interface", "system zone" })
            {
                var expected = blocks.FirstOrDefault(n => (string?)n["config"] == table)?["edits"]?.AsArray();
                if (expected is null) continue;
                var actual = cfg.Table(table).Objects;
                Assert.Equal(expected.Select(x => (string)x!["edit"]!), actual.Select(a => a.Name));
                foreach (var x in expected)
                {
                    var obj = actual.First(a => a.Name == (string)x!["edit"]!);
                    foreach (var key in new[] { "srcintf", "dstintf", "srcaddr", "dstaddr", "service", "action", "member", "subnet", "start-ip", "end-ip", "type", "tcp-portrange", "udp-portrange", "protocol", "interface", "vdom", "ip" })
                    {
                        var v = x!.AsObject()[key];
                        if (v is null) { Assert.Null(obj[key]); continue; }
                        var want = v is JsonArray a ? a.Select(i => (string)i!).ToList() : [(string)v!];
                        Assert.Equal(want, obj.List(key));
                        compared++;
                    }
                }
            }
        }
        output.WriteLine($"{show}: {compared} values compared");
        Assert.True(compared > 100);
    }
}
