using SegVerify.Core.Capture;
using SegVerify.Core.Output;

namespace SegVerify.Core.Engine;

/// <summary>
/// What replay drives, whether one <see cref="Verifier"/> or a <see cref="ParallelVerifier"/> of several: the name
/// of the capture being read, the records, and the end of input.
/// </summary>
public interface IReplayEngine
{
    /// <summary>Name of the capture being read (copied into findings).</summary>
    string? CurrentCapture { get; set; }

    /// <summary>Processes one record (its bytes may be reused once this returns).</summary>
    void Process(in CaptureRecord record);

    /// <summary>Processes every record of <paramref name="reader"/>.</summary>
    void ProcessAll(ICaptureReader reader);

    /// <summary>End of input: judges the flows still open and adds the counters to <paramref name="summary"/>.</summary>
    void Finish(RunSummary summary);
}
