using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using SegVerify.Core.Net;
using SegVerify.Core.Topology;
using SegVerify.Tests.Common;
using Xunit;
using Xunit.Abstractions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SegVerify.Cli.Tests;

/// <summary>
/// The JSON Schema of the topology format (topologies/topology.schema.json, printed by <c>topology schema</c>),
/// checked with a real validator (JsonSchema.Net) on the YAML as an editor's language server sees it (YAML 1.2 core
/// schema): every example topology and every topology under ../shared is valid, the examples point at the schema,
/// and files the loader rejects key by key are invalid too.
/// </summary>
public sealed class TopologySchemaTests(ITestOutputHelper output)
{
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(File.ReadAllText(SchemaPath)));
    private static string SchemaPath => TestPaths.InRepo("topologies", TopologySchema.FileName);

    // ------------------------------------------------------------------ YAML as a language server reads it

    /// <summary>YAML to JSON with the YAML 1.2 core schema: plain null/bool/int/float scalars are typed, others are strings.</summary>
    internal static JsonNode? ToJson(YamlNode n) => n switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))),
        YamlSequenceNode s => new JsonArray(s.Children.Select(ToJson).ToArray()),
        YamlScalarNode sc => Scalar(sc),
        _ => throw new NotSupportedException(n.GetType().Name),
    };

    private static JsonNode? Scalar(YamlScalarNode s)
    {
        var v = s.Value ?? "";
        if (s.Style is not (ScalarStyle.Plain or ScalarStyle.Any)) return JsonValue.Create(v);
        if (v is "" or "~" or "null" or "Null" or "NULL") return null;
        if (v is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (v is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (Regex.IsMatch(v, "^[-+]?[0-9]+$") && long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i)) return JsonValue.Create(i);
        if (Regex.IsMatch(v, @"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")) return JsonValue.Create(double.Parse(v, CultureInfo.InvariantCulture));
        return JsonValue.Create(v);
    }

    private static JsonElement Instance(string yamlText)
    {
        var ys = new YamlStream();
        ys.Load(new StringReader(yamlText));
        var json = ToJson(ys.Documents[0].RootNode)?.ToJsonString() ?? "null";
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    private static List<string> Problems(string yamlText)
    {
        var r = Schema.Value.Evaluate(Instance(yamlText), new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (r.IsValid) return [];
        return (r.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}")).ToList();
    }

    // ------------------------------------------------------------------ the files

    public static TheoryData<string> Examples() =>
        new(Directory.GetFiles(TestPaths.InRepo("topologies"), "*.yaml").Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(Examples))]
    public void EveryExampleTopologyIsValidAndNamesTheSchema(string file)
    {
        var path = TestPaths.InRepo("topologies", file);
        var text = File.ReadAllText(path);
        var problems = Problems(text);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        // The first line is the yaml-language-server modeline, relative to the file.
        var first = text.Split('\n')[0].TrimEnd('\r');
        var m = Regex.Match(first, @"^# yaml-language-server: \$schema=(\S+)$");
        Assert.True(m.Success, $"{file}: the first line is not a yaml-language-server $schema modeline: {first}");
        Assert.Equal(Path.GetFullPath(SchemaPath), Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, m.Groups[1].Value)));
        // and the loader agrees that the file is valid
        TopologyLoader.Load(path, "en");
    }

    [SkippableFact]
    public void EveryTopologyUnderSharedIsValid()
    {
        var shared = TestPaths.RequireShared();
        var files = Directory.EnumerateFiles(shared, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Where(f => File.ReadLines(f).Any(l => l.StartsWith("segverify:", StringComparison.Ordinal)))
            .Order().ToList();
        Assert.True(files.Count >= 3, "expected the scenario and FortiOS sample topologies under ../shared");
        foreach (var f in files)
        {
            output.WriteLine(f);
            var problems = Problems(File.ReadAllText(f));
            Assert.True(problems.Count == 0, f + "\n" + string.Join("\n", problems));
            TopologyLoader.Load(f, "en");
        }
    }

    [Fact]
    public void TheCommandPrintsTheFile()
    {
        var o = new StringWriter();
        var e = new StringWriter();
        Assert.Equal(0, Program.Run(["topology", "schema"], o, e));
        Assert.Equal("", e.ToString());
        Assert.Equal(File.ReadAllText(SchemaPath), o.ToString());
        using var doc = JsonDocument.Parse(o.ToString());
        Assert.Equal("http://json-schema.org/draft-07/schema#", doc.RootElement.GetProperty("$schema").GetString());
    }

    // ------------------------------------------------------------------ what the schema rejects, the loader rejects too

    private const string Base = """
        segverify: 1
        name: schema test
        model: alpha
        services:
          app: [tcp/8443, udp/1000-2000]
        zones:
          mn:
            tier: mynumber
            segments: [{ cidr: 10.10.0.0/16, vlan: 110 }, "fd00:10::/64"]
            gateway_macs: [02:00:5e:10:ff:fe]
          lg:
            tier: lgwan
            segments: 10.20.0.0/16
        hosts:
          - { name: relay, zone: mn, ip: 10.10.0.5, mac: 02:00:5e:10:00:05 }
          - { name: srv, zone: lg, ip: [10.20.0.10], services: app }
        allow:
          - { name: r1, from: relay, to: srv, services: [app], expires: 2027-03-31 }
        limits:
          large_transfer_bytes: 1000000
        firewalls:
          fw: { interfaces: { eth0: mn, eth1: lg } }
        """;

    [Fact]
    public void TheBaseOfTheInvalidCasesIsValid()
    {
        Assert.Empty(Problems(Base));
        var path = Path.Combine(Path.GetTempPath(), $"segverify-schema-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, Base);
        try { TopologyLoader.Load(path, "en"); } finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("segverify: 1", "segverify: 2")]
    [InlineData("model: alpha", "model: gamma")]
    [InlineData("model: alpha\n", "")]
    [InlineData("services:", "service:")]
    [InlineData("tier: lgwan", "tier: lgwan2")]
    [InlineData("tier: lgwan", "tier: external")]
    [InlineData("  lg:\n", "  external:\n")]
    [InlineData("10.20.0.0/16", "10.20.0.0/33")]
    [InlineData("10.20.0.0/16", "10.020.0.0/16")]
    [InlineData("\"fd00:10::/64\"", "\"fd00:10:::/64\"")]
    [InlineData("vlan: 110", "vlan: 4095")]
    [InlineData("vlan: 110", "vlan: 110, tag: 1")]
    [InlineData("02:00:5e:10:00:05", "02:00:5e:10:00")]
    [InlineData("02:00:5e:10:ff:fe", "02:00:5e:10:ff:zz")]
    [InlineData("tcp/8443", "tcp/70000")]
    [InlineData("tcp/8443", "icmp/8")]
    [InlineData("udp/1000-2000", "udp/1000-")]
    [InlineData("expires: 2027-03-31", "expires: 2027-13-01")]
    [InlineData("expires: 2027-03-31", "expire: 2027-03-31")]
    [InlineData("from: relay", "from: { zone: mn, host: relay }")]
    [InlineData("from: relay", "from: { subnet: 10.10.0.0/16 }")]
    [InlineData("from: relay", "from: []")]
    [InlineData("ip: 10.10.0.5", "ip: 10.10.0.5/32")]
    [InlineData("{ name: srv, zone: lg,", "{ zone: lg,")]
    [InlineData("large_transfer_bytes: 1000000", "large_transfer_bytes: 0")]
    [InlineData("{ interfaces: { eth0: mn, eth1: lg } }", "{ ifaces: { eth0: mn } }")]
    [InlineData("zones:\n", "zones: {}\nzonez:\n")]
    public void ARejectedKeyOrValueIsInvalidForTheSchemaAndTheLoader(string from, string to)
    {
        var yaml = Base;
        Assert.Contains(from, yaml);
        yaml = yaml.Replace(from, to);
        var problems = Problems(yaml);
        Assert.NotEmpty(problems);
        output.WriteLine(string.Join("\n", problems));
        var path = Path.Combine(Path.GetTempPath(), $"segverify-schema-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        try { Assert.Throws<TopologyException>(() => TopologyLoader.Load(path, "en")); }
        finally { File.Delete(path); }
    }

    // ------------------------------------------------------------------ the address patterns are the loader's

    private static Regex Pattern(string def)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SchemaPath));
        return new Regex(doc.RootElement.GetProperty("definitions").GetProperty(def).GetProperty("pattern").GetString()!);
    }

    [Theory]
    [InlineData("10.0.0.1")] [InlineData("255.255.255.255")] [InlineData("0.0.0.0")] [InlineData("256.0.0.1")] [InlineData("01.2.3.4")]
    [InlineData("1.2.3")] [InlineData("1.2.3.4.5")] [InlineData("167772160")] [InlineData("::")] [InlineData("::1")] [InlineData("fe80::1")]
    [InlineData("fe80::1%eth0")] [InlineData("2001:db8::")] [InlineData("2001:db8:0:0:0:0:0:1")] [InlineData("2001:db8:0:0:0:0:0:0:1")]
    [InlineData("::ffff:10.0.0.1")] [InlineData("::ffff:010.0.0.1")] [InlineData("1:2:3:4:5:6:1.2.3.4")] [InlineData("1::2::3")]
    [InlineData("12345::1")] [InlineData("[::1]")] [InlineData("FD00:10::A")] [InlineData("1:2:3:4:5:6:7::")] [InlineData("::2:3:4:5:6:7:8")]
    [InlineData("1:2:3:4:5:6:7:8:")] [InlineData(":1:2:3:4:5:6:7")] [InlineData("g::1")] [InlineData("1::2:3:4:5:6:7")]
    public void TheAddressPatternAgreesWithTheLoader(string text)
    {
        Assert.Equal(IpAddr.TryParse(text, out _), Pattern("ipAddress").IsMatch(text));
    }

    [Theory]
    [InlineData("02:00:5e:10:00:01")] [InlineData("02-00-5E-10-00-01")] [InlineData("2:0:5e:10:0:1")] [InlineData("02:00:5e:10:00")]
    [InlineData("02:00:5e:10:00:01:02")] [InlineData("020:00:5e:10:00:01")] [InlineData("0200.5e10.0001")] [InlineData("02:00:5e:10:00:0g")]
    public void TheMacPatternAgreesWithTheLoader(string text)
    {
        Assert.Equal(MacAddr.TryParse(text, out _), Pattern("mac").IsMatch(text));
    }
}
