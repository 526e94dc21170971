using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using SegVerify.Core.Engine;
using SegVerify.Core.Net;

namespace SegVerify.Core.Output;

/// <summary>
/// <c>--format sarif</c>: one SARIF 2.1.0 log with one run. <c>ruleId</c> is the finding id; check-firewall findings
/// point at the config rule (file, line, column), replay findings at the capture file. Written at <see cref="End"/>.
/// </summary>
public sealed class SarifSink : IFindingSink
{
    public const string SchemaUri = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
    public const string SarifVersion = "2.1.0";
    public const string ToolName = "segverify";

    private readonly TextWriter _w;
    private readonly string _lang;
    private readonly List<Finding> _findings = [];
    /// <summary>Rule id to its clause, in first-seen order.</summary>
    private readonly List<(string Id, string Clause, Severity Severity)> _rules = [];
    private readonly Dictionary<string, int> _ruleIndex = new(StringComparer.Ordinal);
    private RunInfo? _info;

    public SarifSink(TextWriter writer, string language)
    {
        _w = writer;
        _lang = language;
    }

    public void Begin(RunInfo info) => _info = info;

    public void OnFinding(Finding finding)
    {
        if (finding.IsFlowEvent) return;
        if (!_ruleIndex.ContainsKey(finding.Rule))
        {
            _ruleIndex[finding.Rule] = _rules.Count;
            _rules.Add((finding.Rule, finding.Clause, finding.Severity));
        }
        _findings.Add(finding);
    }

    public void End(RunSummary summary)
    {
        using var ms = new MemoryStream();
        var opts = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using (var j = new Utf8JsonWriter(ms, opts))
        {
            j.WriteStartObject();
            j.WriteString("$schema", SchemaUri);
            j.WriteString("version", SarifVersion);
            j.WriteStartArray("runs");
            j.WriteStartObject();

            j.WriteStartObject("tool");
            j.WriteStartObject("driver");
            j.WriteString("name", ToolName);
            var version = typeof(SarifSink).Assembly.GetName().Version;
            if (version is not null) j.WriteString("semanticVersion", $"{version.Major}.{version.Minor}.{version.Build}");
            j.WriteStartArray("rules");
            foreach (var (id, clause, sev) in _rules)
            {
                j.WriteStartObject();
                j.WriteString("id", id);
                j.WriteStartObject("shortDescription");
                j.WriteString("text", clause);
                j.WriteEndObject();
                j.WriteStartObject("defaultConfiguration");
                j.WriteString("level", Level(sev));
                j.WriteEndObject();
                j.WriteStartObject("properties");
                j.WriteString("severity", FindingFormat.SeverityId(sev));
                j.WriteEndObject();
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteEndObject(); // driver
            j.WriteEndObject(); // tool

            if (_info is not null)
            {
                j.WriteStartArray("invocations");
                j.WriteStartObject();
                j.WriteString("commandLine", "segverify " + _info.Command);
                j.WriteBoolean("executionSuccessful", true);
                j.WriteEndObject();
                j.WriteEndArray();
            }

            j.WriteStartArray("artifacts");
            foreach (var c in summary.Captures) WriteArtifact(j, c.Name, c.Sha256, "capture");
            if (_info is not null) WriteArtifact(j, _info.TopologyPath, _info.TopologySha256, "topology");
            j.WriteEndArray();

            j.WriteString("language", FindingFormat.IsJa(_lang) ? "ja-JP" : "en-US");

            j.WriteStartArray("results");
            foreach (var f in _findings) WriteResult(j, f);
            j.WriteEndArray();

            j.WriteStartObject("properties");
            WriteSummary(j, summary);
            j.WriteEndObject();

            j.WriteEndObject(); // run
            j.WriteEndArray();
            j.WriteEndObject();
        }
        _w.Write(Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length));
        _w.WriteLine();
        _w.Flush();
    }

