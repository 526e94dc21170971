namespace SegVerify.Core.Output;

/// <summary>One rule a traced packet passed through: where it is written and its text.</summary>
public sealed record ProbeStep(ConfigLocation Location, string Text);

/// <summary>
/// The trace of one packet through a ruleset (check-firewall --probe): written as <c>"event":"probe"</c> in JSON Lines,
/// as a verdict line and the rules passed in text.
/// </summary>
public sealed record ProbeResult(string Probe, string Verdict, IReadOnlyList<ProbeStep> Path, ConfigLocation? DecidedBy, bool Approximate)
{
    /// <summary>The destination after destination NAT, when a NAT rule translated it (<c>nat_dst_ip</c>).</summary>
    public string? NatDstIp { get; init; }
    /// <summary>The destination port after destination NAT, for protocols with ports (<c>nat_dst_port</c>).</summary>
    public int? NatDstPort { get; init; }
}
