using SegVerify.Core.Output;

namespace SegVerify.Archive;

/// <summary>
/// Passes every call to the run's own sink and writes each <c>"event":"flow"</c> record to the Parquet archive
/// (<c>--archive DIR</c>). The run asks the engine for flow events whenever it archives; they reach the run's own
/// output only when <paramref name="forwardFlows"/> (<c>--flows</c>) is set. At the end the archive's last rows are
/// written and <c>"archive": {dir, sensor, run_id, files, rows}</c> is added to the summary.
/// </summary>
public sealed class ArchiveSink(IFindingSink inner, ArchiveWriter writer, bool forwardFlows) : IFindingSink
{
    private bool _ended;

    public ArchiveWriter Writer => writer;

    public void Begin(RunInfo info) => inner.Begin(info);

    public void OnFinding(Finding finding) => inner.OnFinding(finding);

    public void OnFlow(FlowEvent flow)
    {
        writer.Add(FlowRow.From(flow));
        if (forwardFlows) inner.OnFlow(flow);
    }

    public void OnProbe(ProbeResult probe) => inner.OnProbe(probe);

    public void End(RunSummary summary)
    {
        if (!_ended)
        {
            _ended = true;
            writer.Flush();
            summary.Extra.Add(new("archive", new Dictionary<string, object?>
            {
                ["dir"] = writer.Directory,
                ["sensor"] = writer.Sensor,
                ["run_id"] = writer.RunId,
                ["files"] = (long)writer.FilesWritten,
                ["rows"] = writer.RowsWritten,
            }));
        }
        inner.End(summary);
    }

    public void Dispose()
    {
        if (!_ended) writer.Flush(); // a run stopped before its summary still keeps the flows judged so far
        inner.Dispose();
    }
}
