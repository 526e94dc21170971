using SegVerify.Core.Net;
using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Dialects;
using SegVerify.Firewall.Dialects.FortiOS;
using SegVerify.Firewall.Model;
using SegVerify.Tests.Common;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Firewall.Tests.FortiOS;

/// <summary>
/// Intent oracle: Aerleon's FortiGate regression outputs (../shared/firewall/aerleon/tests/regression/fortigate) were
/// generated from policies whose source and destination sets FORTIGATE-INPUTS.md gives. For every ref, the packets
/// the analysis finds accepted from port1 to port2 must be exactly those sets (per family) times the term's services.
/// </summary>
public class FortiAerleonOracleTests(ITestOutputHelper output)
{
    private const string TcpUdp = "tcp+udp sport 80 dport 53", Tcp = "tcp sport 80 dport 53", All = "ALL";

    // null: the family is absent (the policy does not match it); "" : present but empty ("none"); "any": the whole family.
    private sealed record Intent(string? V4Src, string? V4Dst, string? V6Src, string? V6Dst, string Service);

    private const string Foo = "10.1.1.1 10.1.1.2", Bar = "10.1.1.3 10.1.1.4", Goo = "10.1.1.9";
    private static readonly Intent Nothing = new(null, null, null, null, All);

    private static readonly Dictionary<string, Intent> Refs = new()
    {
        ["testMultipleTerms"] = new($"{Foo} {Goo}", Bar, null, null, TcpUdp),
        ["testExpiredNotPrinted"] = new($"{Foo} {Goo}", Bar, null, null, TcpUdp),
        ["testInet"] = new($"{Foo} {Goo}", Bar, null, null, TcpUdp),
        ["testInet6"] = new(null, null, "2001:db8::1", "2001:db8::2", TcpUdp),
        ["testV6"] = new(null, null, "2001:db8::1", "2001:db8::2", TcpUdp),
        ["testInetFiltersV6"] = new("10.1.1.1", Bar, null, null, TcpUdp),
        ["testInet6FiltersV4"] = new(null, null, "2001:db8::2", "", TcpUdp),
        ["testMixedAddresses"] = new("10.1.1.1", Bar, "2001:db8::2", "", TcpUdp),
        ["testLocalInPolicy"] = Nothing, // local-in: traffic to the FortiGate itself, not forwarded
        ["testLocalInPolicyV6"] = Nothing,
        ["testNoAddressesInetOutputsAll"] = new("any", "any", null, null, Tcp),
        ["testNoAddressesInet6OutputsAll"] = new(null, null, "any", "any", Tcp),
        ["testNoAddressesMixedOutputAll"] = new("any", "any", "any", "any", Tcp),
        ["testNoPortsOrProto"] = new(Foo, Bar, null, null, All),
        ["testDenyRule"] = Nothing, // no action line: deny
        ["testComment"] = new("any", "any", "any", "any", All),
        ["testOwner"] = new("any", "any", "any", "any", All),
        ["testOwnerAndComment"] = new("any", "any", "any", "any", All),
        ["testLongCommentTruncated"] = new("any", "any", "any", "any", All),
        ["testLoggingDisable"] = new("any", "any", "any", "any", All),
        ["testLoggingUTM"] = new("any", "any", "any", "any", All),
        ["testLoggingAll"] = new("any", "any", "any", "any", All),
        ["testLoggingStart"] = new("any", "any", "any", "any", All),
        ["testLoggingAll_Start"] = new("any", "any", "any", "any", All),
        ["testLoggingUTM_Start"] = new("any", "any", "any", "any", All),
        ["testLoggingDisable_Start"] = new("any", "any", "any", "any", All),
    };

    // Exclude cases: (v4 set, v6 set) of the excluded side; the other side is "all" of each present family.
    private static readonly Dictionary<string, (string? V4, string? V6)> Excludes = new()
    {
        ["V4_No_Exclude"] = ("1.1.1.1 1.1.1.2", null),
        ["V4_Exclude"] = ("1.1.1.1", null),
        ["V4_Exclude_V6"] = ("1.1.1.1 1.1.1.2", ""),
        ["V4_Exclude_Mixed"] = ("1.1.1.2", ""),
        ["V4_Exclude_Superset"] = ("", null),
        ["V6_No_Exclude"] = (null, "2001:db8::1 2001:db8::2"),
        ["V6_Exclude"] = (null, "2001:db8::1"),
        ["V6_Exclude_V4"] = ("", "2001:db8::1 2001:db8::2"),
        ["V6_Exclude_Mixed"] = ("", "2001:db8::2"),
        ["V6_Exclude_Superset"] = (null, ""),
        ["Mixed_No_Exclude"] = ("1.1.1.1", "2001:db8::1"),
        ["Mixed_Exclude_V4"] = ("", "2001:db8::1"),
        ["Mixed_Exclude_V6"] = ("1.1.1.1", ""),
        ["Mixed_Exclude_Mixed"] = ("1.1.1.1", "2001:db8::1"),
    };

