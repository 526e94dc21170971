using System.Globalization;
using System.Net;
using System.Text;
using SegVerify.Core.Findings;
using SegVerify.Core.Localization;
using SegVerify.Core.Net;

namespace SegVerify.Core.Output;

/// <summary>
/// <c>--format html</c>: one self-contained page (inline CSS and JS, no network fetches, a CSP that forbids them):
/// the zone matrix as a heat map, the findings table (sortable, filterable), top talkers across zones, and the
/// evidence (capture and topology hashes). Every text from the run is HTML-escaped. Written at <see cref="End"/>.
/// Flow events (<see cref="FlowEvent"/>, with --flows) feed the top talkers but are not listed.
/// </summary>
public sealed class HtmlSink : IFindingSink
{
    /// <summary>Most findings written into the table; the rest are counted in a note.</summary>
    public const int MaxRows = 20_000;
    public const int TopTalkers = 20;

    private const double HeatHue = 212;
    private const double HeatLightMax = 96;
    private const double HeatLightMin = 34;
    private const double DarkTextBelowLight = 58;

    private readonly TextWriter _w;
    private readonly string _lang;
    private readonly List<Finding> _findings = [];
    private readonly Dictionary<(IpAddr Src, IpAddr Dst), Talker> _talkers = [];
    private RunInfo? _info;

    public HtmlSink(TextWriter writer, string language)
    {
        _w = writer;
        _lang = language;
    }

    private bool Ja => FindingFormat.IsJa(_lang);
    private string T(string ja, string en) => Ja ? ja : en;

    public void Begin(RunInfo info) => _info = info;

    public void OnFinding(Finding f)
    {
        _findings.Add(f);
        NoteTalker(f);
    }

    /// <summary>Flows are not listed; they count in the top talkers.</summary>
    public void OnFlow(FlowEvent flow) => NoteTalker(flow);

    private void NoteTalker(OutputEvent e)
    {
        var f = e;
        if (f.SrcIp is not IpAddr s || f.DstIp is not IpAddr d) return;
        if (f.SrcZone is null || f.DstZone is null || f.SrcZone == f.DstZone) return;
        if (!_talkers.TryGetValue((s, d), out var t))
        {
            t = new Talker(s, d, f.SrcZone, f.DstZone);
            _talkers[(s, d)] = t;
        }
        // one flow counted once, however many findings it got: keyed by its Community ID (else by its first packet)
        var flowKey = f.CommunityId ?? $"{FindingFormat.Proto(f)}|{f.SrcPort}|{f.DstPort}|{f.TimestampNs}";
        if (t.FlowKeys.Add(flowKey))
        {
            t.Bytes += f.Bytes ?? 0;
            t.Packets += f.Packets ?? 0;
        }
        if (e is not Finding finding) return;
        t.Findings++;
        if (finding.Severity == Severity.Violation) t.Violations++;
        t.Rules.Add(finding.Rule);
    }

    private bool Configuration => _info?.Kind == RunKind.Configuration;

    public void End(RunSummary summary)
    {
        var sb = new StringBuilder(64 * 1024);
        var title = T("SegVerify 検証レポート", "SegVerify report");
        sb.Append("<!DOCTYPE html>\n<html lang=\"").Append(Ja ? "ja" : "en").Append("\">\n<head>\n<meta charset=\"utf-8\">\n");
        sb.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n");
        sb.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        sb.Append("<title>").Append(E(title)).Append("</title>\n<style>").Append(Css).Append(PrintCss).Append("</style>\n</head>\n<body>\n");

        WriteHeader(sb, title, summary);
        WriteOverview(sb, summary);
        if (!Configuration) WriteMatrix(sb, summary);
        WriteFindings(sb);
        if (!Configuration) WriteTalkers(sb);
        WriteEvidence(sb, summary);

        sb.Append("<script>").Append(Script).Append("</script>\n</body>\n</html>\n");
        _w.Write(sb.ToString());
        _w.Flush();
    }

