using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using SegVerify.Core.Findings;
using SegVerify.Core.Localization;
using SegVerify.Core.Output;
using SegVerify.Core.Replay;
using SegVerify.Core.Topology;
using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Dialects;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall;

/// <summary>What a check-firewall run reads and does.</summary>
public sealed class CheckFirewallOptions
{
    /// <summary>The ruleset file.</summary>
    public required string ConfigPath { get; init; }
    /// <summary>A dialect name of <see cref="DialectRegistry"/>; null: guessed from the content.</summary>
    public string? Dialect { get; init; }
    /// <summary><c>ipset save</c> dumps giving the contents of sets used by <c>-m set</c>.</summary>
    public IReadOnlyList<string> IpsetFiles { get; init; } = [];
    /// <summary>Other options for the dialect, by name (e.g. "vdom"); see <see cref="DialectInput.Options"/>.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> DialectOptions { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
    /// <summary>Which <c>firewalls:</c> entry maps interfaces to zones (null: the only one).</summary>
    public string? FirewallName { get; init; }
    /// <summary>Also report every allow rule and sanitisation path the ruleset blocks.</summary>
    public bool Required { get; init; }
    /// <summary>Packets to trace instead of analysing (--probe), then those of <see cref="ProbeFile"/>.</summary>
    public IReadOnlyList<string> Probes { get; init; } = [];
    public string? ProbeFile { get; init; }
    public bool Shadow { get; init; } = true;
    /// <summary>The moment that decides whether allow rules have expired (null: now).</summary>
    public DateTime? NowUtc { get; init; }
    public string Language { get; init; } = "en";

    /// <summary>True when the run traces probes rather than analysing the ruleset.</summary>
    public bool Probing => Probes.Count > 0 || ProbeFile is not null;
}

/// <summary>
/// One check-firewall run: reads the ruleset (and ipset dumps), then either traces the probes or analyses the whole
/// ruleset against the topology's policy. Every event (findings, probes, the summary) goes through the sink; problems
/// with the inputs go to standard error.
/// </summary>
public sealed class CheckFirewallSession
{
    private readonly CheckFirewallOptions _o;
    private readonly Topology? _topology;
    private readonly TextWriter _stderr;

    /// <param name="topology">The loaded topology; needed unless the run only traces probes.</param>
    public CheckFirewallSession(CheckFirewallOptions options, Topology? topology, TextWriter stderr)
    {
        _o = options;
        _topology = topology;
        _stderr = stderr;
    }

    private bool Ja => _o.Language == "ja";
    private string L(string ja, string en) => Ja ? ja : en;

    /// <summary>The analysis result of the last run (null for probes or when it could not start).</summary>
    public AnalysisResult? Result { get; private set; }

    /// <summary>
    /// Runs. <paramref name="openSink"/> is called once the inputs have been read, so that a run that cannot start
    /// leaves no output behind; the session disposes the sink.
    /// </summary>
    public RunOutcome Run(Func<IFindingSink> openSink)
    {
        var sw = Stopwatch.StartNew();
        var cfgPath = _o.ConfigPath;
        string text;
        try { text = File.ReadAllText(cfgPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string why = Messages.IoError(e, _o.Language, cfgPath);
            _stderr.WriteLine(L($"segverify: 設定ファイルを読めません: {cfgPath}: {why}", $"segverify: cannot read config {cfgPath}: {why}"));
            return RunOutcome.BadInput;
        }
        var dialect = _o.Dialect is { } dn ? DialectRegistry.Find(dn) : DialectRegistry.Detect(text);
        if (dialect is null)
        {
            _stderr.WriteLine(L($"segverify: {cfgPath}: iptables-save、nft list ruleset、FortiGate の設定のいずれの形式でもありません（--dialect で指定できます）",
                                $"segverify: {cfgPath}: neither iptables-save, nft list ruleset nor FortiGate configuration text (say which with --dialect)"));
            return RunOutcome.BadInput;
        }
        foreach (var f in _o.IpsetFiles)
        {
            if (File.Exists(f)) continue;
            _stderr.WriteLine(L($"segverify: ipset ファイルを読めません: {f}", $"segverify: cannot read ipset file {f}"));
            return RunOutcome.BadInput;
        }
        var options = new Dictionary<string, IReadOnlyList<string>>(_o.DialectOptions) { ["ipset"] = _o.IpsetFiles };
        FwRuleset rs;
        try { rs = dialect.Parse(new DialectInput { Path = cfgPath, Text = text, Options = options }); }
        catch (FirewallConfigException e)
        {
            foreach (var err in e.Errors) _stderr.WriteLine($"segverify: {err.Text(Ja)}");
            return RunOutcome.BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // a file the ruleset names (nft include, ipset): the exception names it, the language is ours
            string why = Messages.IoError(e, _o.Language);
            if ((e as FileNotFoundException)?.FileName is { } file) why = file + ": " + why;
            _stderr.WriteLine(L($"segverify: ファイルを読めません: {why}", $"segverify: cannot read a file: {why}"));
            return RunOutcome.BadInput;
        }

        if (_o.Probing)
        {
            var probes = new List<string>(_o.Probes);
            if (_o.ProbeFile is { } pf)
            {
                try { probes.AddRange(File.ReadAllLines(pf).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    string why = Messages.IoError(e, _o.Language, pf);
                    _stderr.WriteLine(L($"segverify: プローブファイルを読めません: {pf}: {why}", $"segverify: cannot read probe file {pf}: {why}"));
                    return RunOutcome.BadInput;
                }
            }
            using var probeSink = openSink();
            return RunProbes(rs, probes, probeSink);
        }

        if (_topology is not { } topo)
        {
            _stderr.WriteLine(L("segverify: --topology が必要です", "segverify: --topology is required"));
            return RunOutcome.BadInput;
        }
        var fw = SelectFirewall(topo);
        if (fw is null) return RunOutcome.BadInput;

        var analyzer = new FirewallAnalyzer(topo, fw, rs, new AnalysisOptions
        {
            Required = _o.Required, NowUtc = _o.NowUtc ?? DateTime.UtcNow, Shadow = _o.Shadow,
        });
        var result = Result = analyzer.Run();
        if (dialect is IDialectFindings own) result.Findings.InsertRange(0, own.Findings(rs, fw));

        using var sink = openSink();
        sink.Begin(new RunInfo("check-firewall", topo.SourcePath, topo.Sha256, _o.Language)
        {
            Kind = RunKind.Configuration,
            TopologyName = topo.Name,
            Clauses = _o.Required ? [.. ConfigurationClauses, RuleIds.RequiredBlocked] : ConfigurationClauses,
        });
        var summary = new RunSummary { TopologySha256 = topo.Sha256 };
        summary.Captures.Add(new InputFile(cfgPath, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))));
        var counting = new CountingSink(sink, summary);
        foreach (var f in result.Findings) counting.OnFinding(f);
        summary.Extra.Add(new("over_approximated", result.OverApproximated));
        summary.Extra.Add(new("dialect", dialect.Name));
        summary.ElapsedSeconds = sw.Elapsed.TotalSeconds;
        sink.End(summary);
        return summary.Violations > 0 ? RunOutcome.Violations : RunOutcome.Clean;
    }

