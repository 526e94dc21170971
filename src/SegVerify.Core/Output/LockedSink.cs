namespace SegVerify.Core.Output;

/// <summary>
/// Serialises the calls to a sink that several threads report to (replay --threads: one verifier per thread).
/// Findings are rare (per flow at most), so one lock is cheap. Does not own the inner sink.
/// </summary>
public sealed class LockedSink(IFindingSink inner) : IFindingSink
{
    private readonly object _lock = new();

    public void Begin(RunInfo info)
    {
        lock (_lock) inner.Begin(info);
    }

    public void OnFinding(Engine.Finding finding)
    {
        lock (_lock) inner.OnFinding(finding);
    }

    public void OnProbe(ProbeResult probe)
    {
        lock (_lock) inner.OnProbe(probe);
    }

    public void End(RunSummary summary)
    {
        lock (_lock) inner.End(summary);
    }

    public void Dispose() { }
}
