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
    /// Whether the policy can judge this just-opened flow (<paramref name="p"/> its first packet) a violation. The
    /// initiator the judgement will use (<see cref="FlowJudge.FindInitiator"/>) is taken from what decides it already: a pure SYN
    /// or a SYN+ACK, an echo request or reply, a service port on one side only (TCP and UDP), the first packet's sender
    /// (UDP and other protocols, where nothing later changes it). When nothing decides it yet (a TCP or ICMP flow
    /// met in its middle with no service port to tell), both endpoints are tried. A flow whose ports are not known yet
    /// (it opened with a later fragment) may violate.
    /// </summary>
    private bool MayViolate(in FlowEntry f, in DecodedPacket p)
    {
        var k = f.Key;
        if (IpProto.HasPorts(k.Proto) && (f.Flags & FlowFlags.NoPorts) != 0) return true;
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
            return a ? MayViolate(k.A, k.B, k.Proto, k.PortB, when) : MayViolate(k.B, k.A, k.Proto, k.PortA, when);
        return MayViolate(k.A, k.B, k.Proto, k.PortB, when) || MayViolate(k.B, k.A, k.Proto, k.PortA, when);
    }

    private bool MayViolate(IpAddr src, IpAddr dst, byte proto, ushort dport, DateTime when)
    {
        var srcCat = _classifier.Classify(src, asDestination: false, out var srcZone, out _);
        var dstCat = _classifier.Classify(dst, asDestination: true, out var dstZone, out _);
        if (srcCat == AddressCategory.Special || dstCat == AddressCategory.Special || srcZone is null || dstZone is null)
            return false;
        var verdict = _policy.Judge(srcZone, src, dstZone, dst, proto, IpProto.HasPorts(proto) ? dport : (ushort)0, when);
        return verdict.Rule is not null && RuleIds.SeverityOf(verdict.Rule) == Severity.Violation;
    }

    /// <summary>
    /// The observer has the judged flow's findings first (it writes the flow's packets when one is a violation), then
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
