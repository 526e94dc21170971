using SegVerify.Core.Capture;
using SegVerify.Core.Findings;
using SegVerify.Core.Flows;
using SegVerify.Core.Output;

namespace SegVerify.Core.Engine;

/// <summary>Tunables of the per-packet pipeline.</summary>
public sealed class VerifierOptions
{
    /// <summary>Cap on live flows; the least recently active flow is judged and evicted when full.</summary>
    public int MaxFlows { get; init; } = 1_000_000;
    public long TcpIdleTimeoutNs { get; init; } = 300L * 1_000_000_000;
    /// <summary>Idle timeout of every non-TCP flow (UDP, ICMP, other protocols).</summary>
    public long UdpIdleTimeoutNs { get; init; } = 60L * 1_000_000_000;
    /// <summary>How long a closed TCP connection lingers, so that retransmitted FINs and last ACKs stay in it.</summary>
    public long TcpCloseLingerNs { get; init; } = 5L * 1_000_000_000;
    /// <summary>Emit an <c>"event":"flow"</c> record for every flow (--flows).</summary>
    public bool EmitFlows { get; init; }
}

/// <summary>
/// Counters the verifier keeps (read by monitor's statistics and the summary), with those of its flow tracker. Every
/// frame counted in <see cref="Packets"/> is counted once more in exactly one of: a flow's packets
/// (<see cref="FlowCounters.FlowPackets"/>), <see cref="Undecoded"/> (by reason) or
/// <see cref="FlowCounters.OrphanFragments"/>, or <see cref="NonIp"/>.
/// </summary>
public sealed class VerifierStats : FlowCounters
{
    public long Packets;
    public long Bytes;
    public long Findings;
    /// <summary>Well-formed frames that are not IP (ARP, LLDP, STP...): the summary's <c>non_ip</c>.</summary>
    public long NonIp;
    /// <summary>Frames counted by <see cref="Decoding.UndecodedReason"/>.</summary>
    public readonly long[] Undecoded = new long[64];
}

/// <summary>
/// Optional hook for the packets of each flow (--evidence). <paramref name="flowId"/> is a serial unique within the
/// run. <see cref="OnFlowOpen"/> is called when a flow opens (before its first packet's <see cref="OnPacket"/>), with
/// from which byte of the flow its packets can matter: 0 when the policy or the topology can give it a finding from its
/// first packet (a violation, an unclassified address, an undeclared service), the large-transfer limit for a flow
/// between zones that only that limit can make a finding, <see cref="NeverFinding"/> otherwise.
/// <see cref="OnFrameFinding"/> is called when a frame-level finding is reported for the packet being handled (before
/// its <see cref="OnPacket"/>), with the frame's record: the path it returns goes into the finding's <c>evidence</c>.
/// <see cref="OnFlowJudged"/> is called once per flow with the flow-level findings it got (maybe none), before they
/// are reported: the path it returns goes into their <c>evidence</c> field. Frames that belong to no flow (ARP,
/// undecoded) are passed with flowId 0.
/// </summary>
public interface IPacketObserver
{
    /// <summary>The flow can get no finding however many bytes it carries.</summary>
    const long NeverFinding = long.MaxValue;

    void OnFlowOpen(ulong flowId, long findingFromByte);
    void OnPacket(ulong flowId, in CaptureRecord record);
    string? OnFrameFinding(Finding finding, in CaptureRecord record);
    string? OnFlowJudged(ulong flowId, string communityId, IReadOnlyList<Finding> findings);
}

/// <summary>
/// The per-packet pipeline shared by replay and monitor: decode -> frame checks -> flow table -> (at flow end)
/// classification and policy -> findings to the sink.
/// </summary>
public sealed partial class Verifier
{
    public VerifierStats Stats { get; } = new();

    /// <summary>Name of the capture being read (copied into findings).</summary>
    public string? CurrentCapture
    {
        get => _currentCapture;
        set
        {
            _currentCapture = value;
            _tracker.CaptureSerial++;
        }
    }

    private string? _currentCapture;

    public IPacketObserver? Observer { get; set; }
}
