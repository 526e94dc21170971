using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using SegVerify.Core.Findings;
using SegVerify.Core.Localization;

namespace SegVerify.Core.Output;

/// <summary>
/// The one writer of the JSON Lines contract's fields (spec: "JSON Lines"), shared by JSON Lines and SARIF (whose
/// results carry the same fields in their <c>properties</c>): findings, flow events, probe events and the summary.
/// Absent values are omitted.
/// </summary>
public static class FindingJson
{
    /// <summary>Japanese and other non-ASCII text written as is (UTF-8), not as \u escapes.</summary>
    public static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>A whole <c>violation</c>/<c>warning</c> object as JSON Lines writes it, its message and clause in <paramref name="lang"/>.</summary>
    public static void WriteObject(Utf8JsonWriter w, Finding f, string lang)
    {
        w.WriteStartObject();
        w.WriteString("event", f.Event);
        w.WriteString("rule", f.Rule);
        w.WriteString("severity", FindingFormat.SeverityId(f.Severity));
        WriteFields(w, f);
        w.WriteString("message", Messages.Message(f, lang));
        w.WriteString("clause", Messages.Clause(f.Rule, lang));
        w.WriteEndObject();
    }

    /// <summary>A whole <c>flow</c> object as JSON Lines writes it.</summary>
    public static void WriteObject(Utf8JsonWriter w, FlowEvent e)
    {
        w.WriteStartObject();
        w.WriteString("event", e.Event);
        w.WriteString("verdict", e.Verdict);
        WriteFields(w, e);
        w.WriteEndObject();
    }

    /// <summary>
    /// The fields of a finding other than <c>event</c>, <c>rule</c>, <c>severity</c>, <c>message</c> and <c>clause</c>:
    /// time, packet fields, zones, counters, where it came from (capture or config), evidence, and any extra field.
    /// </summary>
    public static void WriteFields(Utf8JsonWriter w, OutputEvent f)
    {
        if (f.HasTimestamp || f.TimestampNs != 0) w.WriteString("ts", Rfc3339.Format(f.TimestampNs, f.NanosecondResolution));
        if (FindingFormat.Proto(f) is { } proto) w.WriteString("proto", proto);
        if (f.SrcIp is { } sip) w.WriteString("src_ip", sip.ToString());
        if (f.SrcPort is { } sp) w.WriteNumber("src_port", sp);
        if (f.DstIp is { } dip) w.WriteString("dst_ip", dip.ToString());
        if (f.DstPort is { } dp) w.WriteNumber("dst_port", dp);
        if (f.SrcMac is { } sm) w.WriteString("src_mac", sm.ToString());
        if (f.DstMac is { } dm) w.WriteString("dst_mac", dm.ToString());
        if (f.Vlan is { } v) w.WriteNumber("vlan", v);
        if (f.InnerVlan is { } iv) w.WriteNumber("inner_vlan", iv);
        if (f.SrcZone is not null) w.WriteString("src_zone", f.SrcZone);
        if (f.DstZone is not null) w.WriteString("dst_zone", f.DstZone);
        if (f.SrcTier is not null) w.WriteString("src_tier", f.SrcTier);
        if (f.DstTier is not null) w.WriteString("dst_tier", f.DstTier);
        if (f.Direction is not null) w.WriteString("direction", f.Direction);
        if (f.Tunnel is { } tunnel) WriteTunnel(w, tunnel);
        if (f.Packets is { } pk) w.WriteNumber("packets", pk);
        if (f.Bytes is { } b) w.WriteNumber("bytes", b);
        if (f.CommunityId is not null) w.WriteString("community_id", f.CommunityId);
        if (f.AllowedBy is not null) w.WriteString("allowed_by", f.AllowedBy);
        if (f.Capture is not null) w.WriteString("capture", f.Capture);
        if (f.Offset is { } off) w.WriteNumber("offset", off);
        if (f.Evidence is not null) w.WriteString("evidence", f.Evidence);
        if (f.Config is { } cfg)
        {
            w.WriteString("config_file", cfg.File);
            w.WriteNumber("config_line", cfg.Line);
            w.WriteNumber("config_column", cfg.Column);
        }
        if (f.Extra is not null)
            foreach (var (k, val) in f.Extra)
            {
                w.WritePropertyName(k);
                WriteValue(w, val);
            }
    }

