using SegVerify.Core.Flows;
using SegVerify.Core.Net;
using SegVerify.Core.Topology;

namespace SegVerify.Core.Engine;

public sealed partial class Verifier
{
    internal SharedDedupe? Shared => _options.Shared;

    /// <summary>
    /// With a <see cref="SharedDedupe"/>: offers this flow's unclassified-address finding for <paramref name="address"/>
    /// with the place the flow's judgement has in a single-threaded run. Returns false: the winner is written at the end.
    /// </summary>
    private bool OfferUnclassified(IpAddr address, in FlowEntry f, bool initA, bool observed, Zone? srcZone, Zone? dstZone, string cid)
    {
        var order = JudgementOrder(in f);
        var shared = _options.Shared!;
        if (shared.WantsUnclassified(address, in order))
            shared.OfferUnclassified(address, in order,
                BuildFlowFinding(RuleIds.UnclassifiedAddress, in f, initA, observed, srcZone, dstZone, null, cid, address.ToString(), isFlowEvent: false));
        return false;
    }

    /// <summary>
    /// Where the judgement of <paramref name="f"/> (being finished now) falls in a single-threaded run. A single verifier
    /// judges, at each advance of the clock, the expired closing, then TCP, then other flows, each list from its least
    /// recently active; a closing flow reopened by a new SYN or a flow evicted by the cap comes after those; at the end of
    /// input the TCP, other, then closing lists are flushed in that order.
    /// </summary>
    private FlowOrder JudgementOrder(in FlowEntry f)
    {
        bool closing = f.List == FlowTable.ListClosing;
        long activity = closing ? f.CloseTs : f.LastTs;
        int rank;
        long clock;
        if (AtEndOfInput)
        {
            clock = long.MaxValue;
            rank = f.List; // Flush walks the lists in index order
        }
        else
        {
            clock = _now;
            long timeout = closing ? _options.TcpCloseLingerNs
                : f.List == FlowTable.ListTcp ? _options.TcpIdleTimeoutNs : _options.UdpIdleTimeoutNs;
            bool expired = _now - activity > timeout;
            rank = !expired ? (closing ? 3 : 4)
                : closing ? 0 : f.List == FlowTable.ListTcp ? 1 : 2;
        }
        return new FlowOrder(clock, rank, activity, f.FirstTs, f.Key);
    }
}
