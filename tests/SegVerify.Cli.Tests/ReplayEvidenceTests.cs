using System.Buffers.Binary;
using System.Text.Json;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Cli.Tests;

/// <summary><c>replay --evidence DIR</c>: one pcap per violating flow, named in every finding of that flow.</summary>
public class ReplayEvidenceTests : IDisposable
{
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

        // one file per violating flow (the flow event carries the same name), no file for any other flow
        var named = events.Where(e => e.TryGetProperty("evidence", out _)).Select(e => e.GetProperty("evidence").GetString()!).ToHashSet();
        var files = Directory.GetFiles(Evidence).ToHashSet();
        Assert.Equal(files.Order(StringComparer.Ordinal), named.Order(StringComparer.Ordinal));
        var flowEventsWithEvidence = events.Where(e => e.GetProperty("event").GetString() == "flow" && e.TryGetProperty("evidence", out _)).ToList();
        Assert.Equal(files.Count, flowEventsWithEvidence.Count);
        foreach (var fe in events.Where(e => e.GetProperty("event").GetString() == "flow" && e.GetProperty("verdict").GetString() == "allowed"))
            Assert.False(fe.TryGetProperty("evidence", out _) && !events.Any(x => x.GetProperty("event").GetString() == "violation"
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
        long violatingFlows = all[^1].GetProperty("evidence_files").GetInt64();
        Assert.True(violatingFlows > 2);
        Assert.Equal(2, Directory.GetFiles(Evidence).Length);
        Assert.Equal(2, Extra(summary, "evidence_files"));
        Assert.Equal(violatingFlows - 2, Extra(summary, "evidence_flows_over_file_cap"));
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
