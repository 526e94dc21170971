using SegVerify.Core.Engine;

namespace SegVerify.Core.Output;

/// <summary>One capture (or config) read in a run, for the evidence in the summary.</summary>
public sealed record InputFile(string Name, string? Sha256);

/// <summary>What the run was: written by sinks that have a header (HTML, SARIF).</summary>
public sealed record RunInfo(string Command, string TopologyPath, string TopologySha256, string Language);

/// <summary>The closing <c>"event":"summary"</c>.</summary>
public sealed class RunSummary
{
    public List<InputFile> Captures { get; } = [];
    public string? TopologySha256 { get; set; }
    public long Packets { get; set; }
    public long Bytes { get; set; }
    public long Flows { get; set; }
    public long Violations { get; set; }
    public long Warnings { get; set; }
    public SortedDictionary<string, long> ByRule { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, long> Undecoded { get; } = new(StringComparer.Ordinal);
    public double ElapsedSeconds { get; set; }
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
        if (f.IsFlowEvent) return;
        if (f.Severity == Severity.Violation) Violations++; else Warnings++;
        ByRule[f.Rule] = ByRule.GetValueOrDefault(f.Rule) + 1;
    }
}

/// <summary>
/// Where findings go: JSON Lines, text, SARIF, JUnit, HTML. Called from one thread.
/// Streaming sinks (jsonl, text) write each finding at once; document sinks collect and write at <see cref="End"/>.
/// </summary>
public interface IFindingSink : IDisposable
{
    void Begin(RunInfo info);
    void OnFinding(Finding finding);
    /// <summary>A packet traced through a ruleset (check-firewall --probe); sinks that have no place for it ignore it.</summary>
    void OnProbe(ProbeResult probe) { }
    void End(RunSummary summary);
}
