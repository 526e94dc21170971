using System.Text;
using System.Text.Json;
using SegVerify.Core.Findings;
using SegVerify.Core.Localization;

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

    /// <summary>Flows are not results.</summary>
    public void OnFlow(FlowEvent flow) { }

    public void OnFinding(Finding finding)
    {
        if (!_ruleIndex.ContainsKey(finding.Rule))
        {
            _ruleIndex[finding.Rule] = _rules.Count;
            _rules.Add((finding.Rule, Messages.Clause(finding.Rule, _lang), finding.Severity));
        }
        _findings.Add(finding);
    }

    public void End(RunSummary summary)
    {
        using var ms = new MemoryStream();
        var opts = new JsonWriterOptions { Indented = true, Encoder = FindingJson.Encoder };
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
            j.WriteString("semanticVersion", ToolInfo.SemanticVersion);
            j.WriteString("version", ToolInfo.Version);
            if (ToolInfo.InformationUri is { } info) j.WriteString("informationUri", info);
            j.WriteStartArray("rules");
            foreach (var (id, clause, sev) in _rules) WriteRule(j, id, clause, sev);
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
            foreach (var c in summary.Captures) WriteArtifact(j, c.Name, c.Sha256, _info?.Kind == RunKind.Configuration ? "config" : "capture");
            if (_info is not null) WriteArtifact(j, _info.TopologyPath, _info.TopologySha256, "topology");
            j.WriteEndArray();

            j.WriteString("language", FindingFormat.IsJa(_lang) ? "ja-JP" : "en-US");

            j.WriteStartArray("results");
            foreach (var f in _findings) WriteResult(j, f);
            j.WriteEndArray();

            j.WriteStartObject("properties");
            j.WriteString("kind", _info?.KindId ?? "traffic");
            FindingJson.WriteSummaryFields(j, summary, traffic: _info?.Kind != RunKind.Configuration);
            j.WriteEndObject();

            j.WriteEndObject(); // run
            j.WriteEndArray();
            j.WriteEndObject();
        }
        _w.Write(Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length));
        _w.WriteLine();
        _w.Flush();
    }

    public const string FingerprintKey = "segverifyFinding/v1";

    /// <summary>
    /// The same finding in two runs gets the same fingerprint (code scanning then tracks one alert): a hash of what
    /// identifies it, never of times, counters or message wording. Traffic: rule, protocol, the two ends, the
    /// destination port and the Community ID (and for a frame-level finding the source MAC and VLAN). Configuration:
    /// rule, config file name and the statement's text position, zones and interfaces, and the class of packets.
    /// </summary>
    public static string Fingerprint(Finding f)
    {
        var sb = new StringBuilder(f.Rule);
        void Add(string? v) => sb.Append('|').Append(v);
        Add(FindingFormat.Proto(f));
        Add(f.SrcIp?.ToString());
        Add(f.DstIp?.ToString());
        Add(f.DstPort?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add(f.SrcZone);
        Add(f.DstZone);
        if (f.Config is { } c)
        {
            Add(Path.GetFileName(c.File));
            Add(c.Line.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Add(c.Column.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var key in (ReadOnlySpan<string>)["in_interface", "out_interface", "class"])
                Add(f.Extra?.FirstOrDefault(kv => kv.Key == key).Value as string);
        }
        else
        {
            Add(f.CommunityId);
            if (FindingFormat.IsFrameLevel(f.Rule)) { Add(f.SrcMac?.ToString()); Add(f.Vlan?.ToString(System.Globalization.CultureInfo.InvariantCulture)); }
            if (f.Rule == RuleIds.CaptureDamaged) { Add(f.Capture is null ? null : Path.GetFileName(f.Capture)); Add(f.Offset?.ToString(System.Globalization.CultureInfo.InvariantCulture)); }
        }
        Add(f.AllowedBy);
        var hash = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    private static string Level(Severity s) => s == Severity.Violation ? "error" : "warning";

    /// <summary>
    /// A rule as code scanning shows it: the clause as its short description, what it means, help in Markdown (in the
    /// run's language), its level and GitHub's security-severity.
    /// </summary>
    private void WriteRule(Utf8JsonWriter j, string id, string clause, Severity sev)
    {
        j.WriteStartObject();
        j.WriteString("id", id);
        j.WriteString("name", RuleName(id));
        j.WriteStartObject("shortDescription");
        j.WriteString("text", clause);
        j.WriteEndObject();
        j.WriteStartObject("fullDescription");
        j.WriteString("text", Sentence(RuleHelp.Description(id, _lang)));
        j.WriteEndObject();
        j.WriteStartObject("help");
        j.WriteString("text", Sentence(RuleHelp.HelpText(id, clause, _lang)));
        j.WriteString("markdown", RuleHelp.HelpMarkdown(id, clause, _lang));
        j.WriteEndObject();
        j.WriteStartObject("defaultConfiguration");
        j.WriteString("level", Level(sev));
        j.WriteEndObject();
        j.WriteStartObject("properties");
        j.WriteString("severity", FindingFormat.SeverityId(sev));
        j.WriteString("security-severity", RuleHelp.SecuritySeverity(id));
        j.WriteString("precision", "high");
        j.WriteStartArray("tags");
        j.WriteStringValue("security");
        j.WriteStringValue("network-segmentation");
        j.WriteEndArray();
        j.WriteEndObject();
        j.WriteEndObject();
    }

    /// <summary><c>mynumber-internet</c> as <c>MynumberInternet</c> (SARIF's rule name: an identifier, not the id).</summary>
    private static string RuleName(string id)
    {
        var sb = new StringBuilder(id.Length);
        bool up = true;
        foreach (var c in id)
        {
            if (c is '-' or '_') { up = true; continue; }
            sb.Append(up ? char.ToUpperInvariant(c) : c);
            up = false;
        }
        return sb.ToString();
    }

    /// <summary>SARIF messages end with a full stop (SARIF2001): Japanese 「。」 or '.'.</summary>
    private static string Sentence(string s)
    {
        s = s.TrimEnd();
        if (s.Length == 0 || s[^1] is '.' or '。' or '!' or '?') return s;
        return s + (ContainsCjk(s) ? "。" : ".");
    }

    private static bool ContainsCjk(string s)
    {
        foreach (var c in s) if (c >= 0x3000) return true;
        return false;
    }

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
        j.WriteString("text", Sentence(Messages.Message(f, _lang)));
        j.WriteEndObject();

        var configFile = f.Config?.File;
        if (configFile is not null || f.Capture is not null)
        {
            j.WriteStartArray("locations");
            j.WriteStartObject();
            j.WriteStartObject("physicalLocation");
            j.WriteStartObject("artifactLocation");
            j.WriteString("uri", ToUri(configFile ?? f.Capture!));
            j.WriteEndObject();
            if (f.Config is { Line: > 0 } cfg)
            {
                j.WriteStartObject("region");
                j.WriteNumber("startLine", cfg.Line);
                if (cfg.Column > 0) j.WriteNumber("startColumn", cfg.Column);
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

        if (f.Evidence is { } evidence) WriteEvidenceLocation(j, evidence);

        j.WriteStartObject("partialFingerprints");
        j.WriteString(FingerprintKey, Fingerprint(f));
        if (f.CommunityId is not null) j.WriteString("communityId/v1", f.CommunityId);
        j.WriteEndObject();

        j.WriteStartObject("properties");
        j.WriteString("severity", FindingFormat.SeverityId(f.Severity));
        FindingJson.WriteFields(j, f);
        j.WriteString("clause", Messages.Clause(f.Rule, _lang));
        j.WriteEndObject();
        j.WriteEndObject();
    }

    /// <summary>The flow's evidence pcap (--evidence) as a related location (its path is also in properties.evidence).</summary>
    private void WriteEvidenceLocation(Utf8JsonWriter j, string evidence)
    {
        j.WriteStartArray("relatedLocations");
        j.WriteStartObject();
        j.WriteNumber("id", 1);
        j.WriteStartObject("physicalLocation");
        j.WriteStartObject("artifactLocation");
        j.WriteString("uri", ToUri(evidence));
        j.WriteEndObject();
        j.WriteEndObject();
        j.WriteStartObject("message");
        j.WriteString("text", FindingFormat.IsJa(_lang) ? "このフローのパケット (証拠 pcap)。" : "The packets of this flow (evidence pcap).");
        j.WriteEndObject();
        j.WriteEndObject();
        j.WriteEndArray();
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
