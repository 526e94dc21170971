namespace SegVerify.Core.Findings;

/// <summary>Which sentence a finding's message is (<see cref="MessageArgs.Kind"/>).</summary>
public enum MessageKind : byte
{
    /// <summary>The finding id's own sentence (traffic findings: replay, monitor, collect; check-firewall's own ids).</summary>
    ByRule,
    /// <summary>check-firewall: the ruleset accepts connections the policy forbids (the finding id is the clause broken).</summary>
    RulesetAccepts,
}
