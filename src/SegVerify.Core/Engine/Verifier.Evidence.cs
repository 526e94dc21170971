using SegVerify.Core.Classification;
using SegVerify.Core.Findings;
using SegVerify.Core.Flows;
using SegVerify.Core.Net;

namespace SegVerify.Core.Engine;

/// <summary>What the verifier tells its <see cref="IPacketObserver"/> (--evidence).</summary>
public sealed partial class Verifier
{
    /// <summary>True while a flow is judged for an observer: its findings are held until the observer has written its evidence.</summary>
    private bool _deferFlowFindings;
    private Finding? _deferredFlowEvent;

    /// <summary>
    /// Whether the policy can judge this just-opened flow a violation, whichever of its two endpoints turns out to
    /// have opened it (the initiator may only be known later: a SYN seen after the first packet, a service port). A
    /// flow whose ports are not known yet (it opened with a later fragment) may.
    /// </summary>
    private bool MayViolate(in FlowEntry f)
    {
        var k = f.Key;
        if (IpProto.HasPorts(k.Proto) && (f.Flags & FlowFlags.NoPorts) != 0) return true;
        var when = ToUtc(f.FirstTs);
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
            _sink.OnFinding(file is null ? flowEvent : flowEvent with { Evidence = file });
        }
    }
}
