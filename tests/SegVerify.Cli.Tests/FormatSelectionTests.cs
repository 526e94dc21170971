using System.Text.Json;
using System.Xml.Linq;
using SegVerify.Cli.Commands;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Cli.Tests;

/// <summary>The format comes from --format, else from the --output file's extension, else from where output goes.</summary>
public sealed class FormatSelectionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("segverify-fmt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Cap => TestPaths.InRepo("captures", "sample-city.pcap");
    private static string Topo => TestPaths.InRepo("topologies", "sample-city.yaml");

    [Theory]
    [InlineData("report.html", "html")]
    [InlineData("REPORT.HTM", "html")]
    [InlineData("out.sarif", "sarif")]
    [InlineData("out.sarif.json", "sarif")]
    [InlineData("results.xml", "junit")]
    [InlineData("results.junit", "junit")]
    [InlineData("events.jsonl", "jsonl")]
    [InlineData("events.ndjson", "jsonl")]
    [InlineData("events.json", "jsonl")]
    [InlineData("report.txt", "text")]
    [InlineData("dir.d/report", null)]
    [InlineData("report.pcap", null)]
    public void ExtensionNamesTheFormat(string file, string? expected) =>
        Assert.Equal(expected, CommonOptions.FormatOfFile(file));

    private string Replay(string fileName, params string[] more)
    {
        var path = Path.Combine(_dir, fileName);
        var so = new StringWriter();
        var se = new StringWriter();
        int exit = Program.Run(["replay", Cap, "--topology", Topo, "--output", path, .. more], so, se);
        Assert.True(exit == 1, se.ToString());
        Assert.Equal("", so.ToString());
        return File.ReadAllText(path);
    }

    [Fact]
    public void ReplayWritesTheFormatTheOutputFileNames()
    {
        Assert.StartsWith("<!DOCTYPE html>", Replay("report.html"));
        Assert.Equal("2.1.0", JsonDocument.Parse(Replay("report.sarif")).RootElement.GetProperty("version").GetString());
        Assert.Equal("testsuites", XDocument.Parse(Replay("report.xml")).Root!.Name.LocalName);
        var lines = Replay("events.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("summary", JsonDocument.Parse(lines[^1]).RootElement.GetProperty("event").GetString());
        Assert.Contains("Summary:", Replay("report.txt", "--lang", "en"));
        // --format wins over the extension; an unknown extension keeps the machine default (JSON Lines)
        Assert.StartsWith("{\"event\":", Replay("forced.html", "--format", "jsonl"));
        Assert.StartsWith("{\"event\":", Replay("events.out"));
    }

    [Fact]
    public void CheckFirewallWritesTheFormatTheOutputFileNames()
    {
        var path = Path.Combine(_dir, "fw.sarif");
        var se = new StringWriter();
        int exit = Program.Run(["check-firewall", "--topology", Topo, "--config", TestPaths.InRepo("topologies", "firewall", "fw-core-violating.nft"), "-o", path], new StringWriter(), se);
        Assert.True(exit == 1, se.ToString());
        Assert.Equal("2.1.0", JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("version").GetString());
    }

    [Fact]
    public void TopologyValidateIsTextInAPipeAndJsonWhenAsked()
    {
        var so = new StringWriter();
        Assert.Equal(0, Program.Run(["topology", "validate", Topo, "--lang", "en"], so, new StringWriter()));
        Assert.DoesNotContain("{\"event\"", so.ToString());
        Assert.Contains("mn-office", so.ToString());

        var json = Path.Combine(_dir, "topo.json");
        Assert.Equal(0, Program.Run(["topology", "validate", Topo, "-o", json], new StringWriter(), new StringWriter()));
        Assert.StartsWith("{", File.ReadAllText(json));
    }
}
