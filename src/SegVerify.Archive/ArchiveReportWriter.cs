using System.Text.Json;
using SegVerify.Core.Output;

namespace SegVerify.Archive;

/// <summary>Writes <see cref="ArchiveReportData"/> as text tables or as JSON Lines (one object per answer row).</summary>
public static class ArchiveReportWriter
{
    public static void WriteJsonl(Stream stream, ArchiveReportData d)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = FindingJson.Encoder });
        void Line(Action body)
        {
            w.WriteStartObject();
            body();
            w.WriteEndObject();
            w.Flush();
            stream.WriteByte((byte)'\n');
            w.Reset(stream);
        }
        static void Str(Utf8JsonWriter w, string name, string? v) { if (v is null) w.WriteNull(name); else w.WriteString(name, v); }

        foreach (var m in d.Matrix)
            Line(() => { w.WriteString("event", "zone_matrix"); Str(w, "src_zone", m.SrcZone); Str(w, "dst_zone", m.DstZone); w.WriteNumber("flows", m.Flows); });
        foreach (var v in d.Violations)
            Line(() => { w.WriteString("event", "violations"); w.WriteString("rule", v.Rule); w.WriteString("sensor", v.Sensor); w.WriteNumber("flows", v.Flows); });
        foreach (var t in d.Talkers)
            Line(() =>
            {
                w.WriteString("event", "crossing_talker"); Str(w, "src_ip", t.SrcIp); Str(w, "src_zone", t.SrcZone); Str(w, "dst_zone", t.DstZone);
                w.WriteNumber("flows", t.Flows); w.WriteNumber("bytes", t.Bytes); w.WriteNumber("destinations", t.Destinations);
            });
        foreach (var c in d.Classes)
            Line(() =>
            {
                w.WriteString("event", "flow_class"); Str(w, "src_zone", c.SrcZone); Str(w, "dst_zone", c.DstZone); Str(w, "proto", c.Proto);
                if (c.DstPort is { } p) w.WriteNumber("dst_port", p); else w.WriteNull("dst_port");
                w.WriteString("verdict", c.Verdict); w.WriteNumber("flows", c.Flows);
                w.WriteString("first_seen", Rfc3339.Format(c.FirstSeenUs * 1000, false));
                w.WriteString("last_seen", Rfc3339.Format(c.LastSeenUs * 1000, false));
                w.WriteNumber("sensors", c.Sensors);
            });
        Line(() => { w.WriteString("event", "summary"); w.WriteNumber("files", d.Files); w.WriteNumber("flows", d.Flows); });
    }

    public static void WriteText(TextWriter o, ArchiveReportData d, string lang)
    {
        bool ja = lang == "ja";
        o.WriteLine(ja ? $"アーカイブ: ファイル {d.Files} 個、フロー {d.Flows} 件" : $"Archive: {d.Files} files, {d.Flows} flows");
        Table(o, ja ? "ゾーン間マトリクス (フロー数)" : "Zone-to-zone matrix (flows)",
            ja ? ["送信元ゾーン", "宛先ゾーン", "フロー"] : ["src_zone", "dst_zone", "flows"],
            d.Matrix.Select(m => new[] { m.SrcZone ?? "-", m.DstZone ?? "-", N(m.Flows) }));
        Table(o, ja ? "違反 (ルール・センサー別)" : "Violations by rule and sensor",
            ja ? ["ルール", "センサー", "フロー"] : ["rule", "sensor", "flows"],
            d.Violations.Select(v => new[] { v.Rule, v.Sensor, N(v.Flows) }));
        Table(o, ja ? "ゾーンを越える通信の多い送信元" : "Top crossing talkers",
            ja ? ["送信元IP", "送信元ゾーン", "宛先ゾーン", "フロー", "バイト", "宛先数"] : ["src_ip", "src_zone", "dst_zone", "flows", "bytes", "destinations"],
            d.Talkers.Select(t => new[] { t.SrcIp ?? "-", t.SrcZone ?? "-", t.DstZone ?? "-", N(t.Flows), N(t.Bytes), N(t.Destinations) }));
        Table(o, ja ? "フロー種別ごとの初回・最終観測" : "First and last seen per flow class",
            ja ? ["送信元ゾーン", "宛先ゾーン", "プロトコル", "宛先ポート", "判定", "フロー", "初回", "最終", "センサー数"]
               : ["src_zone", "dst_zone", "proto", "dst_port", "verdict", "flows", "first_seen", "last_seen", "sensors"],
            d.Classes.Select(c => new[]
            {
                c.SrcZone ?? "-", c.DstZone ?? "-", c.Proto ?? "-", c.DstPort?.ToString() ?? "-", c.Verdict, N(c.Flows),
                Rfc3339.Format(c.FirstSeenUs * 1000, false), Rfc3339.Format(c.LastSeenUs * 1000, false), N(c.Sensors),
            }));
    }

    private static string N(long n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void Table(TextWriter o, string title, string[] head, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        o.WriteLine();
        o.WriteLine(title);
        if (all.Count == 0) { o.WriteLine("  -"); return; }
        var width = new int[head.Length];
        foreach (var r in all.Prepend(head))
            for (int i = 0; i < r.Length; i++) width[i] = Math.Max(width[i], r[i].Length);
        foreach (var r in all.Prepend(head))
            o.WriteLine("  " + string.Join("  ", r.Select((c, i) => c.PadRight(width[i]))).TrimEnd());
    }
}
