using System.Text;
using SegVerify.Core.Findings;

namespace SegVerify.Core.Output;

/// <summary>
/// <c>--format text</c>: one line per finding, written and flushed at once, then a summary (counts by rule,
/// undecoded frames by reason, the zone-to-zone matrix of flow counts). ANSI colour only when asked.
/// </summary>
public sealed class TextSink : IFindingSink
{
    private const string Red = "\u001b[31m";
    private const string Yellow = "\u001b[33m";
    private const string Bold = "\u001b[1m";
    private const string Reset = "\u001b[0m";
    private const string Indent = "  ";
    private const string ColumnGap = "  ";
    private const string ViolationMark = "*";

    private readonly TextWriter _w;
    private readonly string _lang;
    private readonly bool _color;
    private readonly HashSet<(string From, string To)> _violatingCells = [];

    public TextSink(TextWriter writer, string language, bool color = false)
    {
        _w = writer;
        _lang = language;
        _color = color;
    }

    private bool Ja => FindingFormat.IsJa(_lang);

    private RunInfo? _info;

    public void Begin(RunInfo info) => _info = info;

    /// <summary>Flows are not listed in text.</summary>
    public void OnFlow(FlowEvent flow) { }

    public void OnFinding(Finding finding)
    {
        ZoneMatrixView.NoteViolation(_violatingCells, finding);
        string? on = null, off = null;
        if (_color)
        {
            on = finding.Severity == Severity.Violation ? Red : Yellow;
            off = Reset;
        }
        _w.WriteLine(FindingFormat.Line(finding, _lang, on, off));
        _w.Flush();
    }

    /// <summary><c>PROBE  =>  VERDICT</c>, then every rule the packet passed through.</summary>
    public void OnProbe(ProbeResult p)
    {
        var sb = new StringBuilder();
        sb.Append(p.Probe).Append("  =>  ").Append(p.Verdict.ToUpperInvariant());
        if (p.Approximate) sb.Append(Ja ? "（未対応の構文を含むため近似）" : " (approximate: unsupported syntax on the way)");
        sb.AppendLine();
        foreach (var step in p.Path) sb.Append("    ").Append(step.Location.FileLine).Append("  ").Append(step.Text).AppendLine();
        if (p.Path.Count == 0) sb.Append(Ja ? "    （一致したルールなし: 既定で許可）" : "    (no rule matched: accepted by default)").AppendLine();
        _w.Write(sb.ToString());
        _w.Flush();
    }

    public void End(RunSummary s)
    {
        var sb = new StringBuilder();
        if (_info?.Kind == RunKind.Configuration) ConfigurationSummary(sb, s);
        else TrafficSummary(sb, s);
        _w.Write(sb.ToString());
        _w.Flush();
    }

    /// <summary>A ruleset check read no traffic: counts of findings, whether the analysis is exact, the evidence.</summary>
    private void ConfigurationSummary(StringBuilder sb, RunSummary s)
    {
        Heading(sb, Ja ? "集計（ファイアウォール設定の検査）" : "Summary (firewall configuration check)");
        sb.Append(Indent).Append(Ja
            ? $"違反 {FindingFormat.Num(s.Violations)}、警告 {FindingFormat.Num(s.Warnings)}、所要 {FindingFormat.Seconds(s.ElapsedSeconds)} 秒"
            : $"{FindingFormat.Num(s.Violations)} violations, {FindingFormat.Num(s.Warnings)} warnings, {FindingFormat.Seconds(s.ElapsedSeconds)} s")
            .AppendLine();
        if (s.Extra.Any(kv => kv.Key == "over_approximated" && kv.Value is true))
            sb.Append(Indent).Append(Ja
                ? "解釈できない構文があるため、許可される通信は広めに見積もっています（見逃しはありません）"
                : "Syntax that was not understood made the accepted set an over-approximation (nothing forbidden is missed)")
                .AppendLine();
        Heading(sb, Ja ? "ルール別の検出数" : "Findings by rule");
        Counts(sb, s.ByRule);
        Evidence(sb, s, Ja ? "設定" : "config");
    }

    private void TrafficSummary(StringBuilder sb, RunSummary s)
    {
        Heading(sb, Ja ? "集計" : "Summary");
        sb.Append(Indent).Append(Ja
            ? $"パケット {FindingFormat.Num(s.Packets)}、バイト {FindingFormat.Num(s.Bytes)}、フロー {FindingFormat.Num(s.Flows)}、違反 {FindingFormat.Num(s.Violations)}、警告 {FindingFormat.Num(s.Warnings)}、所要 {FindingFormat.Seconds(s.ElapsedSeconds)} 秒"
            : $"{FindingFormat.Num(s.Packets)} packets, {FindingFormat.Num(s.Bytes)} bytes, {FindingFormat.Num(s.Flows)} flows, {FindingFormat.Num(s.Violations)} violations, {FindingFormat.Num(s.Warnings)} warnings, {FindingFormat.Seconds(s.ElapsedSeconds)} s")
            .AppendLine();
        if (s.Filter is not null)
            sb.Append(Indent).Append(Ja ? "フィルタ: " : "filter: ").Append(s.Filter)
                .Append(s.FilteredOut is { } n
                    ? (Ja ? $"（一致しない {FindingFormat.Num(n)} パケットは解析していません）" : $" ({FindingFormat.Num(n)} packets did not match and were not analysed)")
                    : "")
                .AppendLine();
        if (s.Dropped is not null || s.IfDropped is not null)
            sb.Append(Indent).Append(Ja ? "取りこぼし: " : "dropped: ")
                .Append(FindingFormat.Num(s.Dropped ?? 0)).Append(Ja ? "（インターフェース " : " (interface ")
                .Append(FindingFormat.Num(s.IfDropped ?? 0)).Append(Ja ? "）" : ")").AppendLine();

        Heading(sb, Ja ? "ルール別の検出数" : "Findings by rule");
        Counts(sb, s.ByRule);
        Heading(sb, Ja ? "解析できなかったフレーム（理由別）" : "Undecoded frames by reason");
        Counts(sb, s.Undecoded);

        Heading(sb, Ja
            ? "ゾーン間のフロー数（行: 通信を始めた側のゾーン、列: 応答側のゾーン、* は違反あり）"
            : "Flows between zones (rows: initiator zone, columns: responder zone, * = violation seen)");
        Matrix(sb, ZoneMatrixView.Build(s, _violatingCells, activeOnly: true));
        Evidence(sb, s, null);
    }