    private static string Level(Severity s) => s == Severity.Violation ? "error" : "warning";

    private static void WriteArtifact(Utf8JsonWriter j, string path, string? sha256, string role)
    {
        j.WriteStartObject();
        j.WriteStartObject("location");
        j.WriteString("uri", ToUri(path));
        j.WriteEndObject();
        if (sha256 is not null)
        {
            j.WriteStartObject("hashes");
            j.WriteString("sha-256", sha256);
            j.WriteEndObject();
        }
        j.WriteStartObject("properties");
        j.WriteString("role", role);
        j.WriteEndObject();
        j.WriteEndObject();
    }

    private void WriteResult(Utf8JsonWriter j, Finding f)
    {
        j.WriteStartObject();
        j.WriteString("ruleId", f.Rule);
        j.WriteNumber("ruleIndex", _ruleIndex[f.Rule]);
        j.WriteString("level", Level(f.Severity));
        j.WriteStartObject("message");
        j.WriteString("text", f.Message);
        j.WriteEndObject();

        var configFile = FindingFormat.Extra(f, "config_file") as string;
        if (configFile is not null || f.Capture is not null)
        {
            j.WriteStartArray("locations");
            j.WriteStartObject();
            j.WriteStartObject("physicalLocation");
            j.WriteStartObject("artifactLocation");
            j.WriteString("uri", ToUri(configFile ?? f.Capture!));
            j.WriteEndObject();
            if (configFile is not null && ToInt(FindingFormat.Extra(f, "config_line")) is long line and > 0)
            {
                j.WriteStartObject("region");
                j.WriteNumber("startLine", line);
                if (ToInt(FindingFormat.Extra(f, "config_column")) is long col and > 0) j.WriteNumber("startColumn", col);
                j.WriteEndObject();
            }
            else if (configFile is null && f.Offset is long off and >= 0)
            {
                j.WriteStartObject("region");
                j.WriteNumber("byteOffset", off);
                j.WriteEndObject();
            }
            j.WriteEndObject(); // physicalLocation
            j.WriteEndObject();
            j.WriteEndArray();
        }

        if (f.CommunityId is not null)
        {
            j.WriteStartObject("partialFingerprints");
            j.WriteString("communityId/v1", f.CommunityId);
            j.WriteEndObject();
        }

        j.WriteStartObject("properties");
        WriteFlowFields(j, f);
        j.WriteEndObject();
        j.WriteEndObject();
    }

    /// <summary>The JSON Lines fields of a finding (names as in the contract), less rule and message.</summary>
    internal static void WriteFlowFields(Utf8JsonWriter j, Finding f)
    {
        j.WriteString("severity", FindingFormat.SeverityId(f.Severity));
        j.WriteString("ts", FindingFormat.Timestamp(f));
        if (FindingFormat.Proto(f) is { } proto) j.WriteString("proto", proto);
        if (f.SrcIp is IpAddr sip) j.WriteString("src_ip", sip.ToString());
        if (f.SrcPort is ushort sp) j.WriteNumber("src_port", sp);
        if (f.DstIp is IpAddr dip) j.WriteString("dst_ip", dip.ToString());
        if (f.DstPort is ushort dp) j.WriteNumber("dst_port", dp);
        if (f.SrcMac is MacAddr sm) j.WriteString("src_mac", sm.ToString());
        if (f.DstMac is MacAddr dm) j.WriteString("dst_mac", dm.ToString());
        if (f.Vlan is ushort v) j.WriteNumber("vlan", v);
        if (f.InnerVlan is ushort iv) j.WriteNumber("inner_vlan", iv);
        if (f.SrcZone is not null) j.WriteString("src_zone", f.SrcZone);
        if (f.DstZone is not null) j.WriteString("dst_zone", f.DstZone);
        if (f.SrcTier is not null) j.WriteString("src_tier", f.SrcTier);
        if (f.DstTier is not null) j.WriteString("dst_tier", f.DstTier);
        if (f.Direction is not null) j.WriteString("direction", f.Direction);
        if (f.Packets is long pk) j.WriteNumber("packets", pk);
        if (f.Bytes is long by) j.WriteNumber("bytes", by);
        if (f.CommunityId is not null) j.WriteString("community_id", f.CommunityId);
        j.WriteString("clause", f.Clause);
        if (f.AllowedBy is not null) j.WriteString("allowed_by", f.AllowedBy);
        if (f.Capture is not null) j.WriteString("capture", f.Capture);
        if (f.Offset is long off) j.WriteNumber("offset", off);
        if (f.Extra is not null)
            foreach (var (k, val) in f.Extra)
            {
                j.WritePropertyName(k);
                WriteValue(j, val);
            }
    }

