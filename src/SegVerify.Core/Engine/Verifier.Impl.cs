using SegVerify.Core.Capture;
using SegVerify.Core.Output;

namespace SegVerify.Core.Engine;

public sealed partial class Verifier
{
    // Implementation in progress (lead). Signatures are stable.
    public Verifier(Topology.Topology topology, IFindingSink sink, VerifierOptions options) => throw new NotImplementedException();
    /// <summary>Decodes and accounts one capture record.</summary>
    public void Process(in CaptureRecord record) => throw new NotImplementedException();
    /// <summary>Expires flows idle at capture/wall time <paramref name="nowNs"/> (monitor calls this when no packet arrives).</summary>
    public void AdvanceClock(long nowNs) => throw new NotImplementedException();
    /// <summary>Judges and reports every live flow (end of input).</summary>
    public void Flush() => throw new NotImplementedException();
    /// <summary>Copies counters and the zone matrix into the summary.</summary>
    public void FillSummary(RunSummary summary) => throw new NotImplementedException();
}
