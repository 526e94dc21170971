using SegVerify.Core.Topology;

namespace SegVerify.Core.Findings;

/// <summary>
/// The two ends of a judged flow: which side (A, the lower address of the key, or B) opened it, whether that was seen
/// or inferred (spec: "How a flow's initiator is found"), and the zones of initiator and responder (null: in none).
/// </summary>
public readonly record struct FlowParties(bool InitiatorIsA, bool Observed, Zone? SrcZone, Zone? DstZone);