    /// <summary>
    /// The clauses a ruleset check can find broken: what the forward path admits between zones, and rules used past
    /// their expiry. Frame-level clauses (MAC binding, unregistered devices) need traffic.
    /// </summary>
    public static readonly IReadOnlyList<string> ConfigurationClauses =
    [
        RuleIds.MynumberInternet, RuleIds.MynumberIsolation, RuleIds.LgwanInternetSeparation, RuleIds.ZoneCrossing,
        RuleIds.SanitizationMisuse, RuleIds.ExpiredException,
    ];

    private FirewallDef? SelectFirewall(Topology topo)
    {
        var fwName = _o.FirewallName;
        FirewallDef? fw = null;
        if (fwName is not null) topo.Firewalls.TryGetValue(fwName, out fw);
        else if (topo.Firewalls.Count == 1) fw = topo.Firewalls.Values.First();
        if (fw is not null) return fw;
        var names = string.Join(", ", topo.Firewalls.Keys);
        _stderr.WriteLine(fwName is not null
            ? L($"segverify: トポロジに firewalls: {fwName} がありません（あるもの: {(names.Length == 0 ? "なし" : names)}）",
                $"segverify: the topology has no firewalls: entry '{fwName}' (it has: {(names.Length == 0 ? "none" : names)})")
            : topo.Firewalls.Count == 0
                ? L("segverify: トポロジに firewalls: がありません（インターフェースとゾーンの対応が必要です）", "segverify: the topology has no firewalls: entry mapping interfaces to zones")
                : L($"segverify: firewalls: が複数あります。--firewall で選んでください（{names}）", $"segverify: the topology has several firewalls: entries; choose one with --firewall ({names})"));
        return null;
    }

    private RunOutcome RunProbes(FwRuleset rs, List<string> probes, IFindingSink sink)
    {
        var outcome = RunOutcome.Clean;
        foreach (var p in probes)
        {
            if (!ProbePacket.TryParse(p, out var pk, out var err))
            {
                _stderr.WriteLine(L($"segverify: プローブ '{p}': {err}", $"segverify: probe '{p}': {err}"));
                outcome = RunOutcome.BadInput;
                continue;
            }
            var tr = ConcreteTracer.Trace(rs, pk!);
            sink.OnProbe(new ProbeResult(p, tr.VerdictText,
                tr.Path.Select(r => new ProbeStep(Location(r.Pos), r.Text)).ToList(),
                tr.Decider is null ? null : Location(tr.Decider.Pos), tr.Approximate)
            {
                NatDstIp = tr.NatDst?.ToString(),
                NatDstPort = tr.NatDst is not null && Core.Net.IpProto.HasPorts(pk!.Proto) ? tr.NatDstPort : null,
            });
        }
        return outcome;
    }

    private static ConfigLocation Location(ConfigPos p) => new(p.File, p.Line, p.Column);
}
