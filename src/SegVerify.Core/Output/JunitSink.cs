using System.Text;
using System.Xml;
using SegVerify.Core.Findings;
using SegVerify.Core.Localization;
using SegVerify.Core.Topology;

namespace SegVerify.Core.Output;

/// <summary>
/// <c>--format junit</c>: one test suite; one test case per policy clause (every violation-severity finding id) and
/// one per <c>allow</c> rule and <c>sanitization</c> path of the topology. A case fails when it has a violation: a
/// clause when a violation carries its id, a rule when a violation names it in <c>allowed_by</c> (expired-exception,
/// sanitization-misuse, required-blocked). Warnings go to <c>&lt;system-out&gt;</c>. Written at <see cref="End"/>.
/// </summary>
public sealed class JunitSink : IFindingSink
{
    /// <summary>Most findings listed in one failure or system-out; the rest are counted.</summary>
    public const int MaxListed = 100;
    public const string SuiteName = "segverify";
    public const string ClauseClass = "segverify.policy";
    public const string AllowClass = "segverify.allow";
    public const string SanitizationClass = "segverify.sanitization";

    /// <summary>The violation ids that are clauses of traffic policy (replay, monitor).</summary>
    public static IReadOnlyList<string> TrafficClauses => RunInfo.TrafficClauses;

    private readonly TextWriter _w;
    private readonly string _lang;
    private readonly List<(string Name, string ClassName)> _ruleCases = [];
    private readonly List<Finding> _findings = [];
    private RunInfo? _info;

    /// <param name="ruleNames">The topology's allow rules and sanitisation paths, one test case each.</param>
    public JunitSink(TextWriter writer, string language, IEnumerable<string>? ruleNames = null)
    {
        _w = writer;
        _lang = language;
        if (ruleNames is not null)
            foreach (var n in ruleNames) _ruleCases.Add((n, AllowClass));
    }

    /// <param name="allowRules">The topology's allow rules (class <see cref="AllowClass"/>).</param>
    /// <param name="sanitizationPaths">The topology's sanitisation paths (class <see cref="SanitizationClass"/>).</param>
    public JunitSink(TextWriter writer, string language, IEnumerable<string> allowRules, IEnumerable<string> sanitizationPaths)
        : this(writer, language)
    {
        foreach (var n in sanitizationPaths) _ruleCases.Add((n, SanitizationClass));
        foreach (var n in allowRules) _ruleCases.Add((n, AllowClass));
    }

    /// <summary>Takes the test cases of the rules from a loaded topology (sanitisation paths, then allow rules).</summary>
    public JunitSink(TextWriter writer, string language, Topology.Topology topology) : this(writer, language)
    {
        foreach (var r in topology.Sanitization) _ruleCases.Add((r.Name, SanitizationClass));
        foreach (var r in topology.Allow) _ruleCases.Add((r.Name, AllowClass));
    }

    private bool Ja => FindingFormat.IsJa(_lang);

    public void Begin(RunInfo info) => _info = info;

    public void OnFinding(Finding finding) => _findings.Add(finding);

    /// <summary>Flows are not test results.</summary>
    public void OnFlow(FlowEvent flow) { }

