using System.Security.Cryptography;
using SegVerify.Core.Net;
using SegVerify.Core.Topology;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Core.Tests.Topology;

public class TopologyLoaderTests
{
    private const string File = "t.yaml";

    // 25 lines; sections that tests append start at line 26.
    private const string Base = """
        segverify: 1
        name: test
        model: alpha
        zones:
          mn:
            tier: mynumber
            segments: [{ cidr: 10.10.0.0/16, vlan: 110 }]
          lg:
            tier: lgwan
            segments: [{ cidr: 10.20.0.0/16, vlan: 120 }]
          inet:
            tier: internet
            segments: [{ cidr: 10.30.0.0/16 }]
          wan:
            tier: lgwan-wan
            segments: [172.16.0.0/12]
          jlis:
            tier: public-institution
            segments: [192.0.2.0/24]
        hosts:
          - { name: mn-relay, zone: mn, ip: 10.10.0.5, mac: 02:00:00:00:00:05 }
          - { name: mn-nomac, zone: mn, ip: 10.10.0.6 }
          - { name: lg-mail, zone: lg, ip: 10.20.0.25, services: [smtp] }
          - { name: vdi, zone: inet, ip: 10.30.0.50, services: [rdp] }
          - { name: jlis-srv, zone: jlis, ip: 192.0.2.10 }

        """;

    private static Core.Topology.Topology Load(string text, string lang = "en") => TopologyLoader.LoadFromText(text, File, lang);

    private static IReadOnlyList<TopologyError> Errors(string text, string lang = "en")
    {
        var ex = Assert.Throws<TopologyException>(() => Load(text, lang));
        Assert.NotEmpty(ex.Errors);
        return ex.Errors;
    }

    /// <summary>
    /// Asserts an error at <paramref name="line"/>, at the column where <paramref name="needle"/> starts on that line,
    /// whose message contains every fragment; and that its text form is file:line:col: message.
    /// </summary>
    private static TopologyError AssertError(string text, int line, string needle, params string[] fragments)
    {
        var lines = text.Split('\n');
        int col = lines[line - 1].IndexOf(needle, StringComparison.Ordinal) + 1;
        Assert.True(col > 0, $"'{needle}' not on line {line}: {lines[line - 1]}");
        var errors = Errors(text);
        var e = errors.FirstOrDefault(x => x.Line == line && x.Column == col);
        Assert.True(e is not null, $"no error at {line}:{col}; got:\n{string.Join("\n", errors)}");
        foreach (var f in fragments) Assert.Contains(f, e!.Message);
        Assert.StartsWith($"{File}:{line}:{col}: ", e!.ToString());
        return e;
    }

    // ------------------------------------------------------------ files that must load

