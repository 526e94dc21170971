namespace SegVerify.Core.Findings;

/// <summary>
/// One finding (a violation or a warning), built by <see cref="FindingFactory"/> only when something is reported
/// (never on the per-packet path).
/// </summary>
public sealed record Finding : OutputEvent
{
    public required string Rule { get; init; }
    public Severity Severity => RuleIds.SeverityOf(Rule);
    public override string Event => Severity == Severity.Violation ? "violation" : "warning";
    /// <summary>
    /// The values of the finding's sentence. The <c>message</c> and <c>clause</c> texts are not here: each sink writes
    /// them from <c>Localization.Messages</c> in its language.
    /// </summary>
    public MessageArgs Args { get; init; }
}
