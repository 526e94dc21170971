using System.Text.Encodings.Web;
using System.Text.Json;
using SegVerify.Core.Engine;
using SegVerify.Core.Net;

namespace SegVerify.Core.Output;

/// <summary>
/// JSON Lines (spec: "JSON Lines (--format jsonl)"): one object per line, UTF-8, Japanese written as is.
/// Field names are the contract; absent values are omitted.
/// </summary>
public sealed class JsonlSink : IFindingSink
{
    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    private static readonly byte[] Newline = "\n"u8.ToArray();

    private readonly Stream _out;
    private readonly bool _ownsStream;
    private readonly Utf8JsonWriter _w;

    /// <summary>Flush after every line (monitor: findings stream as they happen).</summary>
    public bool AutoFlush { get; set; }

    public JsonlSink(Stream output, bool ownsStream = false)
    {
        _out = output;
        _ownsStream = ownsStream;
        _w = new Utf8JsonWriter(_out, WriterOptions);
    }

    public void Begin(RunInfo info) { }

    public void OnFinding(Finding f)
    {
        WriteFinding(_w, f);
        EndLine();
    }

    /// <summary>Writes any extra event object (e.g. check-firewall's probe results) as one line.</summary>
    public void WriteEvent(Action<Utf8JsonWriter> write)
    {
        write(_w);
        EndLine();
    }

    private void EndLine()
    {
        _w.Flush();
        _w.Reset();
        _out.Write(Newline);
        if (AutoFlush) _out.Flush();
    }

    public static void WriteFinding(Utf8JsonWriter w, Finding f)
    {
        w.WriteStartObject();
        w.WriteString("event", f.Event);
        if (f.IsFlowEvent)
        {
            w.WriteString("verdict", f.Rule);
        }
        else
        {
            w.WriteString("rule", f.Rule);
            w.WriteString("severity", f.Severity == Severity.Violation ? "violation" : "warning");
        }
        if (f.TimestampNs != 0) w.WriteString("ts", Rfc3339.Format(f.TimestampNs, f.NanosecondResolution));
        var proto = f.ProtoText ?? (f.Protocol is { } p ? IpProto.Name(p) : null);
        if (proto is not null) w.WriteString("proto", proto);
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
        if (f.Packets is { } pk) w.WriteNumber("packets", pk);
        if (f.Bytes is { } b) w.WriteNumber("bytes", b);
        if (f.CommunityId is not null) w.WriteString("community_id", f.CommunityId);
        if (f.AllowedBy is not null) w.WriteString("allowed_by", f.AllowedBy);
        if (!f.IsFlowEvent)
        {
            w.WriteString("message", f.Message);
            w.WriteString("clause", f.Clause);
        }
        if (f.Capture is not null) w.WriteString("capture", f.Capture);
        if (f.Offset is { } off) w.WriteNumber("offset", off);
        if (f.Extra is not null)
            foreach (var (k, val) in f.Extra) WriteValue(w, k, val);
        w.WriteEndObject();
    }

    public static void WriteValue(Utf8JsonWriter w, string name, object? val)
    {
        w.WritePropertyName(name);
        WriteValue(w, val);
    }

    private static void WriteValue(Utf8JsonWriter w, object? val)
    {
        switch (val)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case bool bo: w.WriteBooleanValue(bo); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case ulong ul: w.WriteNumberValue(ul); break;
            case ushort us: w.WriteNumberValue(us); break;
            case double d: w.WriteNumberValue(d); break;
            case System.Collections.IDictionary dict:
                w.WriteStartObject();
                foreach (System.Collections.DictionaryEntry e in dict) { w.WritePropertyName(e.Key.ToString()!); WriteValue(w, e.Value); }
                w.WriteEndObject();
                break;
            case System.Collections.IEnumerable seq:
                w.WriteStartArray();
                foreach (var o in seq) WriteValue(w, o);
                w.WriteEndArray();
                break;
            default: w.WriteStringValue(val.ToString()); break;
        }
    }

    public void End(RunSummary s)
    {
        _w.WriteStartObject();
        _w.WriteString("event", "summary");
        _w.WriteStartArray("captures");
        foreach (var c in s.Captures)
        {
            _w.WriteStartObject();
            _w.WriteString("file", c.Name);
            if (c.Sha256 is not null) _w.WriteString("sha256", c.Sha256); else _w.WriteNull("sha256");
            _w.WriteEndObject();
        }
        _w.WriteEndArray();
        if (s.TopologySha256 is not null) _w.WriteString("topology_sha256", s.TopologySha256);
        _w.WriteNumber("packets", s.Packets);
        _w.WriteNumber("bytes", s.Bytes);
        _w.WriteNumber("flows", s.Flows);
        _w.WriteNumber("violations", s.Violations);
        _w.WriteNumber("warnings", s.Warnings);
        _w.WriteStartObject("by_rule");
        foreach (var (k, v) in s.ByRule) _w.WriteNumber(k, v);
        _w.WriteEndObject();
        _w.WriteStartObject("undecoded");
        foreach (var (k, v) in s.Undecoded) _w.WriteNumber(k, v);
        _w.WriteEndObject();
        _w.WriteNumber("elapsed_s", Math.Round(s.ElapsedSeconds, 6));
        if (s.Dropped is { } d) _w.WriteNumber("dropped", d);
        if (s.IfDropped is { } ifd) _w.WriteNumber("if_dropped", ifd);
        foreach (var (k, v) in s.Extra) WriteValue(_w, k, v);
        _w.WriteEndObject();
        EndLine();
        _out.Flush();
    }

    public void Dispose()
    {
        _w.Dispose();
        if (_ownsStream) _out.Dispose();
        else _out.Flush();
    }
}
