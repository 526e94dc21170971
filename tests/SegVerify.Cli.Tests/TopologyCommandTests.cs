using System.Text.Json;
using SegVerify.Cli;
using SegVerify.Tests.Common;
using Xunit;
using static SegVerify.Cli.Tests.InProcessCli;

namespace SegVerify.Cli.Tests;

public class TopologyCommandTests
{
    private static string Sample => TestPaths.InRepo("topologies", "sample-city.yaml");

    [Fact]
    public void ValidTopologyPrintsZonesAndMatrix()
    {
        // before its one exception (jlis-link, 2024-12-31) comes within 30 days: no warning at all
        var (exit, output, err) = Run("topology", "validate", Sample, "--format", "text", "--lang", "en", "--now", "2024-06-01T00:00:00Z");
        Assert.True(exit == 0, err);
        Assert.Equal("", err);
        Assert.Contains("Model:    alpha", output);
        Assert.Contains("mn-office    mynumber (My Number business)  3 hosts, registered MACs only", output);
        Assert.Contains("      10.10.0.0/16  vlan 110", output);
        Assert.Contains("external     external (Internet)  implicit", output);
        Assert.Contains("Effective tier matrix", output);
        var matrixRow = output.Split('\n').Single(l => l.StartsWith("  mn-office  ") && l.Contains("mynumber-internet"));
        var cells = matrixRow.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // mn-office, then the verdicts toward mn-office, lg-office, inet-office, public-web, lgwan, j-lis, external.
        Assert.Equal(["mn-office", "allow", "mynumber-isolation", "mynumber-isolation", "mynumber-isolation",
            "mynumber-isolation", "mynumber-isolation*", "mynumber-internet"], cells);
        var lgRow = output.Split('\n').Single(l => l.StartsWith("  lg-office  ") && l.Contains("allow")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["lg-office", "mynumber-isolation", "allow", "lgwan-internet-separation*", "zone-crossing", "allow",
            "zone-crossing*", "lgwan-internet-separation"], lgRow);
        Assert.Contains("jlis-link  mn-relay -> intermediate-server  services: https  reason: 中間サーバーとの情報連携", output);
        Assert.Contains("The topology is valid.", output);
    }

    [Fact]
    public void JapaneseText()
    {
        var (exit, output, _) = Run("topology", "validate", Sample, "--format", "text", "--lang", "ja");
        Assert.Equal(0, exit);
        Assert.Contains("mynumber (マイナンバー利用事務系)", output);
        Assert.Contains("トポロジーは有効です。", output);
    }

    [Fact]
    public void ValidTopologyAsJsonLines()
    {
        var (exit, output, _) = Run("topology", "validate", Sample, "--format", "jsonl", "--lang", "en");
        Assert.Equal(0, exit);
        var docs = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var zones = docs.Where(d => d.GetProperty("event").GetString() == "zone").ToList();
        Assert.Equal(7, zones.Count);
        Assert.Equal("mn-office", zones[0].GetProperty("name").GetString());
        Assert.Equal("mynumber", zones[0].GetProperty("tier").GetString());
        Assert.Equal(110, zones[0].GetProperty("segments")[0].GetProperty("vlan").GetInt32());
        Assert.True(zones[6].GetProperty("implicit").GetBoolean());
        var last = docs[^1];
        Assert.Equal("topology", last.GetProperty("event").GetString());
        Assert.True(last.GetProperty("valid").GetBoolean());
        Assert.Equal("alpha", last.GetProperty("model").GetString());
        Assert.Equal(64, last.GetProperty("sha256").GetString()!.Length);
        var matrix = docs.Single(d => d.GetProperty("event").GetString() == "matrix");
        Assert.Equal("mynumber-internet", matrix.GetProperty("verdicts")[0][6].GetString());
        Assert.Equal("allow", matrix.GetProperty("verdicts")[2][6].GetString());
        Assert.Equal("zone-crossing", matrix.GetProperty("verdicts")[6][2].GetString());
    }

