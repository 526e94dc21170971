using SegVerify.Core.Findings;

namespace SegVerify.Core.Output;

/// <summary>Counts findings into the summary on their way to the real sink (does not own it).</summary>
public sealed class CountingSink(IFindingSink inner, RunSummary summary) : IFindingSink
{
    public void Begin(RunInfo info) => inner.Begin(info);

    public void OnFinding(Finding finding)
    {
        summary.Count(finding);
        inner.OnFinding(finding);
    }

    public void OnFlow(FlowEvent flow) => inner.OnFlow(flow);

    public void OnProbe(ProbeResult probe) => inner.OnProbe(probe);

    public void End(RunSummary s) => inner.End(s);

    public void Dispose() { }
}
