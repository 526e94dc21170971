using System.Text.Json;
using SegVerify.SampleGen;
using SegVerify.Tests.Common;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Cli.Tests;

/// <summary>The bundled sample capture: reproducible from its generator, and replay finds exactly what was planted.</summary>
public class SampleCaptureTests(ITestOutputHelper output)
{
    private static string Capture => TestPaths.InRepo("captures", SampleCity.CaptureName);
    private static string Labels => TestPaths.InRepo("captures", SampleCity.LabelsName);
    private static string Topology => TestPaths.InRepo("topologies", "sample-city.yaml");

    private static readonly HashSet<string> ViolationRules =
    [
        "mynumber-internet", "mynumber-isolation", "lgwan-internet-separation", "zone-crossing",
        "sanitization-misuse", "mac-binding", "unregistered-device", "expired-exception",
    ];

    [Fact]
    public void Regenerating_gives_byte_identical_files()
    {
        var dir = Path.Combine(Path.GetTempPath(), "segverify-samplegen-" + Guid.NewGuid().ToString("N"));
        try
        {
            SampleCity.Write(dir);
            Assert.Equal(File.ReadAllBytes(Capture), File.ReadAllBytes(Path.Combine(dir, SampleCity.CaptureName)));
            Assert.Equal(File.ReadAllBytes(Labels), File.ReadAllBytes(Path.Combine(dir, SampleCity.LabelsName)));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_capture_is_small_and_plants_every_finding_id()
    {
        Assert.True(new FileInfo(Capture).Length < 1_000_000);
        var rules = LoadExpected().Select(e => e["rule"].GetString()).ToHashSet();
        string[] all =
        [
            "mynumber-internet", "mynumber-isolation", "lgwan-internet-separation", "zone-crossing", "sanitization-misuse",
            "mac-binding", "unregistered-device", "vlan-mismatch", "unclassified-address", "undeclared-service",
            "large-transfer", "expired-exception",
        ];
        Assert.Empty(all.Except(rules!));
    }

    [Fact]
    public void Replay_reports_exactly_the_planted_findings_and_exits_1()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int status = Program.Run(["replay", Capture, "--topology", Topology, "--format", "jsonl"], stdout, stderr);

        var findings = new List<JsonElement>();
        foreach (var line in stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var obj = JsonDocument.Parse(line).RootElement;
            var ev = obj.GetProperty("event").GetString();
            if (ev is "violation" or "warning") findings.Add(obj);
        }

        // the same matching rule as shared/tools/check_scenarios.py
        var expected = LoadExpected();
        var used = new HashSet<int>();
        var missed = new List<string>();
        foreach (var e in expected)
        {
            int hit = Enumerable.Range(0, findings.Count).FirstOrDefault(i => !used.Contains(i) && Matches(e, findings[i]), -1);
            if (hit < 0) missed.Add(JsonSerializer.Serialize(e));
            else used.Add(hit);
        }
        var unexpected = Enumerable.Range(0, findings.Count).Where(i => !used.Contains(i)).Select(i => findings[i].GetRawText()).ToList();
        foreach (var m in missed) output.WriteLine("MISSED " + m);
        foreach (var u in unexpected) output.WriteLine("UNEXPECTED " + u);
        if (stderr.ToString().Length > 0) output.WriteLine("stderr: " + stderr);

        Assert.Empty(missed);
        Assert.Empty(unexpected);
        Assert.Equal(expected.Any(e => ViolationRules.Contains(e["rule"].GetString()!)) ? 1 : 0, status);
        Assert.Equal(1, status);
    }

    private static List<Dictionary<string, JsonElement>> LoadExpected()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Labels));
        return doc.RootElement.GetProperty("expect").EnumerateArray()
            .Select(e => e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()))
            .ToList();
    }

    private static bool Matches(Dictionary<string, JsonElement> exp, JsonElement got)
    {
        if (!got.TryGetProperty("rule", out var rule) || rule.GetString() != exp["rule"].GetString()) return false;
        foreach (var (k, v) in exp)
        {
            if (k == "rule") continue;
            if (k == "any_ip")
            {
                var want = v.GetString();
                if (Text(got, "src_ip") != want && Text(got, "dst_ip") != want) return false;
            }
            else if (!string.Equals(Text(got, k), AsText(v), StringComparison.OrdinalIgnoreCase)) return false;
        }
        return true;
    }

    private static string? Text(JsonElement obj, string key) => obj.TryGetProperty(key, out var v) ? AsText(v) : null;

    private static string? AsText(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Number => v.GetRawText(),
        JsonValueKind.Null => null,
        _ => v.GetRawText(),
    };
}
