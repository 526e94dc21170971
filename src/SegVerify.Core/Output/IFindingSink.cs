using SegVerify.Core.Findings;

namespace SegVerify.Core.Output;

/// <summary>One capture (or config) read in a run, for the evidence in the summary.</summary>
public sealed record InputFile(string Name, string? Sha256);

/// <summary>What a run looked at: traffic (replay, monitor) or a configuration (check-firewall).</summary>
public enum RunKind { Traffic, Configuration }

/// <summary>What the run was: written by sinks that have a header (HTML, SARIF, JUnit) and by the summary.</summary>
public sealed record RunInfo(string Command, string TopologyPath, string TopologySha256, string Language)
{
    /// <summary>Traffic (packets, flows, a zone matrix) or a configuration (rules, no traffic).</summary>
    public RunKind Kind { get; init; } = RunKind.Traffic;
    /// <summary>The topology's <c>name:</c>.</summary>
    public string? TopologyName { get; init; }
    /// <summary>
    /// The policy clauses (violation ids) this run could find broken: JUnit writes one test case for each. Null: every
    /// clause that traffic can break (<see cref="TrafficClauses"/>).
    /// </summary>
    public IReadOnlyList<string>? Clauses { get; init; }
    /// <summary>When the report was produced.</summary>
    public DateTimeOffset GeneratedAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>The violation ids traffic can break (replay, monitor).</summary>
    public static readonly IReadOnlyList<string> TrafficClauses =
    [
        RuleIds.MynumberInternet, RuleIds.MynumberIsolation, RuleIds.LgwanInternetSeparation, RuleIds.ZoneCrossing,
        RuleIds.SanitizationMisuse, RuleIds.MacBinding, RuleIds.UnregisteredDevice, RuleIds.ExpiredException,
    ];

    /// <summary>The kind as the summary's <c>kind</c> field spells it.</summary>
    public string KindId => Kind == RunKind.Configuration ? "configuration" : "traffic";

    /// <summary>A traffic run over <paramref name="topology"/>.</summary>
    public static RunInfo ForTraffic(string command, Topology.Topology topology, string language) =>
        new(command, topology.SourcePath, topology.Sha256, language) { TopologyName = topology.Name };
}

/// <summary>The closing <c>"event":"summary"</c>.</summary>
public sealed class RunSummary
{
    public List<InputFile> Captures { get; } = [];
    public string? TopologySha256 { get; set; }
    public long Packets { get; set; }
    public long Bytes { get; set; }
    public long Flows { get; set; }
    /// <summary>replay and monitor: frames that are not IP (ARP, LLDP, STP...); null for commands that read no traffic.</summary>
    public long? NonIp { get; set; }
    public long Violations { get; set; }
    public long Warnings { get; set; }
    public SortedDictionary<string, long> ByRule { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, long> Undecoded { get; } = new(StringComparer.Ordinal);
    public double ElapsedSeconds { get; set; }
    /// <summary>Timestamp of the earliest and the latest packet read (ns since the epoch); null when none was read.</summary>
    public long? FirstPacketNs { get; set; }
    public long? LastPacketNs { get; set; }
    /// <summary>True when a capture gave nanosecond timestamps.</summary>
    public bool NanosecondResolution { get; set; }
    /// <summary>
    /// The capture filter of the run (replay --bpf or a trailing expression, monitor --bpf), null without one. The
    /// counters above then cover the packets that matched it only, as tcpdump's.
    /// </summary>
    public string? Filter { get; set; }
    /// <summary>replay with a filter: records read that did not match it (not analysed, not in <see cref="Packets"/>).</summary>
    public long? FilteredOut { get; set; }
    /// <summary>monitor only: kernel/driver drops (64-bit, wrap-corrected).</summary>
    public long? Dropped { get; set; }
    public long? IfDropped { get; set; }
    /// <summary>Zone-to-zone flow counts: key (initiator zone, responder zone).</summary>
    public Dictionary<(string From, string To), long> ZoneMatrix { get; } = new();
    /// <summary>Ordered zone names for the matrix.</summary>
    public List<string> ZoneNames { get; } = [];
    /// <summary>Extra fields added by a producer (check-firewall), written as given.</summary>
    public List<KeyValuePair<string, object?>> Extra { get; } = [];

    public void Count(Finding f)
    {
        if (f.Severity == Severity.Violation) Violations++; else Warnings++;
        ByRule[f.Rule] = ByRule.GetValueOrDefault(f.Rule) + 1;
    }
}

/// <summary>
/// Where findings and flow events go: JSON Lines, text, SARIF, JUnit, HTML, and the wrappers that also send them
/// elsewhere (syslog, audit log, archive). Called from one thread. Streaming sinks (jsonl, text) write each finding
/// at once; document sinks collect and write at <see cref="End"/>. Each sink writes a finding's message and clause
/// from <see cref="Localization.Messages"/> in its language (the run's, given at <see cref="Begin"/>, unless the sink
/// was made for one).
/// </summary>
public interface IFindingSink : IDisposable
{
    void Begin(RunInfo info);
    void OnFinding(Finding finding);
    /// <summary>A flow with its verdict (--flows, --archive); sinks that do not list flows ignore it.</summary>
    void OnFlow(FlowEvent flow);
    /// <summary>A packet traced through a ruleset (check-firewall --probe); sinks that have no place for it ignore it.</summary>
    void OnProbe(ProbeResult probe) { }
    void End(RunSummary summary);
}