    [Fact]
    public void InvalidTopologyExitsTwoWithPositions()
    {
        var path = Path.Combine(Path.GetTempPath(), $"segverify-bad-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "segverify: 1\nname: x\nmodel: alpha\nzones:\n  lg:\n    tier: lgwan2\n    segments: [10.0.0.0/8]\n");
        try
        {
            var (exit, output, err) = Run("topology", "validate", path, "--format", "text", "--lang", "en");
            Assert.Equal(2, exit);
            Assert.Equal("", output);
            Assert.Contains($"{path}:6:11: zone 'lg': unknown tier 'lgwan2'", err);

            (exit, output, err) = Run("topology", "validate", path, "--format", "jsonl", "--lang", "en");
            Assert.Equal(2, exit);
            var first = JsonDocument.Parse(output.Split('\n')[0]).RootElement;
            Assert.Equal("error", first.GetProperty("event").GetString());
            Assert.Equal(path, first.GetProperty("file").GetString());
            Assert.Equal(6, first.GetProperty("line").GetInt32());
            Assert.Equal(11, first.GetProperty("column").GetInt32());
            Assert.Contains("unknown tier", first.GetProperty("message").GetString());

            (exit, _, err) = Run("topology", "validate", path, "--format", "text", "--lang", "ja");
            Assert.Equal(2, exit);
            Assert.Contains("不明な tier 'lgwan2'", err);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void MissingFileExitsTwo()
    {
        var path = Path.Combine(Path.GetTempPath(), $"segverify-missing-{Guid.NewGuid():N}.yaml");
        var (exit, _, err) = Run("topology", "validate", path, "--format", "text", "--lang", "en");
        Assert.Equal(2, exit);
        Assert.Contains($"{path}:0:0: cannot read the topology file: no such file", err);
    }

    [Fact]
    public void UnsupportedFormatExitsTwo()
    {
        var (exit, _, err) = Run("topology", "validate", Sample, "--format", "sarif");
        Assert.Equal(2, exit);
        Assert.Contains("expected text or jsonl", err);
    }

    [Fact]
    public void EveryBundledTopologyValidates()
    {
        foreach (var f in Directory.GetFiles(TestPaths.InRepo("topologies"), "*.yaml"))
        {
            var (exit, _, err) = Run("topology", "validate", f, "--format", "text", "--lang", "en");
            Assert.True(exit == 0, f + ": " + err);
        }
    }

    [Fact]
    public void OutputOptionWritesTheFile()
    {
        var outPath = Path.Combine(Path.GetTempPath(), $"segverify-out-{Guid.NewGuid():N}.jsonl");
        try
        {
            var (exit, stdout, _) = Run("topology", "validate", Sample, "--format", "jsonl", "--output", outPath);
            Assert.Equal(0, exit);
            Assert.Equal("", stdout);
            var last = File.ReadAllLines(outPath)[^1];
            Assert.StartsWith("{\"event\":\"topology\",\"valid\":true,", last);
        }
        finally { File.Delete(outPath); }
    }

    // ------------------------------------------------------------------ expired and soon-expiring allow rules

    /// <summary>A topology whose allow rules expire on the days given (one rule each; line 16 + 2i holds rule i's expires, at column 16).</summary>
    private static string ExpiringTopology(params string[] days)
    {
        var sb = new System.Text.StringBuilder("""
            segverify: 1
            name: expiry
            model: alpha
            zones:
              lg:
                tier: lgwan
                segments: [10.20.0.0/16]
              pi:
                tier: public-institution
                segments: [192.0.2.0/24]
            hosts:
              - { name: a, zone: lg, ip: 10.20.0.1 }
              - { name: b, zone: pi, ip: 192.0.2.1 }
            allow:

            """);
        for (int i = 0; i < days.Length; i++)
            sb.Append($"  - {{ name: r{i}, from: a, to: b, services: [https],\n      expires: {days[i]} }}\n");
        var path = Path.Combine(Path.GetTempPath(), $"segverify-expiry-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [Fact]
    public void ExpiredAndSoonExpiringAllowRulesAreWarnedAboutWithTheirPosition()
    {
        // 2026-03-01T20:00Z is 2026-03-02 in Japan: the day the expiry dates (JST) are compared with.
        var path = ExpiringTopology("2026-03-01", "2026-03-02", "2026-03-03", "2026-04-01", "2026-04-02", "2027-01-01");
        try
        {
            var (exit, output, err) = Run("topology", "validate", path, "--format", "text", "--lang", "en", "--now", "2026-03-01T20:00:00Z");
            Assert.True(exit == 0, err);
            Assert.Contains("The topology is valid.", output);
            var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal([
                $"{path}:16:16: warning: allow rule 'r0' expired on 2026-03-01 (1 day ago); flows only it allows are reported as expired-exception: renew the exception or remove the rule",
                $"{path}:18:16: warning: allow rule 'r1' expires today (2026-03-02 is its last valid day, JST): renew the exception or prepare its end",
                $"{path}:20:16: warning: allow rule 'r2' expires in 1 day (2026-03-03 is its last valid day, JST): renew the exception or prepare its end",
                $"{path}:22:16: warning: allow rule 'r3' expires in 30 days (2026-04-01 is its last valid day, JST): renew the exception or prepare its end",
            ], lines);

            var (_, _, errJa) = Run("topology", "validate", path, "--format", "text", "--lang", "ja", "--now", "2026-03-01T20:00:00Z");
            Assert.Contains($"{path}:16:16: 警告: 許可ルール 'r0' は 2026-03-01 で期限切れです（1 日経過）", errJa);
            Assert.Contains($"{path}:22:16: 警告: 許可ルール 'r3' はあと 30 日で期限切れになります（2026-04-01 まで有効、日本時間）", errJa);

            var (_, jsonl, _) = Run("topology", "validate", path, "--format", "jsonl", "--lang", "en", "--now", "2026-03-01T20:00:00Z");
            var events = jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            var warnings = events.Where(e => e.GetProperty("event").GetString() == "topology_warning").ToList();
            Assert.Equal([16, 18, 20, 22], warnings.Select(w => w.GetProperty("line").GetInt32()));
            Assert.Equal(4, events[^1].GetProperty("warnings").GetInt32());

            // much later every rule has expired; long before, none is near
            var (_, _, late) = Run("topology", "validate", path, "--lang", "en", "--now", "2028-01-01T00:00:00Z");
            Assert.Equal(6, late.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains("expired on")));
            var (_, _, early) = Run("topology", "validate", path, "--lang", "en", "--now", "2025-01-01T00:00:00Z");
            Assert.Equal("", early);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void ABadNowIsAUsageError()
    {
        var (exit, _, err) = Run("topology", "validate", Sample, "--now", "yesterday", "--lang", "en");
        Assert.Equal(2, exit);
        Assert.Contains("--now must be an ISO 8601 date-time: yesterday", err);
    }
}
