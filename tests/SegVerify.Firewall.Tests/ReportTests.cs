using System.Text.Json;
using System.Xml.Linq;
using SegVerify.Cli;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Firewall.Tests;

/// <summary>
/// check-firewall's reports say what kind of run made them and show only what a ruleset check can know: no
/// capture times, no traffic counters or zone heat map, JUnit cases only for the clauses a ruleset can break.
/// </summary>
public class ReportTests
{
    private static string Topo => TestPaths.InRepo("topologies", "sample-city.yaml");
    private static string Fw(string n) => TestPaths.InRepo("topologies", "firewall", n);

    private static (int Code, string Out, string Err) Run(string format, params string[] more)
    {
        var o = new StringWriter(); var e = new StringWriter();
        string[] args = ["check-firewall", "--topology", Topo, "--config", Fw("fw-core-violating.iptables"), "--format", format, "--now", "2026-11-23T00:00:00Z", .. more];
        int code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Theory]
    [InlineData("text")]
    [InlineData("jsonl")]
    [InlineData("sarif")]
    [InlineData("junit")]
    [InlineData("html")]
    public void NoInventedTimes(string format)
    {
        var (code, o, e) = Run(format);
        Assert.True(code == 1, e);
        Assert.DoesNotContain("1970", o);
    }

    [Fact]
    public void JunitHasCasesOnlyForClausesARulesetCanBreak()
    {
        var (_, o, _) = Run("junit");
        var names = XDocument.Parse(o).Descendants("testcase").Where(t => (string?)t.Attribute("classname") == "segverify.policy")
            .Select(t => (string)t.Attribute("name")!).ToList();
        Assert.Equal(["mynumber-internet", "mynumber-isolation", "lgwan-internet-separation", "zone-crossing", "sanitization-misuse", "expired-exception"], names);

        (_, o, _) = Run("junit", "--required");
        names = XDocument.Parse(o).Descendants("testcase").Where(t => (string?)t.Attribute("classname") == "segverify.policy")
            .Select(t => (string)t.Attribute("name")!).ToList();
        Assert.Contains("required-blocked", names);
        Assert.DoesNotContain("mac-binding", names);
        Assert.DoesNotContain("unregistered-device", names);
        var props = XDocument.Parse(o).Descendants("property").ToDictionary(p => (string)p.Attribute("name")!, p => (string)p.Attribute("value")!);
        Assert.Equal("configuration", props["kind"]);
        Assert.False(props.ContainsKey("packets"));
        Assert.Contains(props.Keys, k => k.StartsWith("config:", StringComparison.Ordinal));
    }

    [Fact]
    public void HtmlStatesAConfigurationCheckWithoutTrafficCards()
    {
        var (_, o, _) = Run("html");
        Assert.Contains("data-kind=\"configuration\"", o);
        Assert.DoesNotContain("id=\"matrix\"", o);
        Assert.DoesNotContain("id=\"talkers\"", o);
        Assert.DoesNotContain(">Flows<", o);
        Assert.DoesNotContain(">Packets<", o);
        Assert.Contains(">Config rule<", o);
        Assert.Contains("fw-core-violating.iptables:8:1", o);
    }

    [Fact]
    public void SarifAndJsonlSayConfigurationAndCarryNoTrafficCounters()
    {
        var (_, o, _) = Run("sarif");
        var run = JsonDocument.Parse(o).RootElement.GetProperty("runs")[0];
        var props = run.GetProperty("properties");
        Assert.Equal("configuration", props.GetProperty("kind").GetString());
        Assert.False(props.TryGetProperty("packets", out _));
        Assert.False(props.TryGetProperty("undecoded", out _));
        foreach (var r in run.GetProperty("results").EnumerateArray())
            Assert.False(r.GetProperty("properties").TryGetProperty("ts", out _));

        (_, o, _) = Run("jsonl");
        var summary = JsonDocument.Parse(o.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;
        Assert.Equal("configuration", summary.GetProperty("kind").GetString());
    }

    [Fact]
    public void TextSummaryIsAboutTheRuleset()
    {
        var (_, o, _) = Run("text");
        Assert.Contains("Summary (firewall configuration check):", o);
        Assert.DoesNotContain(" packets, ", o);
        Assert.DoesNotContain("Undecoded frames", o);
        Assert.DoesNotContain("Flows between zones", o);
        var (_, ja, _) = Run("text", "--lang", "ja");
        Assert.Contains("集計（ファイアウォール設定の検査）:", ja);
    }
}
