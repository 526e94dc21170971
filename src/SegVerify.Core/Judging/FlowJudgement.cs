using SegVerify.Core.Findings;
using SegVerify.Core.Net;
using SegVerify.Core.Topology;

namespace SegVerify.Core.Judging;

/// <summary>How far a flow could be judged.</summary>
public enum FlowOutcome : byte
{
    /// <summary>An endpoint is a special address (broadcast, multicast, link-local...): not judged, no finding.</summary>
    Special,
    /// <summary>An endpoint is in no zone: the policy could not be applied.</summary>
    Unclassified,
    /// <summary>Both endpoints are in zones: judged by the policy.</summary>
    Judged,
}

/// <summary>The issues found in one flow besides the policy's verdict, in the order they are reported.</summary>
[Flags]
public enum FlowIssues : byte
{
    None = 0,
    /// <summary>The initiator's address is in no zone (unclassified-address).</summary>
    SrcUnclassified = 1,
    /// <summary>The responder's address is in no zone (unclassified-address).</summary>
    DstUnclassified = 2,
    /// <summary>More bytes than the topology's limit crossed between two zones (large-transfer).</summary>
    LargeTransfer = 4,
    /// <summary>A declared host answered on a TCP/UDP port that is not among its services (undeclared-service).</summary>
    UndeclaredService = 8,
}

/// <summary>
/// What <see cref="FlowJudge"/> decided about one finished flow, as values: who initiated it and the zones, the
/// policy's finding id (null: allowed) and the rule or path involved, and the other issues. No text of any language.
/// </summary>
public readonly struct FlowJudgement
{
    public FlowParties Parties { get; init; }
    /// <summary>Initiator and responder address.</summary>
    public IpAddr Src { get; init; }
    public IpAddr Dst { get; init; }
    public FlowOutcome Outcome { get; init; }
    /// <summary>The policy's finding id; null when allowed or not judged.</summary>
    public string? Rule { get; init; }
    /// <summary>The allow rule or sanitisation path that allowed the flow, or that it breaks (expired, misused).</summary>
    public PolicyRule? By { get; init; }
    public FlowIssues Issues { get; init; }
    /// <summary>Bytes in both directions (large-transfer's number).</summary>
    public long TotalBytes { get; init; }

    public bool Has(FlowIssues issue) => (Issues & issue) != 0;

    /// <summary>The flow event's <c>verdict</c>: <c>none</c>, <c>unclassified</c>, the finding id or <c>allowed</c>.</summary>
    public string Verdict => Outcome switch
    {
        FlowOutcome.Special => "none",
        FlowOutcome.Unclassified => "unclassified",
        _ => Rule ?? "allowed",
    };
}
