using SegVerify.Core.Output;

namespace SegVerify.Core.Audit;

/// <summary>
/// Passes findings to the real output and records each one in the audit log: a run-start record at
/// <see cref="Begin"/>, one record per finding, a run-end record with the summary at <see cref="End"/>.
/// Flow events (<c>--flows</c>) are not findings and are not recorded.
/// </summary>
public sealed class AuditSink(IFindingSink inner, AuditLogWriter log, AuditRunStart start) : IFindingSink
{
    /// <summary>Set by the session before <see cref="End"/> when the run was stopped by a signal.</summary>
    public bool Interrupted { get; set; }

    private string _lang = "en";

    public void Begin(RunInfo info)
    {
        _lang = info.Language;
        log.WriteRunStart(start);
        inner.Begin(info);
    }

    public void OnFinding(Finding finding)
    {
        log.WriteFinding(finding, _lang);
        inner.OnFinding(finding);
    }

    /// <summary>Flow events are not findings: passed on, not recorded.</summary>
    public void OnFlow(FlowEvent flow) => inner.OnFlow(flow);

    public void OnProbe(ProbeResult probe) => inner.OnProbe(probe);

    public void End(RunSummary summary)
    {
        log.WriteRunEnd(summary, Interrupted || summary.Extra.Any(e => e.Key == "interrupted" && e.Value is true));
        inner.End(summary);
    }

    public void Dispose()
    {
        inner.Dispose();
        log.Dispose();
    }
}
