using SegVerify.Core.Findings;
using SegVerify.Core.Output;

namespace SegVerify.Live;

/// <summary>
/// Wraps monitor's sink: counts findings by rule (for the statistics and /metrics, read from other threads) and
/// flushes the output after every finding so that each one reaches the file, pipe or SIEM as it happens.
/// </summary>
public sealed class FlushingCountingSink(IFindingSink inner, Action? flush) : IFindingSink
{
    private readonly object _gate = new();
    private long _findings;
    private long _violations;

    /// <summary>The run's summary: findings are counted into it (violations, warnings, by rule).</summary>
    public RunSummary Summary { get; } = new();

    public long Findings => Volatile.Read(ref _findings);
    public long Violations => Volatile.Read(ref _violations);

    /// <summary>Findings by rule so far (a copy; safe from any thread).</summary>
    public KeyValuePair<string, long>[] ByRule()
    {
        lock (_gate) return [.. Summary.ByRule];
    }

    public void Begin(RunInfo info)
    {
        inner.Begin(info);
        flush?.Invoke();
    }

    public void OnFinding(Finding finding)
    {
        inner.OnFinding(finding);
        lock (_gate) Summary.Count(finding);
        Interlocked.Increment(ref _findings);
        if (finding.Severity == Severity.Violation) Interlocked.Increment(ref _violations);
        flush?.Invoke();
    }

    public void OnFlow(FlowEvent flow)
    {
        inner.OnFlow(flow);
        flush?.Invoke();
    }

    public void OnProbe(ProbeResult probe)
    {
        inner.OnProbe(probe);
        flush?.Invoke();
    }

    public void End(RunSummary summary)
    {
        inner.End(summary);
        flush?.Invoke();
    }

    public void Dispose() => inner.Dispose();
}
