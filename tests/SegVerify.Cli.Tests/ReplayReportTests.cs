using System.Text.Json;
using System.Text.RegularExpressions;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Cli.Tests;

/// <summary>What replay's reports state about the run: its kind, the capture period, the audit header of the HTML.</summary>
public class ReplayReportTests
{
    private static string Cap => TestPaths.InRepo("captures", "sample-city.pcap");
    private static string Topo => TestPaths.InRepo("topologies", "sample-city.yaml");

    private static string Run(params string[] args)
    {
        var so = new StringWriter();
        var se = new StringWriter();
        int exit = Program.Run(["replay", Cap, "--topology", Topo, .. args], so, se);
        Assert.True(exit == 1, se.ToString());
        return so.ToString();
    }

    [Fact]
    public void SummarySaysTrafficAndGivesTheCapturePeriod()
    {
        var lines = Run("--format", "jsonl", "--flows").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        var s = lines[^1];
        Assert.Equal("traffic", s.GetProperty("kind").GetString());
        // The sample capture's first packet is at 09:00:00 UTC on 2026-04-01 (captures/README.md); every flow lies inside the period.
        var first = s.GetProperty("first_ts").GetString()!;
        var last = s.GetProperty("last_ts").GetString()!;
        Assert.StartsWith("2026-04-01T09:00:00", first);
        Assert.True(string.CompareOrdinal(first, last) < 0);
        foreach (var e in lines.Where(e => e.TryGetProperty("ts", out _)))
        {
            var ts = e.GetProperty("ts").GetString()!;
            Assert.True(string.CompareOrdinal(first, ts) <= 0 && string.CompareOrdinal(ts, last) <= 0, ts);
        }
    }

    [Fact]
    public void HtmlHasTheAuditHeaderAndFindingsInTimeOrder()
    {
        var html = Run("--format", "html");
        Assert.Contains("data-kind=\"traffic\"", html);
        Assert.Matches(@"<th>Tool</th><td class=""mono"">segverify \d+\.\d+\.\d+", html);
        Assert.Matches(@"<th>Generated</th><td class=""mono"">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST</td><td class=""mono hash"">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", html);
        Assert.Contains("<th>Capture period</th><td class=\"mono\">2026-04-01 18:00:00", html); // 09:00 UTC is 18:00 JST
        Assert.Contains("サンプル市", html); // the topology's name
        Assert.Contains("@media print", html);
        Assert.Contains("@page{size:A4", html);
        var times = Regex.Matches(html, @"<td class=""mono t"">(\d{4}-\d\d-\d\d)<wbr>(T[0-9:.]+Z)<div class=""jst"">").Select(m => m.Groups[1].Value + m.Groups[2].Value).ToList();
        Assert.True(times.Count >= 10, $"{times.Count} timed rows");
        Assert.Equal(times.Order(StringComparer.Ordinal).ToList(), times);
    }
}