    public void End(RunSummary summary)
    {
        // One case per clause the run could test: a ruleset check cannot see MACs on the wire, a replay cannot see
        // a blocked rule. A violation of any other id still gets its case (it was found, so it was tested).
        var clauses = new List<string>(_info?.Clauses ?? TrafficClauses);
        foreach (var f in _findings)
            if (f.Severity == Severity.Violation && !clauses.Contains(f.Rule)) clauses.Add(f.Rule);

        var ruleCases = new List<(string Name, string ClassName)>(_ruleCases);
        var known = new HashSet<string>(ruleCases.Select(r => r.Name), StringComparer.Ordinal);
        foreach (var f in _findings)
            if (f.Severity == Severity.Violation && f.AllowedBy is { } ab && known.Add(ab)) ruleCases.Add((ab, AllowClass));

        var cases = new List<Case>();
        foreach (var c in clauses)
            cases.Add(new Case(c, ClauseClass,
                _findings.Where(f => f.Rule == c && f.Severity == Severity.Violation).ToList(),
                _findings.Where(f => f.Rule == c && f.Severity == Severity.Warning).ToList()));
        foreach (var (name, cls) in ruleCases)
            cases.Add(new Case(name, cls,
                _findings.Where(f => f.AllowedBy == name && f.Severity == Severity.Violation).ToList(),
                _findings.Where(f => f.AllowedBy == name && f.Severity == Severity.Warning).ToList()));

        int failures = cases.Count(c => c.Violations.Count > 0);
        string time = FindingFormat.Seconds(summary.ElapsedSeconds);
        var settings = new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true, NewLineChars = "\n", CheckCharacters = true };
        var sb = new StringBuilder();
        sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        using (var x = XmlWriter.Create(sb, settings))
        {
            x.WriteStartElement("testsuites");
            x.WriteAttributeString("name", SuiteName);
            x.WriteAttributeString("tests", FindingFormat.Num(cases.Count));
            x.WriteAttributeString("failures", FindingFormat.Num(failures));
            x.WriteAttributeString("errors", "0");
            x.WriteAttributeString("time", time);

            x.WriteStartElement("testsuite");
            x.WriteAttributeString("name", Clean(SuiteName + (_info is null ? "" : " " + _info.Command)));
            x.WriteAttributeString("tests", FindingFormat.Num(cases.Count));
            x.WriteAttributeString("failures", FindingFormat.Num(failures));
            x.WriteAttributeString("errors", "0");
            x.WriteAttributeString("skipped", "0");
            x.WriteAttributeString("time", time);

            x.WriteStartElement("properties");
            if (_info is not null)
            {
                Property(x, "topology", _info.TopologyPath);
            }
            if ((summary.TopologySha256 ?? _info?.TopologySha256) is { } th) Property(x, "topology_sha256", th);
            bool traffic = _info?.Kind != RunKind.Configuration;
            Property(x, "kind", _info?.KindId ?? "traffic");
            foreach (var c in summary.Captures) Property(x, (traffic ? "capture:" : "config:") + c.Name, c.Sha256 ?? "");
            if (traffic)
            {
                Property(x, "packets", FindingFormat.Num(summary.Packets));
                Property(x, "flows", FindingFormat.Num(summary.Flows));
            }
            Property(x, "violations", FindingFormat.Num(summary.Violations));
            Property(x, "warnings", FindingFormat.Num(summary.Warnings));
            x.WriteEndElement();

            foreach (var c in cases)
            {
                x.WriteStartElement("testcase");
                x.WriteAttributeString("classname", c.ClassName);
                x.WriteAttributeString("name", Clean(c.Name));
                x.WriteAttributeString("time", "0");
                if (c.Violations.Count > 0)
                {
                    x.WriteStartElement("failure");
                    x.WriteAttributeString("type", Clean(c.ClassName == ClauseClass ? c.Name : string.Join(",", c.Violations.Select(f => f.Rule).Distinct())));
                    x.WriteAttributeString("message", Clean(FailureMessage(c)));
                    x.WriteString(Clean(Listing(c.Violations)));
                    x.WriteEndElement();
                }
                if (c.Warnings.Count > 0)
                {
                    x.WriteStartElement("system-out");
                    x.WriteString(Clean(Listing(c.Warnings)));
                    x.WriteEndElement();
                }
                x.WriteEndElement();
            }

            var warnings = _findings.Where(f => f.Severity == Severity.Warning).ToList();
            if (warnings.Count > 0)
            {
                x.WriteStartElement("system-out");
                x.WriteString(Clean((Ja ? $"警告 {warnings.Count} 件:\n" : $"{warnings.Count} warnings:\n") + Listing(warnings)));
                x.WriteEndElement();
            }
            x.WriteEndElement(); // testsuite
            x.WriteEndElement(); // testsuites
        }
        sb.Append('\n');
        _w.Write(sb.ToString());
        _w.Flush();
    }

    private string FailureMessage(Case c)
    {
        int n = c.Violations.Count;
        if (c.ClassName == ClauseClass)
        {
            var clause = Messages.Clause(c.Violations[0].Rule, _lang);
            return Ja ? $"違反 {n} 件: {clause}" : $"{n} violation{(n == 1 ? "" : "s")}: {clause}";
        }
        return Ja ? $"規則 {c.Name} に関する違反 {n} 件" : $"{n} violation{(n == 1 ? "" : "s")} involving rule {c.Name}";
    }

    private string Listing(List<Finding> list)
    {
        var sb = new StringBuilder();
        foreach (var f in list.Take(MaxListed)) sb.Append(FindingFormat.Line(f, _lang)).Append('\n');
        if (list.Count > MaxListed)
            sb.Append(Ja ? $"... ほか {list.Count - MaxListed} 件\n" : $"... and {list.Count - MaxListed} more\n");
        return sb.ToString();
    }

    private static void Property(XmlWriter x, string name, string value)
    {
        x.WriteStartElement("property");
        x.WriteAttributeString("name", Clean(name));
        x.WriteAttributeString("value", Clean(value));
        x.WriteEndElement();
    }

    /// <summary>Replaces characters XML 1.0 cannot carry (control characters, lone surrogates) with U+FFFD.</summary>
    internal static string Clean(string s)
    {
        int bad = -1;
        for (int i = 0; i < s.Length; i++)
        {
            if (!XmlConvert.IsXmlChar(s[i]) && !(i + 1 < s.Length && XmlConvert.IsXmlSurrogatePair(s[i + 1], s[i])))
            {
                bad = i;
                break;
            }
            if (char.IsHighSurrogate(s[i])) i++;
        }
        if (bad < 0) return s;
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && XmlConvert.IsXmlSurrogatePair(s[i + 1], s[i]))
            {
                sb.Append(s[i]).Append(s[i + 1]);
                i++;
            }
            else sb.Append(XmlConvert.IsXmlChar(s[i]) ? s[i] : '\uFFFD');
        }
        return sb.ToString();
    }

    private sealed record Case(string Name, string ClassName, List<Finding> Violations, List<Finding> Warnings);

    public void Dispose() => _w.Flush();
}