    /// <summary><c>tunnel</c>: the encapsulations around the flow, outermost first (spec: "Encapsulated traffic").</summary>
    public static void WriteTunnel(Utf8JsonWriter w, IReadOnlyList<Flows.TunnelInfo> tunnel)
    {
        w.WriteStartArray("tunnel");
        foreach (var t in tunnel)
        {
            w.WriteStartObject();
            w.WriteString("type", t.Type);
            if (t.SrcIp is { } s) w.WriteString("src_ip", s.ToString());
            if (t.DstIp is { } d) w.WriteString("dst_ip", d.ToString());
            if (t.Id is { } id) w.WriteNumber("id", id);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>One <c>"event":"probe"</c> object (check-firewall --probe).</summary>
    public static void WriteProbe(Utf8JsonWriter w, ProbeResult p)
    {
        w.WriteStartObject();
        w.WriteString("event", "probe");
        w.WriteString("probe", p.Probe);
        w.WriteString("verdict", p.Verdict);
        w.WriteStartArray("path");
        foreach (var step in p.Path) w.WriteStringValue(step.Location.FileLine);
        w.WriteEndArray();
        if (p.DecidedBy is { } d)
        {
            w.WriteString("config_file", d.File);
            w.WriteNumber("config_line", d.Line);
            w.WriteNumber("config_column", d.Column);
        }
        if (p.Approximate) w.WriteBoolean("approximate", true);
        if (p.NatDstIp is not null) w.WriteString("nat_dst_ip", p.NatDstIp);
        if (p.NatDstPort is { } np) w.WriteNumber("nat_dst_port", np);
        w.WriteEndObject();
    }

    /// <summary>
    /// The summary's counters after its list of inputs: topology hash, counts, by rule, undecoded, elapsed time,
    /// monitor's drops, and the producer's extra fields.
    /// </summary>
    /// <param name="traffic">
    /// False for a configuration run in a report (SARIF): the traffic counters (packets, bytes, flows, undecoded) are
    /// then left out, since no traffic was read. JSON Lines always writes them (the contract's fields).
    /// </param>
    public static void WriteSummaryFields(Utf8JsonWriter w, RunSummary s, bool traffic = true)
    {
        if (s.TopologySha256 is not null) w.WriteString("topology_sha256", s.TopologySha256);
        if (traffic)
        {
            w.WriteNumber("packets", s.Packets);
            w.WriteNumber("bytes", s.Bytes);
            w.WriteNumber("flows", s.Flows);
            if (s.NonIp is { } nonIp) w.WriteNumber("non_ip", nonIp);
            if (s.Filter is not null) w.WriteString("filter", s.Filter);
            if (s.FilteredOut is { } filtered) w.WriteNumber("filtered", filtered);
        }
        w.WriteNumber("violations", s.Violations);
        w.WriteNumber("warnings", s.Warnings);
        w.WriteStartObject("by_rule");
        foreach (var (k, v) in s.ByRule) w.WriteNumber(k, v);
        w.WriteEndObject();
        if (traffic)
        {
            w.WriteStartObject("undecoded");
            foreach (var (k, v) in s.Undecoded) w.WriteNumber(k, v);
            w.WriteEndObject();
        }
        if (traffic && s.FirstPacketNs is { } first && s.LastPacketNs is { } last)
        {
            w.WriteString("first_ts", Rfc3339.Format(first, s.NanosecondResolution));
            w.WriteString("last_ts", Rfc3339.Format(last, s.NanosecondResolution));
        }
        w.WriteNumber("elapsed_s", Math.Round(s.ElapsedSeconds, 6));
        if (s.Dropped is { } d) w.WriteNumber("dropped", d);
        if (s.IfDropped is { } ifd) w.WriteNumber("if_dropped", ifd);
        foreach (var (k, v) in s.Extra)
        {
            w.WritePropertyName(k);
            WriteValue(w, v);
        }
    }

    /// <summary>A value of an extra field: strings, booleans, numbers, dictionaries (objects) and sequences (arrays).</summary>
    public static void WriteValue(Utf8JsonWriter w, object? val)
    {
        switch (val)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case bool bo: w.WriteBooleanValue(bo); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case uint ui: w.WriteNumberValue(ui); break;
            case ulong ul: w.WriteNumberValue(ul); break;
            case ushort us: w.WriteNumberValue(us); break;
            case byte by: w.WriteNumberValue(by); break;
            case double d: w.WriteNumberValue(d); break;
            case System.Collections.IDictionary dict:
                w.WriteStartObject();
                foreach (System.Collections.DictionaryEntry e in dict)
                {
                    w.WritePropertyName(Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? "");
                    WriteValue(w, e.Value);
                }
                w.WriteEndObject();
                break;
            case System.Collections.IEnumerable seq:
                w.WriteStartArray();
                foreach (var o in seq) WriteValue(w, o);
                w.WriteEndArray();
                break;
            default: w.WriteStringValue(Convert.ToString(val, CultureInfo.InvariantCulture)); break;
        }
    }
}
