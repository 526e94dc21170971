using SegVerify.Core.Capture;
using SegVerify.Core.Classification;
using SegVerify.Core.Decoding;
using SegVerify.Core.Findings;
using SegVerify.Core.Flows;
using SegVerify.Core.Judging;
using SegVerify.Core.Net;

namespace SegVerify.Core.Engine;

/// <summary>What the verifier tells its <see cref="IPacketObserver"/> (--evidence).</summary>
public sealed partial class Verifier
{
    /// <summary>True while a flow is judged for an observer: its findings are held until the observer has written its evidence.</summary>
    private bool _deferFlowFindings;
    private FlowEvent? _deferredFlowEvent;

    /// <summary>
    /// From which byte this just-opened flow (<paramref name="p"/> its first packet) can get a flow-level finding
    /// (<see cref="IPacketObserver.OnFlowOpen"/>): 0 when the policy can judge it a violation, or an address of it is
    /// unclassified, or its responder does not declare the service; the large-transfer limit when it crosses zones and
    /// only that limit can give it a finding; <see cref="IPacketObserver.NeverFinding"/> otherwise. The initiator the
    /// judgement will use (<see cref="FlowJudge.FindInitiator"/>) is taken from what decides it already: a pure SYN
    /// or a SYN+ACK, an echo request or reply, a service port on one side only (TCP and UDP), the first packet's sender
    /// (UDP and other protocols, where nothing later changes it). When nothing decides it yet (a TCP or ICMP flow
    /// met in its middle with no service port to tell), both endpoints are tried. A flow whose ports are not known yet
    /// (it opened with a later fragment) may get any finding.
    /// </summary>
    private long FindingFromByte(in FlowEntry f, in DecodedPacket p)
    {
        var k = f.Key;
        if (IpProto.HasPorts(k.Proto) && (f.Flags & FlowFlags.NoPorts) != 0) return 0;
        var when = FlowJudge.PolicyTime(f.FirstTs);
        bool firstFromA = (f.Flags & FlowFlags.FirstFromA) != 0;
        bool? initA = null;
        if (k.Proto == IpProto.Tcp)
        {
            byte syn = (byte)(p.TcpFlags & (DecodedPacket.TcpSyn | DecodedPacket.TcpAck));
            if (syn == DecodedPacket.TcpSyn) initA = firstFromA;
            else if (syn == (DecodedPacket.TcpSyn | DecodedPacket.TcpAck)) initA = !firstFromA;
            else if (_judge.IsServicePort(IpProto.Tcp, k.PortA) != _judge.IsServicePort(IpProto.Tcp, k.PortB))
                initA = _judge.IsServicePort(IpProto.Tcp, k.PortB);
        }
        else if (k.Proto == IpProto.Udp)
            initA = _judge.IsServicePort(IpProto.Udp, k.PortA) != _judge.IsServicePort(IpProto.Udp, k.PortB)
                ? _judge.IsServicePort(IpProto.Udp, k.PortB) : firstFromA;
        else if (k.Proto is IpProto.Icmp or IpProto.IcmpV6)
        {
            if (p.HasIcmp && IcmpPairs.IsEcho(k.Proto, p.IcmpType))
                initA = IcmpPairs.IsEchoRequest(k.Proto, p.IcmpType) ? firstFromA : !firstFromA;
        }
        else initA = firstFromA;

        if (initA is bool a)
            return a ? FindingFromByte(k.A, k.B, k.Proto, k.PortB, when) : FindingFromByte(k.B, k.A, k.Proto, k.PortA, when);
        return Math.Min(FindingFromByte(k.A, k.B, k.Proto, k.PortB, when), FindingFromByte(k.B, k.A, k.Proto, k.PortA, when));
    }

    /// <summary>The same for one initiator: the checks of <see cref="FlowJudge.Judge"/> that its first packet decides.</summary>
    private long FindingFromByte(IpAddr src, IpAddr dst, byte proto, ushort dport, DateTime when)
    {
        var srcCat = _classifier.Classify(src, asDestination: false, out var srcZone, out _);
        var dstCat = _classifier.Classify(dst, asDestination: true, out var dstZone, out _);
        if (srcCat == AddressCategory.Special || dstCat == AddressCategory.Special) return IPacketObserver.NeverFinding;
        if (srcCat == AddressCategory.Unclassified || dstCat == AddressCategory.Unclassified) return 0;
        if ((proto is IpProto.Tcp or IpProto.Udp) && _hostByIp.TryGetValue(dst, out var host) && !host.OffersService(proto, dport))
            return 0;
        if (srcZone is null || dstZone is null) return IPacketObserver.NeverFinding;
        var verdict = _policy.Judge(srcZone, src, dstZone, dst, proto, IpProto.HasPorts(proto) ? dport : (ushort)0, when);
        if (verdict.Rule is not null) return 0;
        return srcZone != dstZone && _topology.Limits.LargeTransferBytes is { } limit ? limit : IPacketObserver.NeverFinding;
    }

    /// <summary>
    /// Reports a frame-level finding (<see cref="FrameChecks"/>); with an observer, the frame that showed it is its
    /// evidence (<paramref name="record"/>, whose bytes are there: with an observer records are processed one at a time).
    /// </summary>
    internal void EmitFrame(Finding finding, in CaptureRecord record)
    {
        if (Observer?.OnFrameFinding(finding, in record) is { } file) finding = finding with { Evidence = file };
        Emit(finding);
    }

    /// <summary>
    /// The observer has the judged flow's findings first (it writes the flow's packets when it has one), then
    /// they are reported, each with the path of that file in <see cref="Finding.Evidence"/>.
    /// </summary>
    private void ReportWithEvidence(ulong flowId, string? communityId)
    {
        _deferFlowFindings = false;
        string? file = Observer!.OnFlowJudged(flowId, communityId ?? "", _flowFindings);
        foreach (var finding in _flowFindings) Emit(file is null ? finding : finding with { Evidence = file });
        _flowFindings.Clear();
        if (_deferredFlowEvent is { } flowEvent)
        {
            _deferredFlowEvent = null;
            _sink.OnFlow(file is null ? flowEvent : flowEvent with { Evidence = file });
        }
    }
}