    /// <summary>Hashes of the inputs (captures, or the config as <paramref name="inputLabel"/>) and of the topology.</summary>
    private void Evidence(StringBuilder sb, RunSummary s, string? inputLabel)
    {
        if (s.Captures.Count == 0 && s.TopologySha256 is null) return;
        Heading(sb, Ja ? "証跡" : "Evidence");
        foreach (var c in s.Captures)
        {
            sb.Append(Indent);
            if (inputLabel is not null) sb.Append(inputLabel).Append(' ');
            sb.Append(c.Name).Append("  sha256:").Append(c.Sha256 ?? "-").AppendLine();
        }
        if (s.TopologySha256 is not null)
            sb.Append(Indent).Append(Ja ? "トポロジー" : "topology").Append("  sha256:").Append(s.TopologySha256).AppendLine();
    }

    private void Heading(StringBuilder sb, string text)
    {
        if (_color) sb.Append(Bold).Append(text).Append(':').Append(Reset).AppendLine();
        else sb.Append(text).Append(':').AppendLine();
    }

    private void Counts(StringBuilder sb, SortedDictionary<string, long> counts)
    {
        if (counts.Count == 0)
        {
            sb.Append(Indent).Append(Ja ? "（なし）" : "(none)").AppendLine();
            return;
        }
        int keyWidth = counts.Keys.Max(FindingFormat.DisplayWidth);
        int numWidth = counts.Values.Max(v => FindingFormat.Num(v).Length);
        foreach (var (k, v) in counts)
            sb.Append(Indent).Append(FindingFormat.PadRightDisplay(k, keyWidth)).Append(ColumnGap)
                .Append(FindingFormat.Num(v).PadLeft(numWidth)).AppendLine();
    }

    private void Matrix(StringBuilder sb, ZoneMatrixView m)
    {
        if (m.Zones.Count == 0)
        {
            sb.Append(Indent).Append(Ja ? "（フローなし）" : "(no flows)").AppendLine();
            return;
        }
        string corner = Ja ? "起点 \\ 応答" : "from \\ to";
        var cells = new string[m.Zones.Count, m.Zones.Count];
        int firstWidth = Math.Max(FindingFormat.DisplayWidth(corner), m.Zones.Max(FindingFormat.DisplayWidth));
        var colWidth = new int[m.Zones.Count];
        for (int c = 0; c < m.Zones.Count; c++)
        {
            colWidth[c] = FindingFormat.DisplayWidth(m.Zones[c]);
            for (int r = 0; r < m.Zones.Count; r++)
            {
                long n = m.Count(m.Zones[r], m.Zones[c]);
                bool bad = m.Violating(m.Zones[r], m.Zones[c]);
                cells[r, c] = n == 0 && !bad ? "." : FindingFormat.Num(n) + (bad ? ViolationMark : "");
                colWidth[c] = Math.Max(colWidth[c], cells[r, c].Length);
            }
        }
        sb.Append(Indent).Append(FindingFormat.PadRightDisplay(corner, firstWidth));
        for (int c = 0; c < m.Zones.Count; c++)
            sb.Append(ColumnGap).Append(FindingFormat.PadLeftDisplay(m.Zones[c], colWidth[c]));
        TrimEndSpaces(sb);
        sb.AppendLine();
        for (int r = 0; r < m.Zones.Count; r++)
        {
            sb.Append(Indent).Append(FindingFormat.PadRightDisplay(m.Zones[r], firstWidth));
            for (int c = 0; c < m.Zones.Count; c++)
            {
                var cell = FindingFormat.PadLeftDisplay(cells[r, c], colWidth[c]);
                sb.Append(ColumnGap);
                if (_color && cells[r, c].EndsWith(ViolationMark, StringComparison.Ordinal)) sb.Append(Red).Append(cell).Append(Reset);
                else sb.Append(cell);
            }
            sb.AppendLine();
        }
    }

    private static void TrimEndSpaces(StringBuilder sb)
    {
        while (sb.Length > 0 && sb[^1] == ' ') sb.Length--;
    }

    public void Dispose() => _w.Flush();
}