    /// <summary>What an auditor needs to identify the report: the kind of run, tool, time, topology, inputs and period.</summary>
    private void WriteHeader(StringBuilder sb, string title, RunSummary s)
    {
        sb.Append("<header><h1>").Append(E(title)).Append("</h1>");
        sb.Append("<p class=\"kind\" id=\"kind\" data-kind=\"").Append(_info?.KindId ?? "traffic").Append("\">").Append(E(Configuration
            ? T("ファイアウォール設定の検査（通信は読んでいません。各検出は設定が許可する通信の種類です）",
                "Firewall configuration check (no traffic was read; each finding is a class of traffic the ruleset admits)")
            : T("通信の検査（キャプチャまたはインターフェースから読んだパケット）",
                "Traffic check (packets read from captures or an interface)"))).Append("</p>");
        sb.Append("<table class=\"kv meta\"><tbody>");
        Kv(sb, T("ツール", "Tool"), ToolInfo.Name + " " + ToolInfo.Version, "");
        var at = _info?.GeneratedAt ?? DateTimeOffset.UtcNow;
        Kv(sb, T("作成日時", "Generated"), LocalTime.Jst(at), LocalTime.Utc(at));
        if (_info is not null) Kv(sb, T("コマンド", "Command"), "segverify " + _info.Command, "");
        if (_info is not null)
            Kv(sb, T("トポロジー", "Topology"), (_info.TopologyName is { } n ? n + "  " : "") + "(" + _info.TopologyPath + ")",
                "SHA-256 " + (s.TopologySha256 ?? _info.TopologySha256));
        if (Configuration)
        {
            foreach (var c in s.Captures) Kv(sb, T("設定ファイル", "Configuration"), c.Name, c.Sha256 is null ? "" : "SHA-256 " + c.Sha256);
        }
        else if (s.FirstPacketNs is { } first && s.LastPacketNs is { } last)
        {
            var f = LocalTime.FromUnixNs(first);
            var l = LocalTime.FromUnixNs(last);
            Kv(sb, T("キャプチャ期間", "Capture period"), LocalTime.Jst(f, fraction: true) + " – " + LocalTime.Jst(l, fraction: true),
                FindingFormat.Timestamp(first, s.NanosecondResolution) + " – " + FindingFormat.Timestamp(last, s.NanosecondResolution));
        }
        else
        {
            Kv(sb, T("キャプチャ期間", "Capture period"), T("（パケットなし）", "(no packets)"), "");
        }
        sb.Append("</tbody></table></header>\n");
    }

    private void WriteOverview(StringBuilder sb, RunSummary s)
    {
        sb.Append("<section id=\"overview\"><div class=\"cards\">");
        Card(sb, T("違反", "Violations"), s.Violations, s.Violations > 0 ? "bad" : "ok");
        Card(sb, T("警告", "Warnings"), s.Warnings, s.Warnings > 0 ? "warn" : "ok");
        if (!Configuration)
        {
            Card(sb, T("フロー", "Flows"), s.Flows, "");
            Card(sb, T("パケット", "Packets"), s.Packets, "");
            Card(sb, T("バイト", "Bytes"), s.Bytes, "");
        }
        sb.Append("</div>");
        if (s.ByRule.Count > 0)
        {
            sb.Append("<p class=\"rules\">");
            foreach (var (rule, n) in s.ByRule)
            {
                var sev = RuleIds.SeverityOf(rule) == Severity.Violation ? "bad" : "warn";
                sb.Append("<span class=\"chip ").Append(sev).Append("\">").Append(E(rule)).Append(" <b>")
                    .Append(FindingFormat.Num(n)).Append("</b></span> ");
            }
            sb.Append("</p>");
        }
        sb.Append("</section>\n");
    }

    private static void Card(StringBuilder sb, string label, long n, string cls) =>
        sb.Append("<div class=\"card ").Append(cls).Append("\"><div class=\"n\">").Append(FindingFormat.Num(n))
            .Append("</div><div class=\"l\">").Append(E(label)).Append("</div></div>");

