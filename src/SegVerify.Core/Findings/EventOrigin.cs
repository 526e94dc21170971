using SegVerify.Core.Flows;

namespace SegVerify.Core.Findings;

/// <summary>
/// Where a finding or flow event was read: the capture file (replay), the byte offset in it (of the frame, or of the
/// flow's first packet when the flow began in that capture) and the encapsulations around the traffic.
/// </summary>
public readonly record struct EventOrigin(string? Capture, long? Offset, IReadOnlyList<TunnelInfo>? Tunnel);