    internal static void WriteValue(Utf8JsonWriter j, object? v)
    {
        switch (v)
        {
            case null: j.WriteNullValue(); break;
            case string s: j.WriteStringValue(s); break;
            case bool b: j.WriteBooleanValue(b); break;
            case int i: j.WriteNumberValue(i); break;
            case long l: j.WriteNumberValue(l); break;
            case uint ui: j.WriteNumberValue(ui); break;
            case ushort us: j.WriteNumberValue(us); break;
            case byte by: j.WriteNumberValue(by); break;
            case ulong ul: j.WriteNumberValue(ul); break;
            case double d: j.WriteNumberValue(d); break;
            case System.Collections.IDictionary dict:
                j.WriteStartObject();
                foreach (System.Collections.DictionaryEntry e in dict)
                {
                    j.WritePropertyName(Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? "");
                    WriteValue(j, e.Value);
                }
                j.WriteEndObject();
                break;
            case System.Collections.IEnumerable seq:
                j.WriteStartArray();
                foreach (var x in seq) WriteValue(j, x);
                j.WriteEndArray();
                break;
            default: j.WriteStringValue(Convert.ToString(v, CultureInfo.InvariantCulture)); break;
        }
    }

    private static long? ToInt(object? v) => v switch
    {
        int i => i,
        long l => l,
        uint ui => ui,
        ushort us => us,
        string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) => p,
        _ => null,
    };

    private static void WriteSummary(Utf8JsonWriter j, RunSummary s)
    {
        if (s.TopologySha256 is not null) j.WriteString("topology_sha256", s.TopologySha256);
        j.WriteNumber("packets", s.Packets);
        j.WriteNumber("bytes", s.Bytes);
        j.WriteNumber("flows", s.Flows);
        j.WriteNumber("violations", s.Violations);
        j.WriteNumber("warnings", s.Warnings);
        j.WriteStartObject("by_rule");
        foreach (var (k, v) in s.ByRule) j.WriteNumber(k, v);
        j.WriteEndObject();
        j.WriteStartObject("undecoded");
        foreach (var (k, v) in s.Undecoded) j.WriteNumber(k, v);
        j.WriteEndObject();
        j.WriteNumber("elapsed_s", Math.Round(s.ElapsedSeconds, 6));
        if (s.Dropped is long d) j.WriteNumber("dropped", d);
        if (s.IfDropped is long ifd) j.WriteNumber("if_dropped", ifd);
        foreach (var (k, v) in s.Extra)
        {
            j.WritePropertyName(k);
            WriteValue(j, v);
        }
    }

    /// <summary>
    /// A path as a SARIF URI reference: absolute paths become <c>file://</c> URIs, relative ones keep their
    /// segments, percent-escaped, joined by '/'.
    /// </summary>
    public static string ToUri(string path)
    {
        if (path == "-") return "stdin";
        if (Path.IsPathFullyQualified(path)) return new Uri(path).AbsoluteUri;
        var parts = path.Replace('\\', '/').Split('/');
        return string.Join('/', parts.Select(Uri.EscapeDataString));
    }

    public void Dispose() => _w.Flush();
}
