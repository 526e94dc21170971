using System.Text.Json;
using SegVerify.Core.Output;
using Xunit;
using static SegVerify.Core.Tests.Output.SinkFixtures;

namespace SegVerify.Core.Tests.Output;

public class SarifSinkTests
{
    [Fact]
    public void Replay_findings_become_results_located_in_the_capture()
    {
        var findings = new OutputEvent[] { MnInternet(), VlanMismatch(), MacBinding(), FlowEvent() };
        using var doc = JsonDocument.Parse(Run(w => new SarifSink(w, "en"), findings));
        var root = doc.RootElement;
        Assert.Equal(SarifSink.SchemaUri, root.GetProperty("$schema").GetString());
        Assert.Equal("2.1.0", root.GetProperty("version").GetString());
        var run = Assert.Single(root.GetProperty("runs").EnumerateArray());
        var driver = run.GetProperty("tool").GetProperty("driver");
        Assert.Equal("segverify", driver.GetProperty("name").GetString());
        var rules = driver.GetProperty("rules").EnumerateArray().ToList();
        Assert.Equal(["mynumber-internet", "vlan-mismatch", "mac-binding"], rules.Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(ClauseMnInternet, rules[0].GetProperty("shortDescription").GetProperty("text").GetString());
        Assert.Equal("warning", rules[1].GetProperty("defaultConfiguration").GetProperty("level").GetString());

        var results = run.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(3, results.Count); // the flow event is not a result
        var r0 = results[0];
        Assert.Equal("mynumber-internet", r0.GetProperty("ruleId").GetString());
        Assert.Equal(0, r0.GetProperty("ruleIndex").GetInt32());
        Assert.Equal("error", r0.GetProperty("level").GetString());
        Assert.Equal("My Number tier talked to the Internet: 10.10.1.11 (mn-office) -> 1.1.1.1 (external) udp/53. Block it at the boundary and inspect the host.", r0.GetProperty("message").GetProperty("text").GetString());
        var loc = Assert.Single(r0.GetProperty("locations").EnumerateArray()).GetProperty("physicalLocation");
        Assert.Equal("captures/sample-city.pcap", loc.GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.False(loc.TryGetProperty("region", out _));
        var p = r0.GetProperty("properties");
        Assert.Equal("10.10.1.11", p.GetProperty("src_ip").GetString());
        Assert.Equal(40007, p.GetProperty("src_port").GetInt32());
        Assert.Equal("1.1.1.1", p.GetProperty("dst_ip").GetString());
        Assert.Equal(53, p.GetProperty("dst_port").GetInt32());
        Assert.Equal("udp", p.GetProperty("proto").GetString());
        Assert.Equal(110, p.GetProperty("vlan").GetInt32());
        Assert.Equal("mn-office", p.GetProperty("src_zone").GetString());
        Assert.Equal("external", p.GetProperty("dst_tier").GetString());
        Assert.Equal("2026-04-01T09:00:00.000250Z", p.GetProperty("ts").GetString());
        Assert.Equal("1:abcdefghijklmnopqrstuvwxyz0=", p.GetProperty("community_id").GetString());
        Assert.Equal("warning", results[1].GetProperty("level").GetString());
        Assert.Equal(1, results[1].GetProperty("ruleIndex").GetInt32());

        var artifacts = run.GetProperty("artifacts").EnumerateArray().ToList();
        Assert.Equal(new string('b', 64), artifacts[0].GetProperty("hashes").GetProperty("sha-256").GetString());
        Assert.Equal("topologies/sample-city.yaml", artifacts[1].GetProperty("location").GetProperty("uri").GetString());
        var props = run.GetProperty("properties");
        Assert.Equal(2, props.GetProperty("violations").GetInt32());
        Assert.Equal(1, props.GetProperty("by_rule").GetProperty("vlan-mismatch").GetInt32());
    }

    [Fact]
    public void Check_firewall_findings_point_at_the_config_line_and_column()
    {
        using var doc = JsonDocument.Parse(Run(w => new SarifSink(w, "ja"), [Firewall()], Info("check-firewall")));
        var result = Assert.Single(doc.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray());
        var loc = result.GetProperty("locations")[0].GetProperty("physicalLocation");
        Assert.Equal("fw/rules.v4", loc.GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Equal(12, loc.GetProperty("region").GetProperty("startLine").GetInt32());
        Assert.Equal(1, loc.GetProperty("region").GetProperty("startColumn").GetInt32());
        var p = result.GetProperty("properties");
        Assert.Equal("tcp 10.10.0.0/16 -> 10.20.0.0/16 dport 445", p.GetProperty("class").GetString());
        Assert.Equal(["fw/rules.v4:10", "fw/rules.v4:12"], p.GetProperty("path").EnumerateArray().Select(e => e.GetString()));
        // written by the sink in its language (ja), from the clause table
        Assert.Equal("三層の対策: マイナンバー利用事務系と他の領域との分離", p.GetProperty("clause").GetString());
        Assert.Equal("ja-JP", doc.RootElement.GetProperty("runs")[0].GetProperty("language").GetString());
    }

    [Fact]
    public void No_findings_is_a_valid_empty_run()
    {
        using var doc = JsonDocument.Parse(Run(w => new SarifSink(w, "en"), []));
        var run = doc.RootElement.GetProperty("runs")[0];
        Assert.Equal(0, run.GetProperty("results").GetArrayLength());
        Assert.Equal(0, run.GetProperty("tool").GetProperty("driver").GetProperty("rules").GetArrayLength());
    }

    [Theory]
    [InlineData("captures/a b.pcap", "captures/a%20b.pcap")]
    [InlineData("/tmp/x.pcap", "file:///tmp/x.pcap")]
    [InlineData("-", "stdin")]
    public void Paths_become_uri_references(string path, string uri) => Assert.Equal(uri, SarifSink.ToUri(path));
}
