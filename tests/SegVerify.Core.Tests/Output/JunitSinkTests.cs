using System.Xml.Linq;
using SegVerify.Core.Findings;
using SegVerify.Core.Output;
using Xunit;
using static SegVerify.Core.Tests.Output.SinkFixtures;

namespace SegVerify.Core.Tests.Output;

public class JunitSinkTests
{
    private static readonly string[] Rules = ["screen-transfer", "mail-text", "jlis-link", "legacy-link"];

    [Fact]
    public void One_case_per_clause_and_per_rule_failed_by_its_violations()
    {
        var findings = new OutputEvent[] { MnInternet(), MacBinding(), VlanMismatch(), Expired(), Large(), FlowEvent() };
        var xml = Run(w => new JunitSink(w, "en", Rules), findings);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", xml);
        var doc = XDocument.Parse(xml);
        var suite = Assert.Single(doc.Root!.Elements("testsuite"));
        var cases = suite.Elements("testcase").ToList();
        Assert.Equal(8 + 4, cases.Count);
        Assert.Equal("12", (string?)suite.Attribute("tests"));
        Assert.Equal("4", (string?)suite.Attribute("failures")); // mynumber-internet, mac-binding, expired-exception, legacy-link
        Assert.Equal("4", (string?)doc.Root!.Attribute("failures"));
        Assert.Equal("0.250", (string?)suite.Attribute("time"));

        var failed = cases.Where(c => c.Element("failure") is not null).Select(c => (string?)c.Attribute("name")).ToList();
        Assert.Equal(["mynumber-internet", "mac-binding", "expired-exception", "legacy-link"], failed);
        var clauseNames = cases.Where(c => (string?)c.Attribute("classname") == JunitSink.ClauseClass).Select(c => (string?)c.Attribute("name"));
        Assert.Equal(JunitSink.TrafficClauses, clauseNames);

        var mn = cases.Single(c => (string?)c.Attribute("name") == "mynumber-internet").Element("failure")!;
        Assert.Equal("1 violation: " + ClauseMnInternet, (string?)mn.Attribute("message"));
        Assert.Equal("mynumber-internet", (string?)mn.Attribute("type"));
        Assert.Contains("10.10.1.11:40007 (mn-office) -> 1.1.1.1:53 (external)", mn.Value);

        var legacy = cases.Single(c => (string?)c.Attribute("name") == "legacy-link");
        Assert.Equal(JunitSink.AllowClass, (string?)legacy.Attribute("classname"));
        Assert.Equal("expired-exception", (string?)legacy.Element("failure")!.Attribute("type"));
        // a warning naming a rule is that rule's system-out, not a failure
        var screen = cases.Single(c => (string?)c.Attribute("name") == "screen-transfer");
        Assert.Null(screen.Element("failure"));
        Assert.Contains("large-transfer", screen.Element("system-out")!.Value);

        var suiteOut = suite.Elements("system-out").Single().Value;
        Assert.StartsWith("2 warnings:\n", suiteOut);
        Assert.Contains("vlan-mismatch", suiteOut);
        Assert.Equal(new string('a', 64), suite.Element("properties")!.Elements("property")
            .Single(p => (string?)p.Attribute("name") == "topology_sha256").Attribute("value")!.Value);
    }

    [Fact]
    public void No_findings_every_case_passes()
    {
        var doc = XDocument.Parse(Run(w => new JunitSink(w, "ja", Rules), []));
        var suite = doc.Root!.Element("testsuite")!;
        Assert.Equal("12", (string?)suite.Attribute("tests"));
        Assert.Equal("0", (string?)suite.Attribute("failures"));
        Assert.Empty(suite.Descendants("failure"));
    }

