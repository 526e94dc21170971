using System.Buffers.Binary;
using System.Text.Json;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Cli.Tests;

/// <summary><c>replay --evidence DIR</c>: one pcap per flow with a finding and one per frame-level finding, named in the findings.</summary>
public class ReplayEvidenceTests : IDisposable
{
    private static readonly HashSet<string> FrameRuleIds = ["mac-binding", "unregistered-device", "vlan-mismatch"];

    private static readonly HashSet<string> FlowViolationIds =
        ["mynumber-internet", "mynumber-isolation", "lgwan-internet-separation", "zone-crossing", "sanitization-misuse", "expired-exception"];

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "segverify-replay-ev-" + Guid.NewGuid().ToString("N"));
    private string Evidence => Path.Combine(_dir, "ev");
    private static string Capture => TestPaths.InRepo("captures", "sample-city.pcap");
    private static string Topology => TestPaths.InRepo("topologies", "sample-city.yaml");

    public ReplayEvidenceTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>The records of a classic pcap, read independently of the writer: (timestamp ns, captured bytes).</summary>
    private static List<(long Ns, byte[] Data)> ReadPcap(string path)
    {
        var b = File.ReadAllBytes(path);
        bool nanos = BinaryPrimitives.ReadUInt32LittleEndian(b) == 0xA1B23C4D;
        var recs = new List<(long, byte[])>();
        for (int off = 24; off < b.Length;)
        {
            long sec = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(off));
            long frac = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(off + 4));
            int incl = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(off + 8));
            recs.Add((sec * 1_000_000_000 + (nanos ? frac : frac * 1000), b.AsSpan(off + 16, incl).ToArray()));
            off += 16 + incl;
        }
        return recs;
    }

    private static long Extra(JsonElement summary, string name) => summary.GetProperty(name).GetInt64();

    [Fact]
    public void Every_violating_flow_gets_one_pcap_named_in_its_findings_and_nothing_else_is_written()
    {
        var (exit, events, stderr) = ReplayCommandTests.Replay(Capture, "--topology", Topology, "--flows", "--evidence", Evidence);
        Assert.True(exit == 1, stderr);
        var summary = events[^1];
        var flowViolations = events.Where(e => e.GetProperty("event").GetString() == "violation"
            && FlowViolationIds.Contains(e.GetProperty("rule").GetString()!)).ToList();
        Assert.NotEmpty(flowViolations);

        // every flow-level violation names its file, which holds the flow's packets from its first one
        foreach (var v in flowViolations)
        {
            Assert.True(v.TryGetProperty("evidence", out var ev), v.ToString());
            var path = ev.GetString()!;
            Assert.StartsWith(Evidence + Path.DirectorySeparatorChar, path);
            Assert.True(File.Exists(path), path);
            var recs = ReadPcap(path);
            Assert.Equal(v.GetProperty("packets").GetInt64(), recs.Count);
            var first = DateTimeOffset.Parse(v.GetProperty("ts").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(first.ToUnixTimeMilliseconds(), recs[0].Ns / 1_000_000);
        }

        // one file per flow with a finding (the flow event carries the same name) and one per frame-level finding,
        // no file for any other flow
        var named = events.Where(e => e.TryGetProperty("evidence", out _)).Select(e => e.GetProperty("evidence").GetString()!).ToHashSet();
        var files = Directory.GetFiles(Evidence).ToHashSet();
        Assert.Equal(files.Order(StringComparer.Ordinal), named.Order(StringComparer.Ordinal));
        var flowEventsWithEvidence = events.Where(e => e.GetProperty("event").GetString() == "flow" && e.TryGetProperty("evidence", out _)).ToList();
        var frameFindings = events.Where(e => e.TryGetProperty("rule", out var r) && FrameRuleIds.Contains(r.GetString()!)).ToList();
        Assert.Equal(files.Count, flowEventsWithEvidence.Count + frameFindings.Count);
        foreach (var fe in events.Where(e => e.GetProperty("event").GetString() == "flow" && e.GetProperty("verdict").GetString() == "allowed"))
            Assert.False(fe.TryGetProperty("evidence", out _) && !events.Any(x => x.GetProperty("event").GetString() is "violation" or "warning"
                && x.TryGetProperty("community_id", out var c) && c.GetString() == fe.GetProperty("community_id").GetString()), fe.ToString());

        Assert.Equal(files.Count, Extra(summary, "evidence_files"));
        Assert.Equal(0, Extra(summary, "evidence_flows_without_packets"));
        Assert.Equal(0, Extra(summary, "evidence_flows_over_file_cap"));
        Assert.Equal(0, Extra(summary, "evidence_packets_not_kept"));
        Assert.Equal(0, Extra(summary, "evidence_write_errors"));
        // only the flows the policy can judge a violation (or with a frame-level violation) were buffered
        long flows = summary.GetProperty("flows").GetInt64();
        Assert.True(Extra(summary, "evidence_flows_buffered") < flows, $"{Extra(summary, "evidence_flows_buffered")} of {flows} flows buffered");
    }

    /// <summary>
    /// Every violation and warning of the sample names an evidence file that exists, reads back as a capture (with
    /// the project's reader, and with tshark where it is installed), and holds the frames of that finding: for a
    /// frame-level finding, the frame with its source MAC, VLAN and addresses; for a flow, only packets of its 5-tuple
    /// (either direction), as many as the finding's <c>packets</c> when the whole flow could matter from its start.
    /// </summary>
    [Fact]
    public void Every_violation_and_warning_of_the_sample_names_a_valid_pcap_holding_its_frames()
    {
        var (exit, events, stderr) = ReplayCommandTests.Replay(Capture, "--topology", Topology, "--evidence", Evidence);
        Assert.True(exit == 1, stderr);
        var findings = events.Where(e => e.GetProperty("event").GetString() is "violation" or "warning").ToList();
        // the sample has every kind of finding that carries packets
        Assert.Equal(
            ["expired-exception", "large-transfer", "lgwan-internet-separation", "mac-binding", "mynumber-internet", "mynumber-isolation",
             "sanitization-misuse", "unclassified-address", "undeclared-service", "unregistered-device", "vlan-mismatch", "zone-crossing"],
            findings.Select(f => f.GetProperty("rule").GetString()!).Distinct().Order(StringComparer.Ordinal));
        var tshark = ExternalTools.Which("tshark");
        if (tshark is null) Console.WriteLine("note: tshark is not installed; the evidence files are read with the project's reader only");
        foreach (var f in findings)
        {
            string rule = f.GetProperty("rule").GetString()!;
            Assert.True(f.TryGetProperty("evidence", out var ev), "no evidence: " + f);
            var path = ev.GetString()!;
            Assert.True(File.Exists(path), path);
            var packets = ReadWithProjectReader(path);
            Assert.NotEmpty(packets);
            var srcIp = f.GetProperty("src_ip").GetString();
            var dstIp = f.GetProperty("dst_ip").GetString();
            if (FrameRuleIds.Contains(rule))
            {
                var p = Assert.Single(packets);
                Assert.Equal(f.GetProperty("src_mac").GetString(), p.SrcMac);
                Assert.Equal(srcIp, p.SrcIp);
                Assert.Equal(dstIp, p.DstIp);
                Assert.Equal(f.TryGetProperty("vlan", out var vlan) ? vlan.GetInt32() : (int?)null, p.Vlan);
                Assert.Equal(f.GetProperty("ts").GetString(), p.Ts);
            }
            else
            {
                int? sport = f.TryGetProperty("src_port", out var sp) ? sp.GetInt32() : null;
                int? dport = f.TryGetProperty("dst_port", out var dp) ? dp.GetInt32() : null;
                var forward = (srcIp, sport, dstIp, dport);
                var reverse = (dstIp, dport, srcIp, sport);
                foreach (var p in packets)
                {
                    Assert.Equal(f.GetProperty("proto").GetString(), p.Proto);
                    var tuple = (p.SrcIp, p.SrcPort, p.DstIp, p.DstPort);
                    Assert.True(tuple == forward || tuple == reverse, $"{path}: packet {tuple} is not of {forward}");
                }
                // a flow that could get its finding from its first packet is there whole; a large transfer from the
                // packet that took it past the limit
                if (rule == "large-transfer") Assert.InRange(packets.Count, 1, f.GetProperty("packets").GetInt64());
                else
                {
                    Assert.Equal(f.GetProperty("packets").GetInt64(), packets.Count);
                    Assert.Equal(f.GetProperty("ts").GetString(), packets[0].Ts);
                }
            }
            if (tshark is not null)
            {
                var (code, outText, err) = ExternalTools.Run(tshark, ["-n", "-r", path, "-T", "fields", "-e", "frame.number"]);
                Assert.True(code == 0, $"tshark cannot read {path}: {err}");
                Assert.Equal(packets.Count, outText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            }
        }
    }

    /// <summary>
    /// Evidence that holds up: replaying a finding's evidence file alone, with the same topology, gives that finding
    /// again (same rule, addresses and port), on the sample and on the shared tunnel scenarios (GRE, VXLAN, GENEVE,
    /// ERSPAN, MPLS, IP in IP: the file holds the whole outer frames). A large transfer is the exception: its file
    /// starts at the packet that took the flow past the limit, so only the flow is checked to be there.
    /// </summary>
    [SkippableTheory]
    [InlineData("sample-city", new[] { "sample-city.pcap" })]
    [InlineData("tunnels", new[] { "tunnels-basic.pcap", "tunnels-mpls.pcapng" })]
    public void Replaying_a_findings_evidence_alone_gives_the_finding_again(string scenario, string[] captures)
    {
        string dir = scenario == "sample-city" ? TestPaths.InRepo("captures") : Path.Combine(TestPaths.RequireShared(), "scenarios", scenario);
        string topology = scenario == "sample-city" ? Topology : Path.Combine(dir, "topology.yaml");
        var (exit, events, stderr) = ReplayCommandTests.Replay([.. captures.Select(c => Path.Combine(dir, c)), "--topology", topology, "--evidence", Evidence]);
        Assert.True(exit == 1, stderr);
        var findings = events.Where(e => e.GetProperty("event").GetString() is "violation" or "warning").ToList();
        Assert.NotEmpty(findings);
        static string Of(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.ToString() : "-";
        static string Key(JsonElement e) => string.Join(' ', Of(e, "rule"), Of(e, "proto"), Of(e, "src_ip"), Of(e, "dst_ip"), Of(e, "dst_port"));
        foreach (var f in findings)
        {
            Assert.True(f.TryGetProperty("evidence", out var ev), "no evidence: " + f);
            var (again, replayed, err) = ReplayCommandTests.Replay(ev.GetString()!, "--topology", topology, "--flows");
            Assert.True(again is 0 or 1, err);
            if (Of(f, "rule") == "large-transfer")
                Assert.Contains(replayed, e => Of(e, "event") == "flow" && Of(e, "community_id") == Of(f, "community_id"));
            else
                Assert.True(replayed.Any(e => Of(e, "event") is "violation" or "warning" && Key(e) == Key(f)),
                    $"{ev.GetString()} does not give {Key(f)} again: {string.Join(" | ", replayed.Where(e => Of(e, "event") != "flow").Select(Key))}");
        }
    }

    private sealed record EvidencePacket(string Ts, string? SrcMac, int? Vlan, string Proto, string SrcIp, int? SrcPort, string DstIp, int? DstPort);

    /// <summary>The packets of an evidence file as the project's capture reader and frame decoder read them.</summary>
    private static List<EvidencePacket> ReadWithProjectReader(string path)
    {
        var list = new List<EvidencePacket>();
        using var reader = SegVerify.Core.Capture.CaptureOpener.Open(path);
        while (reader.TryRead(out var r))
        {
            var p = new SegVerify.Core.Decoding.DecodedPacket();
            SegVerify.Core.Decoding.FrameDecoder.Decode(r.LinkType, r.Data, ref p);
            bool ports = p.Protocol is 6 or 17;
            string proto = p.Kind == SegVerify.Core.Decoding.PacketKind.Arp ? "arp" : SegVerify.Core.Net.IpProto.Name(p.Protocol);
            list.Add(new EvidencePacket(SegVerify.Core.Output.Rfc3339.Format(r.TimestampNs, r.NanosecondResolution),
                p.HasMac ? p.SrcMac.ToString() : null, p.VlanCount > 0 ? p.OuterVlan & 0xFFF : null, proto,
                (p.Kind == SegVerify.Core.Decoding.PacketKind.Arp ? p.ArpSenderIp : p.SrcIp).ToString(), ports ? p.SrcPort : null,
                (p.Kind == SegVerify.Core.Decoding.PacketKind.Arp ? p.ArpTargetIp : p.DstIp).ToString(), ports ? p.DstPort : null));
        }
        Assert.Null(reader.Damage);
        return list;
    }

    [Fact]
    public void Findings_are_the_same_with_and_without_evidence_apart_from_the_evidence_field()
    {
        var (_, plain, _) = ReplayCommandTests.Replay(Capture, "--topology", Topology, "--flows");
        var (_, withEv, _) = ReplayCommandTests.Replay(Capture, "--topology", Topology, "--flows", "--evidence", Evidence);
        static string Strip(JsonElement e)
        {
            var d = JsonSerializerHelpers.ToDictionary(e);
            d.Remove("evidence");
            foreach (var k in d.Keys.Where(k => k.StartsWith("evidence_") || k == "elapsed_s").ToList()) d.Remove(k);
            return string.Join(",", d.Select(kv => kv.Key + "=" + kv.Value));
        }
        Assert.Equal(plain.Select(Strip), withEv.Select(Strip));
    }

    [Fact]
    public void The_file_cap_is_kept_and_what_it_drops_is_counted()
    {
        var (exit, events, _) = ReplayCommandTests.Replay(Capture, "--topology", Topology, "--evidence", Evidence, "--evidence-max-files", "2");
        Assert.Equal(1, exit);
        var summary = events[^1];
        var (_, all, _) = ReplayCommandTests.Replay(Capture, "--topology", Topology, "--evidence", Path.Combine(_dir, "all"));
        long filesWithoutCap = all[^1].GetProperty("evidence_files").GetInt64();
        Assert.True(filesWithoutCap > 2);
        Assert.Equal(2, Directory.GetFiles(Evidence).Length);
        Assert.Equal(2, Extra(summary, "evidence_files"));
        // every flow and frame-level finding past the cap is counted, in one of the two counters
        Assert.Equal(filesWithoutCap - 2, Extra(summary, "evidence_flows_over_file_cap") + Extra(summary, "evidence_frames_over_file_cap"));
        Assert.Equal(2, events.Where(e => e.TryGetProperty("evidence", out _)).Select(e => e.GetProperty("evidence").GetString()).Distinct().Count());
    }

    [Fact]
    public void Sarif_has_the_evidence_as_a_related_location_and_html_links_it()
    {
        var sarif = Path.Combine(_dir, "r.sarif");
        var html = Path.Combine(_dir, "r.html");
        var so = new StringWriter();
        var se = new StringWriter();
        Assert.Equal(1, Program.Run(["replay", Capture, "-t", Topology, "--evidence", Evidence, "-o", sarif], so, se));
        Assert.Equal(1, Program.Run(["replay", Capture, "-t", Topology, "--evidence", Evidence + "2", "-o", html], so, se));
        using var doc = JsonDocument.Parse(File.ReadAllText(sarif));
        var results = doc.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray().ToList();
        var withEvidence = results.Where(r => r.GetProperty("properties").TryGetProperty("evidence", out _)).ToList();
        Assert.NotEmpty(withEvidence);
        foreach (var r in withEvidence)
        {
            var path = r.GetProperty("properties").GetProperty("evidence").GetString()!;
            var related = r.GetProperty("relatedLocations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString();
            Assert.Equal(new Uri(path).AbsoluteUri, related);
        }
        Assert.All(results.Where(r => !r.GetProperty("properties").TryGetProperty("evidence", out _)),
            r => Assert.False(r.TryGetProperty("relatedLocations", out _)));
        // the HTML links the same files as the SARIF names, each where its finding is
        var page = File.ReadAllText(html);
        var linked = System.Text.RegularExpressions.Regex.Matches(page, "<div class=\"ev\">[^<]*<a href=\"([^\"]+)\">([^<]+)</a>")
            .Select(m => (Href: m.Groups[1].Value, Text: System.Net.WebUtility.HtmlDecode(m.Groups[2].Value))).ToList();
        Assert.Equal(withEvidence.Count, linked.Count);
        foreach (var (href, text) in linked)
        {
            Assert.StartsWith(Evidence + "2" + Path.DirectorySeparatorChar, text);
            Assert.True(File.Exists(text), text);
            Assert.Equal(text, Uri.UnescapeDataString(href));
        }
    }

    [Theory]
    [InlineData("--evidence-max-files", "0", "--evidence-max-files must be an integer from 1 to 10000000: 0")]
    [InlineData("--evidence-max-packets", "0", "--evidence-max-packets must be an integer from 1 to 1000000: 0")]
    [InlineData("--evidence-max-mb", "0", "--evidence-max-mb must be an integer from 1 to 1048576: 0")]
    public void Caps_out_of_range_are_bad_usage(string option, string value, string message)
    {
        var (exit, _, stderr) = ReplayCommandTests.Replay(Capture, "--topology", Topology, "--evidence", Evidence, option, value, "--lang", "en");
        Assert.Equal(2, exit);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public void An_evidence_directory_that_cannot_be_created_is_bad_usage()
    {
        var file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "x");
        var (exit, events, stderr) = ReplayCommandTests.Replay(Capture, "--topology", Topology, "--evidence", Path.Combine(file, "sub"), "--lang", "en");
        Assert.Equal(2, exit);
        Assert.Empty(events);
        Assert.Contains("cannot create the --evidence directory", stderr);
    }
}

internal static class JsonSerializerHelpers
{
    public static Dictionary<string, string> ToDictionary(JsonElement e) =>
        e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetRawText());
}
