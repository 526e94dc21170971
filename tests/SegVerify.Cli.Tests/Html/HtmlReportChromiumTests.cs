using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SegVerify.Core.Output;
using SegVerify.Tests.Common;
using Xunit;
using Xunit.Abstractions;

namespace SegVerify.Cli.Tests.Html;

/// <summary>
/// The HTML reports of replay and check-firewall in a real browser (headless Chromium over the DevTools protocol):
/// the page loads without a console error, a script exception or a network request other than the file itself;
/// the audit header says what an auditor needs; no table cell is cut on a 1,400 px screen or on an A4 landscape
/// page; a screenshot and an A4 PDF are made (kept under bin/.../html-report-screenshots for a person to look at).
/// Skipped with a printed reason where Chromium is not installed (CI installs it: .ci/run).
/// </summary>
public sealed class HtmlReportChromiumTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("segverify-html-").FullName;
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(2);

    /// <summary>The printable width of an A4 landscape page with 10 mm margins (the report's @page) in CSS pixels.</summary>
    private const int A4LandscapePrintableCssPx = 1047; // (297 - 2 * 10) mm at 96 px per 25.4 mm

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Topo => TestPaths.InRepo("topologies", "sample-city.yaml");

    private static string ScreenshotDir
    {
        get
        {
            var d = Environment.GetEnvironmentVariable("SEGVERIFY_SCREENSHOTS") is { Length: > 0 } env
                ? env : Path.Combine(AppContext.BaseDirectory, "html-report-screenshots");
            Directory.CreateDirectory(d);
            return d;
        }
    }

    private string Report(string command, string lang)
    {
        var path = Path.Combine(_dir, $"{command}-{lang}.html");
        string[] args = command == "replay"
            ? ["replay", TestPaths.InRepo("captures", "sample-city.pcap"), "--topology", Topo]
            : ["check-firewall", "--topology", Topo, "--config", TestPaths.InRepo("topologies", "firewall", "fw-core-violating.nft"),
               "--required", "--now", "2026-11-23T00:00:00Z"];
        var se = new StringWriter();
        int exit = Program.Run([.. args, "--lang", lang, "--output", path], new StringWriter(), se);
        Assert.True(exit == 1, se.ToString());
        Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(path)); // the format is taken from .html
        return path;
    }

    private const string CutCellsScript = """
        (() => {
          const t = document.getElementById('ftable');
          const cut = [];
          for (const c of t.querySelectorAll('td, th'))
            if (c.offsetParent !== null && c.scrollWidth > c.clientWidth + 1) cut.push(c.tagName + ': ' + c.textContent.slice(0, 60));
          return { right: Math.ceil(t.getBoundingClientRect().right), width: document.documentElement.clientWidth, cut: cut };
        })()
        """;

    private const string HeaderScript = """
        (() => {
          const rows = {};
          for (const tr of document.querySelectorAll('table.meta tr'))
            rows[tr.cells[0].textContent] = [tr.cells[1].textContent, tr.cells[2].textContent];
          const times = Array.from(document.querySelectorAll('#ftable tbody td.t')).map(td => td.firstChild ? td.firstChild.textContent + (td.childNodes[2] ? td.childNodes[2].textContent : '') : '');
          const pageRules = [];
          for (const s of document.styleSheets) for (const r of s.cssRules)
            if (r.media && r.media.mediaText === 'print') for (const x of r.cssRules)
              if (x.cssText.toLowerCase().indexOf('@page') === 0) pageRules.push(x.cssText);
          return { kind: document.getElementById('kind').dataset.kind, rows: rows, times: times,
                   findings: document.querySelectorAll('#ftable tbody tr').length,
                   matrix: document.getElementById('matrix') !== null, cards: document.querySelectorAll('.card').length,
                   pageRules: pageRules };
        })()
        """;

    [SkippableTheory]
    [InlineData("replay", "en")]
    [InlineData("replay", "ja")]
    [InlineData("check-firewall", "en")]
    [InlineData("check-firewall", "ja")]
    public async Task RendersWithoutErrorsOrRequestsAndPrintsOnA4(string command, string lang)
    {
        var exe = ExternalTools.Require(ExternalTools.Which("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"),
            "Chromium is not installed (apt-get install chromium): the HTML report's browser check is skipped");
        var path = Report(command, lang);
        var url = new Uri(path).AbsoluteUri;

        await using var c = await HeadlessChromium.StartAsync(exe, Slow);
        foreach (var domain in new[] { "Page", "Runtime", "Log", "Network" }) await c.SendAsync(domain + ".enable");
        await c.SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = 1400, ["height"] = 1000, ["deviceScaleFactor"] = 1, ["mobile"] = false });
        await c.SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        await c.WaitForEventAsync("Page.loadEventFired", Slow);
        await Task.Delay(500); // anything late (a script error after load, a delayed fetch) is recorded too

        // ---- what the page says
        var page = await c.EvaluateAsync(HeaderScript);
        bool traffic = command == "replay";
        Assert.Equal(traffic ? "traffic" : "configuration", page.GetProperty("kind").GetString());
        var rows = page.GetProperty("rows").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(v => v.GetString()!).ToArray());
        bool ja = lang == "ja";
        Assert.StartsWith("segverify " + ToolInfo.Version, rows[ja ? "ツール" : "Tool"][0]);
        var generated = rows[ja ? "作成日時" : "Generated"];
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST$", generated[0]);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$", generated[1]);
        var topo = rows[ja ? "トポロジー" : "Topology"];
        Assert.StartsWith("サンプル市 本庁舎ネットワーク", topo[0]);
        Assert.Equal("SHA-256 " + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Topo))), topo[1]);
        var pageRules = page.GetProperty("pageRules").EnumerateArray().Select(r => r.GetString()!).ToList();
        Assert.True(pageRules.Any(r => r.Contains("a4", StringComparison.OrdinalIgnoreCase) && r.Contains("landscape")),
            "no A4 landscape @page rule for print: " + string.Join(" | ", pageRules));
        Assert.True(page.GetProperty("findings").GetInt32() > 0);
        if (traffic)
        {
            var period = rows[ja ? "キャプチャ期間" : "Capture period"];
            Assert.Matches(@"^2026-04-01 18:00:00\.\d{3} JST – 2026-04-01 \d\d:\d\d:\d\d\.\d{3} JST$", period[0]);
            Assert.StartsWith("2026-04-01T09:00:00", period[1]);
            var times = page.GetProperty("times").EnumerateArray().Select(t => t.GetString()!).Where(t => t.Length > 0).ToList();
            Assert.True(times.Count >= 10, $"{times.Count} timed rows");
            Assert.Equal(times.Order(StringComparer.Ordinal), times);
            Assert.True(page.GetProperty("matrix").GetBoolean());
        }
        else
        {
            // a ruleset check read no traffic: no capture period, no heat map, no flow/packet/byte cards
            Assert.DoesNotContain(rows.Keys, k => k is "Capture period" or "キャプチャ期間");
            Assert.False(page.GetProperty("matrix").GetBoolean());
            Assert.Equal(2, page.GetProperty("cards").GetInt32());
            Assert.Contains(rows.Keys, k => k is "Configuration" or "設定ファイル");
        }

        // ---- nothing cut on the screen
        var screen = await c.EvaluateAsync(CutCellsScript);
        Assert.True(screen.GetProperty("right").GetInt32() <= screen.GetProperty("width").GetInt32(), "the findings table is wider than a 1,400 px window: " + screen);
        Assert.Empty(screen.GetProperty("cut").EnumerateArray().Select(x => x.GetString()));

        var shot = await c.SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true }, Slow);
        var png = Convert.FromBase64String(shot.GetProperty("data").GetString()!);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.True(png.Length > 20_000, $"screenshot of {png.Length} bytes");
        var shotPath = Path.Combine(ScreenshotDir, $"{command}-{lang}.png");
        await File.WriteAllBytesAsync(shotPath, png);
        output.WriteLine($"screenshot: {shotPath} ({png.Length} bytes)");

        // ---- nothing cut on an A4 landscape page
        await c.SendAsync("Emulation.setEmulatedMedia", new JsonObject { ["media"] = "print" });
        await c.SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = A4LandscapePrintableCssPx, ["height"] = 700, ["deviceScaleFactor"] = 1, ["mobile"] = false });
        var printed = await c.EvaluateAsync(CutCellsScript);
        Assert.True(printed.GetProperty("right").GetInt32() <= A4LandscapePrintableCssPx, "the findings table is wider than an A4 landscape page: " + printed);
        Assert.Empty(printed.GetProperty("cut").EnumerateArray().Select(x => x.GetString()));
        await c.SendAsync("Emulation.setEmulatedMedia", new JsonObject { ["media"] = "" });
        await c.SendAsync("Emulation.clearDeviceMetricsOverride");

        var pdfResult = await c.SendAsync("Page.printToPDF", new JsonObject { ["preferCSSPageSize"] = true, ["printBackground"] = true }, Slow);
        var pdf = Convert.FromBase64String(pdfResult.GetProperty("data").GetString()!);
        Assert.Equal("%PDF-", Encoding.ASCII.GetString(pdf, 0, 5));
        var pdfText = Encoding.Latin1.GetString(pdf);
        var boxes = Regex.Matches(pdfText, @"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]").ToList();
        Assert.NotEmpty(boxes);
        foreach (var b in boxes)
        {
            // A4 landscape: 297 x 210 mm = 841.9 x 595.3 pt
            Assert.InRange(double.Parse(b.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 840, 844);
            Assert.InRange(double.Parse(b.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), 593, 597);
        }
        var pdfPath = Path.Combine(ScreenshotDir, $"{command}-{lang}.pdf");
        await File.WriteAllBytesAsync(pdfPath, pdf);
        output.WriteLine($"pdf: {pdfPath} ({boxes.Count} A4 landscape pages)");

        // ---- no console error, no script exception, no request but the file itself
        var events = c.Events.ToList();
        var problems = events.Where(e =>
                (e.Method == "Runtime.consoleAPICalled" && e.Params.GetProperty("type").GetString() is "error" or "warning" or "assert")
                || e.Method == "Runtime.exceptionThrown"
                || (e.Method == "Log.entryAdded" && e.Params.GetProperty("entry").GetProperty("level").GetString() is "error" or "warning"))
            .Select(e => e.Method + " " + e.Params).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        var requests = events.Where(e => e.Method == "Network.requestWillBeSent")
            .Select(e => e.Params.GetProperty("request").GetProperty("url").GetString()!).ToList();
        Assert.Contains(url, requests); // the recorder saw the document itself
        Assert.All(requests, r => Assert.Equal(url, r));
    }
}
