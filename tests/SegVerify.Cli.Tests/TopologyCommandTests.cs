using System.Text.Json;
using SegVerify.Cli;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Cli.Tests;

public class TopologyCommandTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string Sample => TestPaths.InRepo("topologies", "sample-city.yaml");

    [Fact]
    public void ValidTopologyPrintsZonesAndMatrix()
    {
        var (exit, output, err) = Run("topology", "validate", Sample, "--format", "text", "--lang", "en");
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
}
