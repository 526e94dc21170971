using System.Globalization;
using System.Text;

namespace SegVerify.Live.Metrics;

/// <summary>The counters monitor exposes, read at one moment.</summary>
public sealed class MetricsSnapshot
{
    public long Packets { get; init; }
    public long Bytes { get; init; }
    public long LiveFlows { get; init; }
    /// <summary>Findings by rule id (violations and warnings).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> FindingsByRule { get; init; } = [];
    /// <summary>Packets lost before the engine: kernel/driver drops plus queue overflows.</summary>
    public long Dropped { get; init; }
    public long IfDropped { get; init; }
    public long QueueDropped { get; init; }

    /// <summary>The Prometheus text exposition format (version 0.0.4).</summary>
    public string ToPrometheusText()
    {
        var sb = new StringBuilder(1024);
        Metric(sb, "segverify_packets_total", "counter", "Packets processed by the verifier.", Packets);
        Metric(sb, "segverify_bytes_total", "counter", "Bytes (on the wire) processed by the verifier.", Bytes);
        Metric(sb, "segverify_live_flows", "gauge", "Flows currently open in the flow table.", LiveFlows);
        sb.Append("# HELP segverify_findings_total Findings reported, by rule id.\n");
        sb.Append("# TYPE segverify_findings_total counter\n");
        foreach (var (rule, count) in FindingsByRule)
        {
            sb.Append("segverify_findings_total{rule=\"").Append(EscapeLabel(rule)).Append("\"} ")
              .Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        Metric(sb, "segverify_dropped_total", "counter",
            "Packets dropped before the verifier saw them (kernel/driver drops as libpcap reports, plus queue overflows).",
            Dropped);
        Metric(sb, "segverify_if_dropped_total", "counter", "Packets dropped by the network interface or its driver.", IfDropped);
        Metric(sb, "segverify_queue_dropped_total", "counter",
            "Packets dropped because the verifier fell behind the capture (included in segverify_dropped_total).", QueueDropped);
        return sb.ToString();
    }

    private static void Metric(StringBuilder sb, string name, string type, string help, long value)
    {
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        sb.Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    /// <summary>Escapes a label value: backslash, double quote and line feed.</summary>
    public static string EscapeLabel(string v) =>
        v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
         .Replace("\n", "\\n", StringComparison.Ordinal);
}