    private void WriteMatrix(StringBuilder sb, RunSummary s)
    {
        sb.Append("<section id=\"matrix\"><h2>").Append(E(T("ゾーン間のフロー数（ヒートマップ）", "Flows between zones (heat map)"))).Append("</h2>");
        sb.Append("<p class=\"note\">").Append(E(T("行: 通信を始めた側のゾーン、列: 応答側のゾーン。赤枠（!）は違反が検出された組。",
            "Rows: initiator zone; columns: responder zone. A red frame (!) marks a pair with a violation."))).Append("</p>");
        var m = ZoneMatrixView.Build(s, _findings, activeOnly: false);
        if (m.Zones.Count == 0)
        {
            sb.Append("<p>").Append(E(T("フローはありません。", "No flows."))).Append("</p></section>\n");
            return;
        }
        double logMax = Math.Log(1 + m.Max);
        sb.Append("<div class=\"scroll\"><table class=\"heat\"><thead><tr><th class=\"corner\">")
            .Append(E(T("起点 \\ 応答", "from \\ to"))).Append("</th>");
        foreach (var z in m.Zones) sb.Append("<th scope=\"col\">").Append(E(z)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var from in m.Zones)
        {
            sb.Append("<tr><th scope=\"row\">").Append(E(from)).Append("</th>");
            foreach (var to in m.Zones)
            {
                long n = m.Count(from, to);
                bool bad = m.Violating(from, to);
                double k = logMax > 0 ? Math.Log(1 + n) / logMax : 0;
                double light = HeatLightMax - k * (HeatLightMax - HeatLightMin);
                sb.Append("<td class=\"").Append(bad ? "bad" : "").Append(from == to ? " diag" : "").Append("\" style=\"background:hsl(")
                    .Append(HeatHue.ToString(CultureInfo.InvariantCulture)).Append(",70%,")
                    .Append(light.ToString("0.#", CultureInfo.InvariantCulture)).Append("%)")
                    .Append(light < DarkTextBelowLight ? ";color:#fff" : "").Append("\" title=\"")
                    .Append(E($"{from} -> {to}: {n}")).Append("\">")
                    .Append(n == 0 ? "" : FindingFormat.Num(n)).Append(bad ? "<span class=\"mark\">!</span>" : "").Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table></div></section>\n");
    }

    private void WriteFindings(StringBuilder sb)
    {
        sb.Append("<section id=\"findings\"><h2>").Append(E(T("検出結果", "Findings"))).Append(" <span class=\"count\" id=\"shown\">")
            .Append(FindingFormat.Num(_findings.Count)).Append("</span></h2>");
        sb.Append("<div class=\"controls\"><input id=\"q\" type=\"search\" placeholder=\"").Append(E(T("絞り込み（アドレス、ゾーン、メッセージ…）", "Filter (address, zone, message...)")))
            .Append("\"> <select id=\"sev\"><option value=\"\">").Append(E(T("すべての重大度", "all severities"))).Append("</option>")
            .Append("<option value=\"violation\">").Append(E(FindingFormat.SeverityLabel(Severity.Violation, _lang))).Append("</option>")
            .Append("<option value=\"warning\">").Append(E(FindingFormat.SeverityLabel(Severity.Warning, _lang))).Append("</option></select> ")
            .Append("<select id=\"rule\"><option value=\"\">").Append(E(T("すべてのルール", "all rules"))).Append("</option>");
        foreach (var r in _findings.Select(f => f.Rule).Distinct().Order(StringComparer.Ordinal))
            sb.Append("<option value=\"").Append(E(r)).Append("\">").Append(E(r)).Append("</option>");
        sb.Append("</select></div>");

        bool cfg = Configuration;
        // Fixed column widths (percent) so that nothing is cut on a narrow screen or an A4 page: long text wraps.
        (string Head, int Width, bool Numeric)[] cols = cfg
            ?
            [
                ("#", 3, true), (T("重大度", "Severity"), 7, false), (T("ルール", "Rule"), 10, false),
                (T("設定箇所", "Config rule"), 12, false), (T("プロトコル", "Proto"), 5, false),
                (T("送信元", "Source"), 11, false), (T("送信元ゾーン", "Src zone"), 8, false),
                (T("宛先", "Destination"), 11, false), (T("宛先ゾーン", "Dst zone"), 8, false),
                (T("規則・経路", "Rule/path"), 6, false), (T("内容", "Message"), 19, false),
            ]
            :
            [
                ("#", 3, true), (T("重大度", "Severity"), 7, false), (T("ルール", "Rule"), 9, false),
                (T("時刻 (UTC / JST)", "Time (UTC / JST)"), 11, false), (T("プロトコル", "Proto"), 4, false),
                (T("送信元", "Source"), 10, false), (T("送信元ゾーン", "Src zone"), 7, false),
                (T("宛先", "Destination"), 10, false), (T("宛先ゾーン", "Dst zone"), 7, false),
                (T("方向", "Direction"), 6, false), (T("バイト", "Bytes"), 5, true),
                (T("規則・経路", "Rule/path"), 6, false), (T("内容", "Message"), 15, false),
            ];
        sb.Append("<div class=\"scroll\"><table id=\"ftable\" class=\"list\"><colgroup>");
        foreach (var c in cols) sb.Append("<col style=\"width:").Append(c.Width).Append("%\">");
        sb.Append("</colgroup><thead><tr>");
        foreach (var c in cols)
            sb.Append("<th data-num=\"").Append(c.Numeric ? "1" : "0").Append("\">").Append(E(c.Head)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        int row = 0;
        foreach (var f in Ordered())
        {
            if (row >= MaxRows) break;
            row++;
            var sev = FindingFormat.SeverityId(f.Severity);
            sb.Append("<tr data-sev=\"").Append(sev).Append("\" data-rule=\"").Append(E(f.Rule)).Append("\">");
            sb.Append("<td data-v=\"").Append(row).Append("\">").Append(row).Append("</td>");
            sb.Append("<td><span class=\"sev ").Append(sev).Append("\">").Append(E(FindingFormat.SeverityLabel(f.Severity, _lang))).Append("</span></td>");
            Cell(sb, f.Rule, "mono");
            if (cfg) Cell(sb, FindingFormat.ConfigLocation(f) ?? "", "mono");
            else TimeCell(sb, f);
            Cell(sb, FindingFormat.Proto(f) ?? "", "");
            Cell(sb, Endpoint(f.SrcIp, f.SrcPort, f.SrcMac), "mono");
            Cell(sb, f.SrcZone ?? "", "");
            Cell(sb, Endpoint(f.DstIp, f.DstPort, f.DstMac), "mono");
            Cell(sb, f.DstZone ?? "", "");
            if (!cfg)
            {
                Cell(sb, f.Direction ?? "", "");
                sb.Append("<td class=\"num\" data-v=\"").Append(f.Bytes ?? -1).Append("\">").Append(f.Bytes is long b ? FindingFormat.Num(b) : "").Append("</td>");
                Cell(sb, f.AllowedBy ?? FindingFormat.ConfigLocation(f) ?? "", "");
            }
            else Cell(sb, f.AllowedBy ?? "", "");
            sb.Append("<td class=\"msg\">").Append(E(Messages.Message(f, _lang))).Append("<div class=\"clause\">").Append(E(Messages.Clause(f.Rule, _lang))).Append("</div>");
            if (f.Evidence is { } ev)
                sb.Append("<div class=\"ev\">").Append(E(T("証拠: ", "Evidence: "))).Append("<a href=\"").Append(E(EvidenceHref(ev))).Append("\">")
                    .Append(E(ev)).Append("</a></div>");
            sb.Append("</td>");
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table></div>");
        if (_findings.Count == 0) sb.Append("<p>").Append(E(T("検出はありません。", "No findings."))).Append("</p>");
        if (_findings.Count > MaxRows)
            sb.Append("<p class=\"note\">").Append(E(T($"最初の {MaxRows} 件のみ表示（全 {_findings.Count} 件）。全件は --format jsonl で出力できます。",
                $"Only the first {MaxRows} of {_findings.Count} findings are shown; --format jsonl has them all."))).Append("</p>");
        sb.Append("</section>\n");
    }

    /// <summary>
    /// Findings in the order an auditor reads them: by time for traffic (frame-level findings come as they are met,
    /// flow-level ones when the flow ends), by file and line for a configuration; ties keep the order of reporting.
    /// </summary>
    private IEnumerable<Finding> Ordered() => Configuration
        ? _findings.Select((f, i) => (f, i)).OrderBy(x => x.f.Config?.File ?? "", StringComparer.Ordinal)
            .ThenBy(x => x.f.Config?.Line ?? 0).ThenBy(x => x.f.Config?.Column ?? 0).ThenBy(x => x.i).Select(x => x.f)
        : _findings.Select((f, i) => (f, i)).OrderBy(x => x.f.TimestampNs == 0 ? long.MaxValue : x.f.TimestampNs)
            .ThenBy(x => x.i).Select(x => x.f);

    private static void TimeCell(StringBuilder sb, Finding f)
    {
        if (f.TimestampNs == 0)
        {
            sb.Append("<td class=\"mono t\"></td>");
            return;
        }
        // a line break is allowed only between the date and the time
        var utc = E(FindingFormat.Timestamp(f));
        int t = utc.IndexOf('T');
        sb.Append("<td class=\"mono t\">").Append(t > 0 ? utc[..t] + "<wbr>" + utc[t..] : utc).Append("<div class=\"jst\">")
            .Append(E(LocalTime.Jst(LocalTime.FromUnixNs(f.TimestampNs), fraction: true))).Append("</div></td>");
    }

    /// <summary>A relative link to an evidence file: each path segment percent-escaped.</summary>
    private static string EvidenceHref(string file) =>
        string.Join('/', file.Replace('\\', '/').Split('/').Select(Uri.EscapeDataString));

    private static string Endpoint(IpAddr? ip, ushort? port, MacAddr? mac) =>
        FindingFormat.Address(ip, port) ?? (mac is MacAddr m ? m.ToString() : "");

    private static void Cell(StringBuilder sb, string text, string cls)
    {
        sb.Append("<td");
        if (cls.Length > 0) sb.Append(" class=\"").Append(cls).Append('"');
        sb.Append('>').Append(E(text)).Append("</td>");
    }

    private void WriteTalkers(StringBuilder sb)
    {
        sb.Append("<section id=\"talkers\"><h2>").Append(E(T("ゾーンをまたぐ通信の多い組（上位）", "Top talkers across zones"))).Append("</h2>");
        var top = _talkers.Values
            .OrderByDescending(t => t.Violations).ThenByDescending(t => t.Findings).ThenByDescending(t => t.Bytes)
            .ThenByDescending(t => t.FlowKeys.Count).ThenBy(t => t.Src).ThenBy(t => t.Dst)
            .Take(TopTalkers).ToList();
        if (top.Count == 0)
        {
            sb.Append("<p>").Append(E(T("ゾーンをまたぐ通信の記録はありません。", "No cross-zone traffic among the findings."))).Append("</p></section>\n");
            return;
        }
        sb.Append("<table class=\"list\"><thead><tr><th>").Append(E(T("送信元", "Source"))).Append("</th><th>")
            .Append(E(T("宛先", "Destination"))).Append("</th><th>").Append(E(T("フロー", "Flows"))).Append("</th><th>")
            .Append(E(T("違反", "Violations"))).Append("</th><th>").Append(E(T("検出", "Findings"))).Append("</th><th>")
            .Append(E(T("バイト", "Bytes"))).Append("</th><th>").Append(E(T("ルール", "Rules"))).Append("</th></tr></thead><tbody>");
        foreach (var t in top)
        {
            sb.Append("<tr><td class=\"mono\">").Append(E(t.Src.ToString())).Append(" <span class=\"z\">(").Append(E(t.SrcZone)).Append(")</span></td>")
                .Append("<td class=\"mono\">").Append(E(t.Dst.ToString())).Append(" <span class=\"z\">(").Append(E(t.DstZone)).Append(")</span></td>")
                .Append("<td class=\"num\">").Append(t.FlowKeys.Count).Append("</td>")
                .Append("<td class=\"num").Append(t.Violations > 0 ? " badtext" : "").Append("\">").Append(t.Violations).Append("</td>")
                .Append("<td class=\"num\">").Append(t.Findings).Append("</td>")
                .Append("<td class=\"num\">").Append(FindingFormat.Num(t.Bytes)).Append("</td>")
                .Append("<td class=\"mono\">").Append(E(string.Join(", ", t.Rules.Order(StringComparer.Ordinal)))).Append("</td></tr>");
        }
        sb.Append("</tbody></table></section>\n");
    }

    private void WriteEvidence(StringBuilder sb, RunSummary s)
    {
        sb.Append("<section id=\"evidence\"><h2>").Append(E(T("証跡", "Evidence"))).Append("</h2><table class=\"kv\"><tbody>");
        foreach (var c in s.Captures)
            Kv(sb, Configuration ? T("設定ファイル", "Configuration") : T("キャプチャ", "Capture"), c.Name, c.Sha256 is null ? "" : "SHA-256 " + c.Sha256);
        var topoSha = s.TopologySha256 ?? _info?.TopologySha256;
        if (_info is not null || topoSha is not null)
            Kv(sb, T("トポロジー", "Topology"), _info?.TopologyPath ?? "", topoSha is null ? "" : "SHA-256 " + topoSha);
        Kv(sb, T("所要時間", "Elapsed"), FindingFormat.Seconds(s.ElapsedSeconds) + T(" 秒", " s"), "");
        if (!Configuration)
        {
            Kv(sb, T("パケット / バイト / フロー", "Packets / bytes / flows"),
                $"{FindingFormat.Num(s.Packets)} / {FindingFormat.Num(s.Bytes)} / {FindingFormat.Num(s.Flows)}", "");
            if (s.Dropped is not null || s.IfDropped is not null)
                Kv(sb, T("取りこぼし（カーネル / インターフェース）", "Dropped (kernel / interface)"),
                    $"{FindingFormat.Num(s.Dropped ?? 0)} / {FindingFormat.Num(s.IfDropped ?? 0)}", "");
            foreach (var (reason, n) in s.Undecoded)
                Kv(sb, T("解析できなかったフレーム", "Undecoded frames"), reason, FindingFormat.Num(n));
        }
        else if (s.Extra.Any(kv => kv.Key == "over_approximated" && kv.Value is true))
        {
            Kv(sb, T("解析の精度", "Precision"), T("解釈できない構文があるため、許可される通信を広めに見積もっています（見逃しはありません）",
                "Syntax that was not understood made the accepted set an over-approximation (nothing forbidden is missed)"), "");
        }
        sb.Append("</tbody></table></section>\n");
    }

    private static void Kv(StringBuilder sb, string k, string v, string extra)
    {
        sb.Append("<tr><th>").Append(E(k)).Append("</th><td class=\"mono\">").Append(E(v)).Append("</td><td class=\"mono hash\">")
            .Append(E(extra)).Append("</td></tr>");
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private sealed class Talker(IpAddr src, IpAddr dst, string srcZone, string dstZone)
    {
        public IpAddr Src { get; } = src;
        public IpAddr Dst { get; } = dst;
        public string SrcZone { get; } = srcZone;
        public string DstZone { get; } = dstZone;
        public HashSet<string> FlowKeys { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Rules { get; } = new(StringComparer.Ordinal);
        public long Bytes;
        public long Packets;
        public int Findings;
        public int Violations;
    }

    private const string Css = """
body{font-family:system-ui,"Hiragino Sans","Noto Sans CJK JP","Yu Gothic",Meiryo,sans-serif;margin:0;padding:0 24px 40px;color:#1d2430;background:#f6f7f9}
header{padding:18px 0 6px}h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:26px 0 8px}
.sub{color:#556;margin:0}code,.mono{font-family:ui-monospace,"SF Mono",Menlo,Consolas,monospace;font-size:12.5px}
section{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:6px 16px 14px;margin-top:14px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin-top:10px}.card{border:1px solid #dde1e7;border-radius:8px;padding:8px 16px;min-width:110px}
.card .n{font-size:24px;font-weight:700}.card .l{color:#556;font-size:12px}.card.bad{border-color:#d33;background:#fff1f1}.card.bad .n{color:#c11}
.card.warn{border-color:#e0a100;background:#fffaeb}.card.ok .n{color:#187a3a}
.chip{display:inline-block;border-radius:12px;padding:2px 10px;margin:2px;font-size:12px;font-family:ui-monospace,Menlo,Consolas,monospace}
.chip.bad{background:#fde0e0;color:#9b1111}.chip.warn{background:#fff0c2;color:#7a5600}
.note{color:#556;font-size:12.5px}.scroll{overflow:auto}
table{border-collapse:collapse}table.heat td,table.heat th{border:1px solid #cfd5de;padding:6px 10px;text-align:center;min-width:56px;font-size:13px}
table.heat th{background:#eef1f5;font-weight:600}table.heat th.corner{font-weight:400;color:#556}
table.heat td.bad{outline:3px solid #d22;outline-offset:-3px;font-weight:700}table.heat td.diag{font-style:italic}
.mark{display:inline-block;margin-left:4px;background:#d22;color:#fff;border-radius:50%;width:16px;height:16px;line-height:16px;font-size:11px}
.controls{margin:6px 0 8px}.controls input{width:320px;padding:5px 8px}.controls select{padding:4px}
table.list{width:100%;font-size:12.5px}table.list th,table.list td{border-bottom:1px solid #e3e6eb;padding:5px 7px;text-align:left;vertical-align:top}
table.list th{background:#eef1f5;position:sticky;top:0}#ftable th{cursor:pointer;user-select:none}
#ftable th.asc::after{content:" \25B2"}#ftable th.desc::after{content:" \25BC"}
td.num{text-align:right}.sev{border-radius:4px;padding:1px 6px;font-weight:600;white-space:nowrap}.sev.violation{background:#d22;color:#fff}
.sev.warning{background:#f2b705;color:#3a2a00}.clause{color:#667;font-size:11.5px;margin-top:2px}
#ftable{table-layout:fixed;min-width:1250px}#ftable td{overflow-wrap:anywhere}#ftable td.t{overflow-wrap:normal}.jst{color:#667;font-size:11px}.ev{margin-top:2px;font-size:11.5px}
.kind{font-weight:600;margin:2px 0 8px}table.meta{font-size:12.5px;margin-bottom:4px}
.count{font-weight:400;color:#667;font-size:13px}.badtext{color:#c11;font-weight:700}.z{color:#667}
table.kv th{text-align:left;padding:4px 14px 4px 0;font-weight:600;vertical-align:top}table.kv td{padding:4px 14px 4px 0}.hash{color:#445;word-break:break-all}
""";

    /// <summary>
    /// Printing on A4 (landscape): no controls, every column on the page (fixed widths, long text wraps), one finding
    /// never split across pages, table headings repeated on each page, colours kept.
    /// </summary>
    private const string PrintCss = """
@media print{
@page{size:A4 landscape;margin:10mm}
body{background:#fff;padding:0;font-size:9pt;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.controls{display:none}section{border:none;border-radius:0;padding:0;margin-top:5mm}
.scroll{overflow:visible}#ftable{min-width:0;width:100%;font-size:7.5pt}table.list th{position:static;cursor:default}
table.list td,table.list th{padding:2px 3px;overflow-wrap:anywhere}#ftable td.t{overflow-wrap:normal}
#ftable .mono,#ftable .clause,#ftable .jst,#ftable .ev,#ftable .sev{font-size:7pt}code,.mono{font-size:8pt}tr{break-inside:avoid;page-break-inside:avoid}
thead{display:table-header-group}#ftable th.asc::after,#ftable th.desc::after{content:""}
h2{break-after:avoid}.cards .card{padding:4px 10px}.ev a{color:inherit}
}
""";

    private const string Script = """
(function(){
var t=document.getElementById('ftable');if(!t)return;var tb=t.tBodies[0];
var q=document.getElementById('q'),sv=document.getElementById('sev'),ru=document.getElementById('rule'),shown=document.getElementById('shown');
function apply(){var s=q.value.toLowerCase(),a=sv.value,b=ru.value,n=0;
for(var i=0;i<tb.rows.length;i++){var r=tb.rows[i];var ok=(!a||r.getAttribute('data-sev')===a)&&(!b||r.getAttribute('data-rule')===b)&&(!s||r.textContent.toLowerCase().indexOf(s)>=0);
r.style.display=ok?'':'none';if(ok)n++;}shown.textContent=n;}
q.addEventListener('input',apply);sv.addEventListener('change',apply);ru.addEventListener('change',apply);
var ths=t.tHead.rows[0].cells;
for(var c=0;c<ths.length;c++){(function(col){ths[col].addEventListener('click',function(){
var th=ths[col],asc=!th.classList.contains('asc');for(var k=0;k<ths.length;k++){ths[k].classList.remove('asc','desc');}
th.classList.add(asc?'asc':'desc');var num=th.getAttribute('data-num')==='1';var rows=Array.prototype.slice.call(tb.rows);
rows.sort(function(x,y){var u=x.cells[col],v=y.cells[col],r;
if(num){r=parseFloat(u.getAttribute('data-v')||u.textContent)-parseFloat(v.getAttribute('data-v')||v.textContent);}
else{r=u.textContent.localeCompare(v.textContent);}return asc?r:-r;});
for(var i=0;i<rows.length;i++)tb.appendChild(rows[i]);});})(c);}
})();
""";

    public void Dispose() => _w.Flush();
}
