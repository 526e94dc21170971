namespace SegVerify.Core.Findings;

/// <summary>
/// One <c>"event":"flow"</c> record (--flows, and every flow archived with --archive): a flow with its verdict and
/// the rule that allowed it. Not a finding: it is not counted, audited or listed in reports.
/// </summary>
public sealed record FlowEvent : OutputEvent
{
    /// <summary><c>allowed</c>, a finding id, <c>unclassified</c> (an endpoint in no zone) or <c>none</c> (special addresses).</summary>
    public required string Verdict { get; init; }
    public override string Event => "flow";
}
