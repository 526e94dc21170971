using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Cli.Tests;

/// <summary>
/// replay's and check-firewall's JUnit XML against the schema CI systems read (the Jenkins xUnit plugin's
/// junit-10.xsd, tests/schemas/README.md), with the test cases each run could test: a ruleset check lists no
/// MAC-level clause (it cannot see a MAC), a replay no required-blocked.
/// </summary>
public sealed class JunitSchemaTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("segverify-junit-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Topo => TestPaths.InRepo("topologies", "sample-city.yaml");

    private string Write(string name, string[] args)
    {
        var path = Path.Combine(_dir, name);
        var se = new StringWriter();
        Assert.True(Program.Run([.. args, "--output", path], new StringWriter(), se) == 1, se.ToString());
        return path;
    }

    private string Replay(string lang) =>
        Write($"replay-{lang}.xml", ["replay", TestPaths.InRepo("captures", "sample-city.pcap"), "--topology", Topo, "--lang", lang]);

    private string CheckFirewall(string lang) =>
        Write($"fw-{lang}.junit", ["check-firewall", "--topology", Topo, "--config", TestPaths.InRepo("topologies", "firewall", "fw-core-violating.nft"),
            "--required", "--now", "2026-11-23T00:00:00Z", "--lang", lang]);

    /// <summary>Every schema error and warning of the file (none when it is valid).</summary>
    private static List<string> SchemaProblems(string file)
    {
        var schemas = new XmlSchemaSet();
        schemas.Add(null, TestPaths.InRepo("tests", "schemas", "junit-10.xsd"));
        var problems = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = schemas };
        settings.ValidationFlags |= XmlSchemaValidationFlags.ReportValidationWarnings;
        settings.ValidationEventHandler += (_, e) => problems.Add($"{e.Severity} {e.Exception?.LineNumber}:{e.Exception?.LinePosition}: {e.Message}");
        using var r = XmlReader.Create(file, settings);
        while (r.Read()) { }
        return problems;
    }

    private static List<string> CaseNames(string file) =>
        XDocument.Load(file).Descendants("testcase").Where(c => (string?)c.Attribute("classname") == "segverify.policy")
            .Select(c => (string)c.Attribute("name")!).ToList();

    [Theory]
    [InlineData("en")]
    [InlineData("ja")]
    public void ReplayAndCheckFirewallJunitValidateAgainstJunit10Xsd(string lang)
    {
        foreach (var file in new[] { Replay(lang), CheckFirewall(lang) })
        {
            var problems = SchemaProblems(file);
            Assert.True(problems.Count == 0, file + "\n" + string.Join("\n", problems));
            var doc = XDocument.Load(file);
            var cases = doc.Descendants("testcase").ToList();
            var suite = doc.Descendants("testsuite").Single();
            Assert.Equal(cases.Count, int.Parse((string)suite.Attribute("tests")!));
            Assert.Equal(cases.Count(c => c.Element("failure") is not null), int.Parse((string)suite.Attribute("failures")!));
            Assert.True(int.Parse((string)suite.Attribute("failures")!) > 0); // both samples break the policy
        }
    }

    [Fact]
    public void TheSchemaCheckCanFail()
    {
        // a testcase without its required name attribute, and an unknown element: the schema rejects both
        var bad = Path.Combine(_dir, "bad.xml");
        File.WriteAllText(bad, "<testsuites><testsuite tests=\"1\"><testcase classname=\"x\"/><verdict/></testsuite></testsuites>");
        Assert.Equal(2, SchemaProblems(bad).Count);
    }

    [Fact]
    public void EachRunListsOnlyTheClausesItCouldTest()
    {
        var replay = CaseNames(Replay("en"));
        Assert.Contains("mac-binding", replay);
        Assert.Contains("unregistered-device", replay);
        Assert.DoesNotContain("required-blocked", replay);
        var fw = CaseNames(CheckFirewall("en"));
        Assert.DoesNotContain("mac-binding", fw);
        Assert.DoesNotContain("unregistered-device", fw);
        Assert.Contains("mynumber-isolation", fw);
        Assert.Contains("required-blocked", fw);
    }
}