    private static Intent? IntentOf(string test)
    {
        if (Refs.TryGetValue(test, out var i)) return i;
        foreach (var side in new[] { "Source", "Destination" })
        {
            var prefix = $"test{side}Excludes";
            if (!test.StartsWith(prefix, StringComparison.Ordinal) || !Excludes.TryGetValue(test[prefix.Length..], out var e)) continue;
            string? Other(string? s) => s is null ? null : "any";
            return side == "Source" ? new Intent(e.V4, Other(e.V4), e.V6, Other(e.V6), All) : new Intent(Other(e.V4), e.V4, Other(e.V6), e.V6, All);
        }
        return null;
    }

    public static IEnumerable<object[]> RefFiles()
    {
        var shared = TestPaths.Shared;
        if (shared is null) { yield return [""]; yield break; }
        foreach (var f in Directory.EnumerateFiles(Path.Combine(shared, "firewall", "aerleon", "tests", "regression", "fortigate"), "*.stdout.ref").Order())
            yield return [Path.GetFileName(f)];
    }

    [SkippableTheory]
    [MemberData(nameof(RefFiles))]
    public void AnalysisAdmitsExactlyTheIntendedSets(string file)
    {
        var path = Path.Combine(TestPaths.RequireShared(), "firewall", "aerleon", "tests", "regression", "fortigate", file);
        var test = file.Split('.')[1];
        var intent = IntentOf(test);
        Assert.True(intent is not null, $"{file}: no intent recorded for {test} (FORTIGATE-INPUTS.md lists every ref)");
        var text = File.ReadAllText(path);
        Assert.Equal("fortios", DialectRegistry.Detect(text)?.Name);
        var rs = new FortiOsDialect().Parse(new DialectInput { Path = path, Text = text });
        Assert.Empty(rs.Warnings);

        var ifaces = IfaceTable.Build(["port1", "port2"], rs);
        var compiled = CompiledRuleset.Compile(rs, ifaces);
        var pair = PacketBox.Universe()
            .With(Dim.InIf, IntervalSet.Single((UInt128)ifaces.IndexOf("port1")))
            .With(Dim.OutIf, IntervalSet.Single((UInt128)ifaces.IndexOf("port2")));
        var input = PacketClasses.ByProtocol(pair, firstPacketOnly: false).ToList();
        var walker = new SymbolicWalker(compiled);
        var accepted = walker.WalkStage(rs.Filters, input.Select(b => new TaggedBox(b, null)).ToList(), rs.Unfiltered)
            .Accepted.Select(t => t.Box).ToList();

        var expected = PacketSets.Intersect(Expected(intent!, pair), input);
        var extra = PacketSets.Subtract(accepted, expected);
        var missing = PacketSets.Subtract(expected, accepted);
        output.WriteLine($"{test}: accepted {accepted.Count} boxes, extra {extra.Count}, missing {missing.Count}");
        Assert.True(extra.Count == 0, $"{test}: admits more than intended, e.g. {(extra.Count > 0 ? extra[0] : null)}");
        Assert.True(missing.Count == 0, $"{test}: admits less than intended, e.g. {(missing.Count > 0 ? missing[0] : null)}");
    }

    private static List<PacketBox> Expected(Intent i, PacketBox pair)
    {
        var res = new List<PacketBox>();
        void Family(string? src, string? dst, IntervalSet fam)
        {
            if (src is null || dst is null) return;
            var s = Set(src, fam); var d = Set(dst, fam);
            if (s.IsEmpty || d.IsEmpty) return;
            var b = pair.With(Dim.Src, s).With(Dim.Dst, d);
            switch (i.Service)
            {
                case All: res.Add(b); break;
                case Tcp: res.Add(b.With(Dim.Proto, IntervalSet.Single(6)).With(Dim.Sport, IntervalSet.Single(80)).With(Dim.Dport, IntervalSet.Single(53))); break;
                default:
                    foreach (var p in new UInt128[] { 6, 17 })
                        res.Add(b.With(Dim.Proto, IntervalSet.Single(p)).With(Dim.Sport, IntervalSet.Single(80)).With(Dim.Dport, IntervalSet.Single(53)));
                    break;
            }
        }
        Family(i.V4Src, i.V4Dst, FieldDomains.V4);
        Family(i.V6Src, i.V6Dst, FieldDomains.V6);
        return res;
    }

    private static IntervalSet Set(string s, IntervalSet fam)
    {
        if (s == "any") return fam;
        var set = IntervalSet.Empty;
        foreach (var a in s.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            set = set.Union(IntervalSet.Single(FieldDomains.ToU(IpAddr.Parse(a))));
        return set;
    }
}