    [Fact]
    public void A_run_gets_cases_for_its_own_clauses_and_the_listing_is_capped()
    {
        var many = Enumerable.Range(0, JunitSink.MaxListed + 5).Select(_ => Firewall()).ToList();
        var info = Info("check-firewall") with
        {
            Kind = RunKind.Configuration,
            Clauses = [RuleIds.MynumberIsolation, RuleIds.ZoneCrossing, RuleIds.RequiredBlocked],
        };
        var doc = XDocument.Parse(Run(w => new JunitSink(w, "en", Rules), many, info));
        var cases = doc.Root!.Element("testsuite")!.Elements("testcase").ToList();
        Assert.Contains(cases, c => (string?)c.Attribute("name") == "required-blocked" && c.Element("failure") is null);
        Assert.DoesNotContain(cases, c => (string?)c.Attribute("name") == "mac-binding");
        Assert.Equal(["mynumber-isolation", "zone-crossing", "required-blocked"],
            cases.Where(c => (string?)c.Attribute("classname") == JunitSink.ClauseClass).Select(c => (string)c.Attribute("name")!));
        var iso = cases.Single(c => (string?)c.Attribute("name") == "mynumber-isolation").Element("failure")!;
        Assert.Equal($"{JunitSink.MaxListed + 5} violations: {ClauseIso}", (string?)iso.Attribute("message"));
        Assert.Equal(JunitSink.MaxListed, iso.Value.Split('\n').Count(l => l.StartsWith("[violation]")));
        Assert.Contains("... and 5 more", iso.Value);
    }

    [Fact]
    public void Characters_xml_cannot_carry_are_replaced()
    {
        Assert.Equal("a\uFFFDb", JunitSink.Clean("a\u0001b"));
        Assert.Equal("日本😀", JunitSink.Clean("日本😀"));
    }
}

public class JunitSinkTopologyTests
{
    [Fact]
    public void Takes_sanitisation_paths_and_allow_rules_from_the_topology()
    {
        var ext = new SegVerify.Core.Topology.Zone { Name = "external", Tier = SegVerify.Core.Topology.Tier.External, IsImplicitExternal = true };
        var lg = new SegVerify.Core.Topology.Zone { Name = "lg-office", Tier = SegVerify.Core.Topology.Tier.Lgwan };
        var topo = new SegVerify.Core.Topology.Topology
        {
            SourcePath = "t.yaml", Sha256 = "x", Name = "t", Model = SegVerify.Core.Topology.SeparationModel.Alpha, External = ext,
        };
        topo.Sanitization.Add(new SegVerify.Core.Topology.PolicyRule
        {
            Name = "screen-transfer", Kind = SegVerify.Core.Topology.RuleKind.Sanitization,
            From = new SegVerify.Core.Topology.ZoneEndpoint(lg), To = new SegVerify.Core.Topology.ZoneEndpoint(ext),
        });
        topo.Allow.Add(new SegVerify.Core.Topology.PolicyRule
        {
            Name = "legacy-link", Kind = SegVerify.Core.Topology.RuleKind.Allow,
            From = new SegVerify.Core.Topology.ZoneEndpoint(lg), To = new SegVerify.Core.Topology.ZoneEndpoint(ext),
        });
        var doc = XDocument.Parse(Run(w => new JunitSink(w, "en", topo), [Expired()]));
        var cases = doc.Root!.Element("testsuite")!.Elements("testcase").ToList();
        Assert.Equal(10, cases.Count);
        var st = cases.Single(c => (string?)c.Attribute("name") == "screen-transfer");
        Assert.Equal(JunitSink.SanitizationClass, (string?)st.Attribute("classname"));
        Assert.Null(st.Element("failure"));
        Assert.NotNull(cases.Single(c => (string?)c.Attribute("name") == "legacy-link").Element("failure"));
    }

    [Fact]
    public void Takes_allow_rules_and_sanitisation_paths_as_two_lists()
    {
        var doc = XDocument.Parse(Run(w => new JunitSink(w, "en", ["jlis-link"], ["screen-transfer"]), []));
        var cases = doc.Root!.Element("testsuite")!.Elements("testcase").Skip(8)
            .Select(c => ((string?)c.Attribute("classname"), (string?)c.Attribute("name"))).ToList();
        Assert.Equal([(JunitSink.SanitizationClass, "screen-transfer"), (JunitSink.AllowClass, "jlis-link")], cases);
    }
}
