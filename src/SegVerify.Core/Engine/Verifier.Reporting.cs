using SegVerify.Core.Findings;
using SegVerify.Core.Flows;
using SegVerify.Core.Judging;

namespace SegVerify.Core.Engine;

/// <summary>
/// What happens when a flow ends (cold: once per flow): the flow judge's verdict is counted in the zone matrix, its
/// findings are made by the finding factory (each unclassified address once per run) and reported, and with --flows
/// the flow event is written.
/// </summary>
public sealed partial class Verifier
{
    /// <summary>Judges a flow that has ended and reports its findings.</summary>
    private void FinishFlow(in FlowEntry f)
    {
        _flowFindings.Clear();
        _deferFlowFindings = Observer is not null;
        string? communityId = ReportFlow(in f);
        _tunnelTable.Release(f.TunnelRef);
        if (_deferFlowFindings) ReportWithEvidence(f.FlowId, communityId);
    }

    /// <summary>Judges and reports one flow; returns its Community ID when one was computed (or an observer wants it).</summary>
    private string? ReportFlow(in FlowEntry f)
    {
        var j = _judge.Judge(in f);
        var who = j.Parties;
        if (who.SrcZone is not null && who.DstZone is not null) _zoneMatrix[who.SrcZone.Index, who.DstZone.Index]++;

        string? cid = null;
        var k = f.Key;
        bool noPorts = (f.Flags & FlowFlags.NoPorts) != 0;
        string Cid() => cid ??= CommunityId.ForFlow(in k, noPorts);
        // where the flow's first packet is in the capture (when it began in the capture being read)
        long? offset = CurrentCapture is not null && f.FirstCapture == _tracker.CaptureSerial ? f.FirstOffset : null;
        int tunnelRef = f.TunnelRef;
        EventOrigin? origin = null;
        EventOrigin Origin() => origin ??= new EventOrigin(CurrentCapture, offset, _tunnelTable.Info(tunnelRef));

        if (j.Outcome != FlowOutcome.Special)
        {
            if (j.Has(FlowIssues.SrcUnclassified) && _reportedUnclassified.Add(j.Src))
                Report(FindingFactory.ForFlow(RuleIds.UnclassifiedAddress, in f, in who, null, Cid(), Origin(), address: j.Src));
            if (j.Has(FlowIssues.DstUnclassified) && _reportedUnclassified.Add(j.Dst))
                Report(FindingFactory.ForFlow(RuleIds.UnclassifiedAddress, in f, in who, null, Cid(), Origin(), address: j.Dst));
            if (j.Rule is not null)
                Report(FindingFactory.ForFlow(j.Rule, in f, in who, j.By?.Name, Cid(), Origin()));
            if (j.Has(FlowIssues.LargeTransfer))
                Report(FindingFactory.ForFlow(RuleIds.LargeTransfer, in f, in who, null, Cid(), Origin(), number: j.TotalBytes));
            if (j.Has(FlowIssues.UndeclaredService))
                Report(FindingFactory.ForFlow(RuleIds.UndeclaredService, in f, in who, null, Cid(), Origin()));
        }

        if (_options.EmitFlows)
        {
            var flowEvent = FindingFactory.ForFlowEvent(j.Verdict, in f, in who, j.By?.Name, Cid(), Origin());
            if (_deferFlowFindings) _deferredFlowEvent = flowEvent;
            else _sink.OnFlow(flowEvent);
        }
        return Observer is not null ? Cid() : cid;
    }

    /// <summary>Reports a flow-level finding (and keeps it for the observer, which has it first: --evidence).</summary>
    private void Report(Finding finding)
    {
        _flowFindings.Add(finding);
        if (!_deferFlowFindings) Emit(finding);
    }
}