    [Fact]
    public void SampleCityLoadsWithEveryPart()
    {
        var path = TestPaths.InRepo("topologies", "sample-city.yaml");
        var t = TopologyLoader.Load(path);
        Assert.Equal("サンプル市 本庁舎ネットワーク", t.Name);
        Assert.Equal(SeparationModel.Alpha, t.Model);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(System.IO.File.ReadAllBytes(path))), t.Sha256);
        Assert.Equal(["mn-office", "lg-office", "inet-office", "public-web", "lgwan", "j-lis", "external"], t.Zones.Select(z => z.Name));
        Assert.Equal(Enumerable.Range(0, 7), t.Zones.Select(z => z.Index));
        Assert.Same(t.External, t.Zones[^1]);
        Assert.True(t.External.IsImplicitExternal);
        Assert.Equal(Tier.External, t.External.Tier);
        var mn = t.FindZone("mn-office")!;
        Assert.True(mn.RegisteredMacsOnly);
        Assert.False(t.FindZone("lg-office")!.RegisteredMacsOnly);
        Assert.Equal([Cidr.Parse("10.10.0.0/16"), Cidr.Parse("fd00:10::/64")], mn.Segments.Select(s => s.Cidr));
        Assert.Equal([110, 110], mn.Segments.Select(s => s.Vlan));
        Assert.Contains(MacAddr.Parse("02:10:00:00:00:31"), mn.RegisteredMacs);
        Assert.Contains(MacAddr.Parse("02:10:ff:ff:ff:01"), mn.GatewayMacs);
        Assert.Equal(12, t.Hosts.Count);
        Assert.Equal([IpAddr.Parse("10.30.1.11"), IpAddr.Parse("2001:db8:30::11")], t.FindHost("inet-term-01")!.Ips);
        Assert.Equal(MacAddr.Parse("02:10:00:00:00:05"), t.FindHost("mn-relay")!.Mac);
        Assert.Equal(["tcp/8080"], t.Services["pattern-dist"].Entries.Select(e => e.ToString()));
        Assert.Equal(["screen-transfer", "mail-text", "file-sanitization"], t.Sanitization.Select(r => r.Name));
        Assert.Equal(["jlis-link", "publish-www", "legacy-link"], t.Allow.Select(r => r.Name));
        var legacy = t.Allow[2];
        Assert.Equal(new DateOnly(2024, 12, 31), legacy.Expires);
        Assert.Equal(Cidr.Parse("192.0.2.128/25"), Assert.IsType<CidrEndpoint>(legacy.To).Cidr);
        Assert.Same(t.External, Assert.IsType<ZoneEndpoint>(t.Allow[1].From).Zone);
        Assert.Equal(500000, t.Limits.LargeTransferBytes);
        Assert.Same(t.External, t.Firewalls["fw-core"].Interfaces["eth6"]);
        Assert.Equal(7, t.Firewalls["fw-core"].Interfaces.Count);
    }

    [Fact]
    public void EveryBundledTopologyLoads()
    {
        var files = Directory.GetFiles(TestPaths.InRepo("topologies"), "*.yaml");
        Assert.True(files.Length >= 5, "expected sample-city plus the four model examples");
        foreach (var f in files)
        {
            var t = TopologyLoader.Load(f);
            Assert.Empty(t.Warnings);
            Assert.True(t.Zones.Count >= 5, f);
        }
        Assert.Equal(SeparationModel.Alpha, TopologyLoader.Load(TestPaths.InRepo("topologies", "alpha.yaml")).Model);
        Assert.Equal(SeparationModel.AlphaPrime, TopologyLoader.Load(TestPaths.InRepo("topologies", "alpha-prime.yaml")).Model);
        Assert.Equal(SeparationModel.Beta, TopologyLoader.Load(TestPaths.InRepo("topologies", "beta.yaml")).Model);
        Assert.Equal(SeparationModel.BetaPrime, TopologyLoader.Load(TestPaths.InRepo("topologies", "beta-prime.yaml")).Model);
    }

    [SkippableFact]
    public void SharedScenarioTopologiesLoad()
    {
        var shared = TestPaths.RequireShared();
        var files = Directory.GetDirectories(Path.Combine(shared, "scenarios"))
            .Select(d => Path.Combine(d, "topology.yaml")).Where(System.IO.File.Exists).ToList();
        Assert.NotEmpty(files);
        foreach (var f in files)
        {
            var t = TopologyLoader.Load(f);
            Assert.Same(t.External, t.Zones[^1]);
        }
    }

    [Fact]
    public void BaseLoads()
    {
        var t = Load(Base);
        Assert.Equal(6, t.Zones.Count);
        Assert.False(t.FindZone("lg")!.RegisteredMacsOnly);
        Assert.True(t.FindZone("mn")!.RegisteredMacsOnly);
        Assert.Equal(TopologyBuilder.ExternalZoneName, t.Zones[5].Name);
    }

    // ------------------------------------------------------------ version, name, model

    [Fact]
    public void MissingVersionIsAnError()
    {
        var text = "name: x\nmodel: alpha\nzones: { a: { tier: lgwan, segments: [10.0.0.0/8] } }\n";
        var e = Assert.Single(Errors(text));
        Assert.Equal((1, 1), (e.Line, e.Column));
        Assert.Contains("'segverify' is required", e.Message);
    }

    [Fact]
    public void OtherVersionNamesTheSupportedOneAndStops()
    {
        var text = "segverify: 2\nname: x\nmodel: nope\nzones: 5\n";
        var e = Assert.Single(Errors(text));
        Assert.Equal((1, 12), (e.Line, e.Column));
        Assert.Contains("unsupported format version '2'", e.Message);
        Assert.Contains("version 1", e.Message);
    }

    [Fact]
    public void NameAndModelRequired()
    {
        var text = "segverify: 1\nzones: { a: { tier: lgwan, segments: [10.0.0.0/8] } }\n";
        var errors = Errors(text);
        Assert.Equal(2, errors.Count);
        Assert.Contains("'name' is required", errors[0].Message);
        Assert.Contains("'model' is required", errors[1].Message);
        Assert.Contains("alpha, alpha-prime, beta, beta-prime", errors[1].Message);
    }

    [Fact]
    public void UnknownModelSuggests()
    {
        var text = Base.Replace("model: alpha", "model: alhpa");
        AssertError(text, 3, "alhpa", "unknown model 'alhpa'", "did you mean 'alpha'?", "expected one of alpha, alpha-prime, beta, beta-prime");
    }

    // ------------------------------------------------------------ zones and segments

    [Fact]
    public void ZonesRequiredAndNonEmpty()
    {
        Assert.Contains("'zones' is required", Assert.Single(Errors("segverify: 1\nname: x\nmodel: beta\n")).Message);
        var e = Assert.Single(Errors("segverify: 1\nname: x\nmodel: beta\nzones: {}\n"));
        Assert.Equal((4, 8), (e.Line, e.Column));
        Assert.Contains("at least one zone", e.Message);
    }

    [Fact]
    public void UnknownTierListsTheTiers()
    {
        var text = Base.Replace("tier: lgwan\n", "tier: lgwan2\n");
        AssertError(text, 9, "lgwan2", "zone 'lg': unknown tier 'lgwan2'", "(expected one of mynumber, lgwan, internet, dmz, lgwan-wan, public-institution)");
    }

    [Fact]
    public void TierExternalAndZoneNamedExternalAreErrors()
    {
        AssertError(Base.Replace("tier: lgwan-wan", "tier: external"), 15, "external", "tier 'external' cannot be declared");
        AssertError(Base.Replace("  wan:\n", "  external:\n"), 14, "external", "reserved");
    }

    [Fact]
    public void TierIsRequired()
    {
        AssertError(Base.Replace("    tier: lgwan-wan\n", ""), 15, "segments", "zone 'wan': 'tier' is required");
    }

    [Theory]
    [InlineData("vlan: 0", "out of range (expected an integer 1..4094)")]
    [InlineData("vlan: 4095", "out of range (expected an integer 1..4094)")]
    [InlineData("vlan: ten", "expected an integer 1..4094")]
    public void VlanRange(string vlan, string expected)
    {
        var text = Base.Replace("vlan: 120", vlan);
        AssertError(text, 10, vlan[6..] + " }", expected);
    }

    [Theory]
    [InlineData("10.20.0.0/33", "invalid prefix length (expected 0..32)")]
    [InlineData("10.20.0.1/16", "host bits set (expected the network address: 10.20.0.0/16)")]
    [InlineData("10.20.x.0/16", "is not a CIDR")]
    public void BadCidr(string cidr, string expected)
    {
        var text = Base.Replace("10.20.0.0/16", cidr);
        AssertError(text, 10, cidr, expected);
    }

    [Fact]
    public void PlainCidrStringSegment()
    {
        var t = Load(Base);
        var s = Assert.Single(t.FindZone("wan")!.Segments);
        Assert.Equal(Cidr.Parse("172.16.0.0/12"), s.Cidr);
        Assert.Null(s.Vlan);
        Assert.Equal(16, s.Pos.Line);
    }

    [Fact]
    public void IdenticalSegmentsOfDifferentZonesAreErrors()
    {
        var text = Base.Replace("segments: [172.16.0.0/12]", "segments: [10.30.0.0/16]");
        AssertError(text, 16, "10.30.0.0/16", "identical to a segment of zone 'inet' (line 13)");
    }

    [Fact]
    public void NestedSegmentsAreAllowedAndHostsFollowTheLongestPrefix()
    {
        var nested = Base.Replace("segments: [172.16.0.0/12]", "segments: [172.16.0.0/12, 10.30.9.0/24]");
        var t = Load(nested + "  - { name: w1, zone: wan, ip: 10.30.9.9 }\n");
        Assert.Equal("wan", t.FindHost("w1")!.Zone.Name);
        // A host of inet whose address lies in wan's nested /24 would be classified into wan.
        var text = nested + "  - { name: i1, zone: inet, ip: 10.30.9.9 }\n";
        AssertError(text, 26, "10.30.9.9", "more specific segment 10.30.9.0/24 of zone 'wan'");
    }

    [Fact]
    public void IPv6Segments()
    {
        var text = Base.Replace("segments: [{ cidr: 10.20.0.0/16, vlan: 120 }]", "segments: [{ cidr: 10.20.0.0/16, vlan: 120 }, { cidr: \"fd00:20::/64\", vlan: 120 }]")
            + "  - { name: lg6, zone: lg, ip: [\"fd00:20::10\", 10.20.0.10] }\n";
        var t = Load(text);
        Assert.Equal(Cidr.Parse("fd00:20::/64"), t.FindZone("lg")!.Segments[1].Cidr);
        Assert.Equal([IpAddr.Parse("fd00:20::10"), IpAddr.Parse("10.20.0.10")], t.FindHost("lg6")!.Ips);
        AssertError(Base.Replace("172.16.0.0/12", "\"fd00:20::1/64\""), 16, "\"fd00:20::1/64\"", "host bits set (expected the network address: fd00:20::/64)");
    }

    [Fact]
    public void MacsParseAndRegisteredMacsOnly()
    {
        var text = Base.Replace("    tier: lgwan\n", "    tier: lgwan\n    registered_macs_only: true\n    registered_macs: [02:aa:00:00:00:01]\n    gateway_macs: [02-aa-00-00-00-fe]\n");
        var lg = Load(text).FindZone("lg")!;
        Assert.True(lg.RegisteredMacsOnly);
        Assert.Contains(MacAddr.Parse("02:aa:00:00:00:01"), lg.RegisteredMacs);
        Assert.Contains(MacAddr.Parse("02:aa:00:00:00:fe"), lg.GatewayMacs);

        AssertError(Base.Replace("    tier: lgwan\n", "    tier: lgwan\n    gateway_macs: [02:aa:00:00:01]\n"), 10, "02:aa", "'02:aa:00:00:01' is not a MAC address");
        AssertError(Base.Replace("    tier: lgwan\n", "    tier: lgwan\n    registered_macs_only: yes\n"), 10, "yes", "expected true or false");
        AssertError(Base.Replace("mac: 02:00:00:00:00:05", "mac: 02:00:00:00:00:zz"), 21, "02:00:00:00:00:zz", "host 'mn-relay': mac: '02:00:00:00:00:zz' is not a MAC address");
    }

    [Fact]
    public void MyNumberRegisteredMacsOnlyFalseIsAWarning()
    {
        var t = Load(Base.Replace("    tier: mynumber\n", "    tier: mynumber\n    registered_macs_only: false\n"));
        Assert.False(t.FindZone("mn")!.RegisteredMacsOnly);
        var w = Assert.Single(t.Warnings);
        Assert.Equal(7, w.Line);
        Assert.Contains("registered_macs_only is false", w.Message);
    }

    // ------------------------------------------------------------ structure: keys and types

    [Fact]
    public void UnknownKeysSuggest()
    {
        AssertError(Base + "alow: []\n", 26, "alow", "unknown key 'alow'", "did you mean 'allow'?");
        AssertError(Base.Replace("    tier: lgwan\n", "    teir: lgwan\n"), 9, "teir", "zone 'lg': unknown key 'teir'", "did you mean 'tier'?");
        AssertError(Base.Replace("ip: 192.0.2.10 }", "ip: 192.0.2.10, macc: 02:00:00:00:00:01 }"), 25, "macc", "unknown key 'macc'", "did you mean 'mac'?");
    }

    [Fact]
    public void DuplicateKeysAndNames()
    {
        AssertError(Base.Replace("  wan:\n", "  lg:\n"), 14, "lg", "duplicate key 'lg' (first given at line 8)");
        AssertError(Base + "  - { name: vdi, zone: inet, ip: 10.30.0.51 }\n", 26, "vdi", "host name 'vdi' is used twice (first at line 24)");
        AssertError(Base + "services:\n  a: [tcp/1]\n  a: [tcp/2]\n", 28, "a", "duplicate key 'a' (first given at line 27)");
    }

    [Fact]
    public void RulesAndPathsShareOneNamespace()
    {
        var text = Base
            + "sanitization:\n  - { name: st, method: screen-transfer, from: { zone: lg }, to: vdi, services: [rdp] }\n"
            + "allow:\n  - { name: st, from: { zone: lg }, to: { zone: wan } }\n";
        AssertError(text, 29, "st", "the name 'st' is already used at line 27", "share one namespace");
    }

    [Fact]
    public void WrongYamlTypesNameTheExpectation()
    {
        AssertError(Base[..Base.IndexOf("hosts:")] + "hosts:\n  x: 1\n", 21, "x", "hosts: expected a list (lines starting with '- '), found a mapping");
        var zoneList = Base.Replace("  jlis:\n    tier: public-institution\n    segments: [192.0.2.0/24]\n", "  jlis: [public-institution]\n").Replace("ip: 192.0.2.10", "ip: 172.16.0.10").Replace("zone: jlis", "zone: wan");
        AssertError(zoneList, 17, "[", "zone 'jlis': expected a mapping", "found a list");
        AssertError(Base.Replace("[172.16.0.0/12]", "[[172.16.0.0/12]]"), 16, "[172", "segments: expected { cidr: PREFIX, vlan: ID } or a prefix, found a list");
        AssertError(Base.Replace("name: test", "name: [a, b]"), 2, "[", "name: expected text, found a list");
    }

    [Fact]
    public void YamlSyntaxErrorHasTheParserPosition()
    {
        var text = "segverify: 1\nname: x\nmodel: alpha\nzones:\n  a: { tier: lgwan\n";
        var e = Assert.Single(Errors(text));
        Assert.StartsWith("YAML syntax error", e.Message);
        Assert.True(e.Line >= 5, e.ToString());
        Assert.True(e.Column >= 1);
    }

    [Fact]
    public void EmptyFileIsAnError()
    {
        var e = Assert.Single(Errors(""));
        Assert.Contains("the file is empty", e.Message);
    }

    [Fact]
    public void AllErrorsAreCollectedInFileOrder()
    {
        var text = Base.Replace("model: alpha", "model: gamma").Replace("vlan: 120", "vlan: 5000") + "limits: { large_transfer_bytes: 0 }\n";
        var errors = Errors(text);
        Assert.Equal([3, 10, 26], errors.Select(e => e.Line));
    }

    [Fact]
    public void MissingFileIsATopologyExceptionAtLineZero()
    {
        var path = Path.Combine(Path.GetTempPath(), "segverify-no-such-" + Guid.NewGuid().ToString("N") + ".yaml");
        var ex = Assert.Throws<TopologyException>(() => TopologyLoader.Load(path));
        var e = Assert.Single(ex.Errors);
        Assert.Equal((path, 0, 0), (e.File, e.Line, e.Column));
        Assert.Contains("no such file", e.Message);
    }

    [Fact]
    public void JapaneseMessages()
    {
        var e = Assert.Single(Errors(Base.Replace("tier: lgwan\n", "tier: lgwan2\n"), "ja"));
        Assert.Contains("不明な tier 'lgwan2'", e.Message);
        Assert.Contains("mynumber, lgwan, internet, dmz, lgwan-wan, public-institution", e.Message);
    }

    // ------------------------------------------------------------ hosts

    [Fact]
    public void HostAddressMustLieInItsZone()
    {
        AssertError(Base + "  - { name: h, zone: lg, ip: 10.30.0.9 }\n", 26, "10.30.0.9", "address 10.30.0.9 is in segment 10.30.0.0/16 of zone 'inet', not in zone 'lg'", "expected an address inside 10.20.0.0/16");
        AssertError(Base + "  - { name: h, zone: lg, ip: 10.99.0.9 }\n", 26, "10.99.0.9", "in no segment of zone 'lg'");
        AssertError(Base + "  - { name: h, zone: lg, ip: 10.20.0.9/24 }\n", 26, "10.20.0.9/24", "is not an IP address");
        AssertError(Base + "  - { name: h, zone: lg, ip: 10.20.0.25 }\n", 26, "10.20.0.25", "already host 'lg-mail'");
        AssertError(Base + "  - { name: h, zone: lgg, ip: 10.20.0.9 }\n", 26, "lgg", "unknown zone 'lgg'", "did you mean 'lg'?");
        AssertError(Base + "  - { name: h, zone: lg, ip: 10.20.0.9, services: [smtpp] }\n", 26, "smtpp", "unknown service 'smtpp'", "did you mean 'smtp'?");
        AssertError(Base + "  - { name: h, zone: lg }\n", 26, "{", "host 'h': 'ip' is required");
    }

    [Fact]
    public void HostsInTheExternalZone()
    {
        var t = Load(Base + "  - { name: cloud, zone: external, ip: 203.0.113.5 }\n");
        Assert.Same(t.External, t.FindHost("cloud")!.Zone);
        AssertError(Base + "  - { name: cloud, zone: external, ip: 192.168.1.5 }\n", 26, "192.168.1.5", "not a global address");
        AssertError(Base + "  - { name: cloud, zone: external, ip: 192.0.2.77 }\n", 26, "192.0.2.77", "zone 'jlis', not in the zone 'external'");
    }

    [Fact]
    public void HostServicesResolveAndMissingServicesMeansAny()
    {
        var t = Load(Base);
        Assert.Equal("smtp", Assert.Single(t.FindHost("lg-mail")!.Services!).Name);
        Assert.Null(t.FindHost("mn-relay")!.Services);
    }

    // ------------------------------------------------------------ services

    [Fact]
    public void DeclaredServiceOverridesBuiltin()
    {
        var t = Load(Base + "services:\n  https: [tcp/8443]\n  range: [udp/1000-2000, icmp]\n");
        Assert.Equal(["tcp/8443"], t.Services["https"].Entries.Select(e => e.ToString()));
        Assert.Equal(["udp/1000-2000", "icmp"], t.Services["range"].Entries.Select(e => e.ToString()));
        Assert.Equal(["tcp/25"], t.Services["smtp"].Entries.Select(e => e.ToString()));
        Assert.Equal(BuiltinServices.Definitions.Count + 1, t.Services.Count);
    }

    [Fact]
    public void BadServiceEntries()
    {
        AssertError(Base + "services:\n  x: [tcp/http]\n", 27, "tcp/http", "service 'x': entry 'tcp/http': port 'http' is not a number");
        AssertError(Base + "services:\n  x: [gre/1]\n", 27, "gre/1", "unknown protocol 'gre'");
        AssertError(Base + "services:\n  x: []\n", 27, "[]", "service 'x': no entries");
        AssertError(Base + "allow:\n  - { name: r, from: { zone: lg }, to: { zone: wan }, services: [tcp/8443] }\n", 27, "tcp/8443", "'tcp/8443' is not a service name (declare it under services:");
    }

    // ------------------------------------------------------------ endpoints

    [Fact]
    public void EveryEndpointForm()
    {
        var text = Base + """
            allow:
              - { name: bare, from: lg-mail, to: jlis-srv }
              - { name: host, from: { host: lg-mail }, to: { zone: jlis } }
              - { name: cidr, from: { cidr: 10.20.1.0/24 }, to: { cidr: 192.0.2.128/25 } }
              - { name: ext, from: { zone: external }, to: { zone: inet } }
              - name: list
                from: [lg-mail, { zone: wan }, { cidr: "10.20.2.0/24" }]
                to: jlis-srv
                services: [https]
                expires: 2027-03-31

            """;
        var t = Load(text);
        Assert.Equal("lg-mail", Assert.IsType<HostEndpoint>(t.Allow[0].From).Host.Name);
        Assert.Equal("jlis-srv", Assert.IsType<HostEndpoint>(t.Allow[0].To).Host.Name);
        Assert.Equal("lg-mail", Assert.IsType<HostEndpoint>(t.Allow[1].From).Host.Name);
        Assert.Equal("jlis", Assert.IsType<ZoneEndpoint>(t.Allow[1].To).Zone.Name);
        Assert.Equal(Cidr.Parse("10.20.1.0/24"), Assert.IsType<CidrEndpoint>(t.Allow[2].From).Cidr);
        Assert.Same(t.External, Assert.IsType<ZoneEndpoint>(t.Allow[3].From).Zone);
        var list = Assert.IsType<ListEndpoint>(t.Allow[4].From);
        Assert.Equal(3, list.Items.Count);
        Assert.IsType<HostEndpoint>(list.Items[0]);
        Assert.IsType<ZoneEndpoint>(list.Items[1]);
        Assert.IsType<CidrEndpoint>(list.Items[2]);
        Assert.Equal(new DateOnly(2027, 3, 31), t.Allow[4].Expires);
        Assert.Null(t.Allow[0].Expires);
        Assert.Null(t.Allow[0].Services);
        Assert.Equal((27, 5), (t.Allow[0].Pos.Line, t.Allow[0].Pos.Column));
        Assert.Equal(27, t.Allow[0].From.Pos.Line);
    }

    [Fact]
    public void BareZoneNameSuggestsZoneForm()
    {
        AssertError(Base + "allow:\n  - { name: r, from: lg, to: jlis-srv }\n", 27, "lg,", "'lg' is a zone", "expected { zone: lg }");
        AssertError(Base + "allow:\n  - { name: r, from: external, to: vdi }\n", 27, "external", "expected { zone: external }");
    }

    [Fact]
    public void EndpointErrors()
    {
        AssertError(Base + "allow:\n  - { name: r, from: lg-mial, to: jlis-srv }\n", 27, "lg-mial", "unknown host 'lg-mial'", "did you mean 'lg-mail'?");
        AssertError(Base + "allow:\n  - { name: r, from: 10.20.0.0/24, to: jlis-srv }\n", 27, "10.20.0.0/24", "expected { cidr: 10.20.0.0/24 }");
        AssertError(Base + "allow:\n  - { name: r, from: { zone: lg, host: lg-mail }, to: jlis-srv }\n", 27, "{ zone: lg,", "expected exactly one of zone, cidr or host");
        AssertError(Base + "allow:\n  - { name: r, from: [[lg-mail]], to: jlis-srv }\n", 27, "[lg-mail]", "a list inside a list");
        AssertError(Base + "allow:\n  - { name: r, from: [], to: jlis-srv }\n", 27, "[]", "the list is empty");
        AssertError(Base + "allow:\n  - { name: r, from: { zone: lgx }, to: jlis-srv }\n", 27, "lgx", "unknown zone 'lgx'", "did you mean 'lg'?");
        AssertError(Base + "allow:\n  - { name: r, from: { cidr: 10.20.0.1/16 }, to: jlis-srv }\n", 27, "10.20.0.1/16", "host bits set");
        AssertError(Base + "allow:\n  - { name: r, from: { zone: lg } }\n", 27, "{ name", "allow rule 'r': 'to' is required");
    }

    [Fact]
    public void ExpiresMustBeADate()
    {
        AssertError(Base + "allow:\n  - { name: r, from: lg-mail, to: jlis-srv, expires: 2027/03/31 }\n", 27, "2027/03/31", "expected YYYY-MM-DD");
        AssertError(Base + "allow:\n  - { name: r, from: lg-mail, to: jlis-srv, expires: 2027-02-30 }\n", 27, "2027-02-30", "is not a date");
    }

    // ------------------------------------------------------------ the mynumber rules

    [Fact]
    public void MyNumberRuleWithMacHostsAndServicesLoads()
    {
        var t = Load(Base + "allow:\n  - { name: r, from: mn-relay, to: jlis-srv, services: [https] }\n");
        Assert.Equal("r", Assert.Single(t.Allow).Name);
    }

    [Fact]
    public void MyNumberSideMustBeHostsWithMac()
    {
        AssertError(Base + "allow:\n  - { name: r, from: { zone: mn }, to: jlis-srv, services: [https] }\n", 27, "{ zone: mn }", "from: { zone: mn } on the mynumber side", "expected host names");
        AssertError(Base + "allow:\n  - { name: r, from: mn-nomac, to: jlis-srv, services: [https] }\n", 27, "mn-nomac", "host 'mn-nomac' has no mac");
        AssertError(Base + "allow:\n  - { name: r, from: jlis-srv, to: { cidr: 10.0.0.0/8 }, services: [https] }\n", 27, "{ cidr: 10.0.0.0/8 }", "to: { cidr: 10.0.0.0/8 } on the mynumber side");
    }

    [Fact]
    public void MyNumberRuleMustListServices()
    {
        AssertError(Base + "allow:\n  - { name: r, from: mn-relay, to: jlis-srv }\n", 27, "{ name", "touches a mynumber zone, so it must list services");
    }

    [Fact]
    public void MyNumberToExternalIsAnError()
    {
        AssertError(Base + "allow:\n  - { name: r, from: mn-relay, to: { zone: external }, services: [https] }\n", 27, "{ zone: external }", "joins a mynumber zone with 'external'");
        AssertError(Base + "allow:\n  - { name: r, from: { cidr: 203.0.113.0/24 }, to: mn-relay, services: [https] }\n", 27, "{ cidr: 203", "joins a mynumber zone with 'external'");
    }

    // ------------------------------------------------------------ sanitisation paths

    [Fact]
    public void SanitizationMustJoinLgwanWithInternet()
    {
        AssertError(Base + "sanitization:\n  - { name: p, method: mail-text, from: lg-mail, to: jlis-srv, services: [smtp] }\n", 27, "jlis-srv", "must join an lgwan or lgwan-wan zone with an internet or external zone", "zone 'jlis' (public-institution)");
        AssertError(Base + "sanitization:\n  - { name: p, method: mail-text, from: mn-relay, to: vdi }\n", 27, "mn-relay", "must join an lgwan or lgwan-wan zone");
        var t = Load(Base + "sanitization:\n  - { name: p, method: mail-text, from: { zone: external }, to: { zone: wan }, services: [smtp] }\n");
        Assert.Equal("mail-text", Assert.Single(t.Sanitization).Method);
    }

    [Fact]
    public void ScreenTransferDirectionFollowsTheModel()
    {
        const string alphaWrong = "sanitization:\n  - { name: p, method: screen-transfer, from: vdi, to: { zone: lg }, services: [rdp] }\n";
        AssertError(Base + alphaWrong, 27, "vdi", "under model alpha the screen-transfer client (from) is on the lgwan side");
        AssertError(Base.Replace("model: alpha", "model: alpha-prime") + alphaWrong, 27, "vdi", "under model alpha-prime");
        var beta = Base.Replace("model: alpha", "model: beta");
        Assert.Single(Load(beta + alphaWrong).Sanitization);
        const string betaWrong = "sanitization:\n  - { name: p, method: screen-transfer, from: { zone: lg }, to: vdi, services: [rdp] }\n";
        AssertError(beta + betaWrong, 27, "{ zone: lg }", "under model beta the screen-transfer client (from) is on the internet side");
        AssertError(Base.Replace("model: alpha", "model: beta-prime") + betaWrong, 27, "{ zone: lg }", "under model beta-prime");
        Assert.Single(Load(Base + betaWrong).Sanitization);
    }

    [Fact]
    public void SanitizationMethodTypoAndRequired()
    {
        AssertError(Base + "sanitization:\n  - { name: p, method: screen-transfar, from: { zone: lg }, to: vdi }\n", 27, "screen-transfar", "misspelling of 'screen-transfer'");
        AssertError(Base + "sanitization:\n  - { name: p, from: { zone: lg }, to: vdi }\n", 27, "{ name", "'method' is required");
        var t = Load(Base + "sanitization:\n  - { name: p, method: print-and-scan, from: { zone: lg }, to: vdi }\n");
        Assert.Equal("print-and-scan", t.Sanitization[0].Method);
    }

    // ------------------------------------------------------------ limits and firewalls

    [Fact]
    public void LimitsAndFirewalls()
    {
        var t = Load(Base + "limits:\n  large_transfer_bytes: 104_857_600\nfirewalls:\n  fw:\n    interfaces: { eth0: mn, eth1: external }\n");
        Assert.Equal(104857600, t.Limits.LargeTransferBytes);
        Assert.Equal("mn", t.Firewalls["fw"].Interfaces["eth0"].Name);
        Assert.Same(t.External, t.Firewalls["fw"].Interfaces["eth1"]);
        AssertError(Base + "limits:\n  large_transfer_bytes: lots\n", 27, "lots", "expected an integer");
        AssertError(Base + "firewalls:\n  fw:\n    interfaces: { eth0: mnn }\n", 28, "mnn", "interface 'eth0': unknown zone 'mnn'", "did you mean 'mn'?");
        AssertError(Base + "firewalls:\n  fw:\n    ifaces: { eth0: mn }\n", 28, "ifaces", "unknown key 'ifaces'");
    }

    // ------------------------------------------------------------ warnings and YAML details

    [Fact]
    public void ZoneWithoutSegmentsIsAWarning()
    {
        var t = Load(Base.Replace("    segments: [172.16.0.0/12]\n", ""));
        var w = Assert.Single(t.Warnings);
        Assert.Equal((14, 3), (w.Line, w.Column));
        Assert.Contains("zone 'wan': no segments", w.Message);
        Assert.Empty(t.FindZone("wan")!.Segments);
    }

    [Fact]
    public void CidrEndpointThatMatchesNothingIsAWarning()
    {
        var t = Load(Base + "allow:\n  - { name: r, from: { zone: lg }, to: { cidr: 10.99.0.0/16 } }\n");
        var w = Assert.Single(t.Warnings);
        Assert.Equal(27, w.Line);
        Assert.Contains("10.99.0.0/16 covers no segment", w.Message);
    }

    [Fact]
    public void SecondYamlDocumentIsAnError()
    {
        var e = Assert.Single(Errors(Base + "---\nsegverify: 1\n"));
        Assert.Equal(26, e.Line);
        Assert.Contains("a second YAML document", e.Message);
    }

    [Fact]
    public void AnchorsAndAliasesAreResolved()
    {
        var text = Base + "services:\n  web: &web [tcp/80, tcp/443]\n  web2: *web\n";
        var t = Load(text);
        Assert.Equal(["tcp/80", "tcp/443"], t.Services["web2"].Entries.Select(e => e.ToString()));
    }

    [Fact]
    public void SingleValueStandsForAOneItemList()
    {
        var t = Load(Base + "  - { name: h, zone: lg, ip: 10.20.0.9, services: https }\n");
        Assert.Equal("https", Assert.Single(t.FindHost("h")!.Services!).Name);
    }

    [Fact]
    public void ABadSegmentDoesNotHideRuleErrors()
    {
        var text = Base.Replace("10.10.0.0/16, vlan: 110", "10.10.0.1/16, vlan: 110")
            + "allow:\n  - { name: x, from: { zone: mn }, to: { zone: external } }\n";
        var errors = Errors(text);
        Assert.Equal([7, 27], errors.Select(e => e.Line));
        Assert.Contains("host bits set", errors[0].Message);
        Assert.Contains("joins a mynumber zone with 'external'", errors[1].Message);
    }
}
