using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.Netfilter;

/// <summary>
/// The vendor model shared by the iptables and nftables dialects: what the Linux kernel's netfilter holds (tables of
/// chains, base chains hooked at a priority with a policy, rules with verdicts). Matches are already vendor-neutral
/// <see cref="MatchExpr"/>s; hooks, chain types and verdicts are netfilter's and are lowered by
/// <see cref="NetfilterLowering"/>.
/// </summary>
public sealed class NfRuleset
{
    public required string File { get; init; }
    /// <summary>Families the text describes (iptables-save: IPv4; ip6tables-save: IPv6; nft: both).</summary>
    public Family Families { get; set; } = Family.Both;
    public List<NfChain> Chains { get; } = [];
    public List<ParseWarning> Warnings { get; } = [];
    /// <summary>The kernel's limit on nested jumps from a base chain (nftables: 16 levels); null when none applies.</summary>
    public int? MaxJumpDepth { get; set; }

    public IEnumerable<NfRule> AllRules => Chains.SelectMany(c => c.Rules);
}

/// <summary>A netfilter verdict (or NAT statement) ending a rule.</summary>
public enum NfVerdict : byte { Accept, Drop, Reject, Jump, Goto, Return, Continue, Dnat, Redirect }

/// <summary>A base chain (hooked, with a policy) or a regular chain of a table.</summary>
public sealed class NfChain
{
    /// <summary>The table, qualified by family for nft ("inet filter"), bare for iptables ("filter").</summary>
    public required string Table { get; init; }
    public required string Name { get; init; }
    public required Family Family { get; init; }
    public required ConfigPos Pos { get; init; }
    /// <summary>prerouting, input, forward, output, postrouting for a base chain; null for a regular chain.</summary>
    public string? Hook { get; set; }
    /// <summary>filter, nat, route (nft chain types; iptables: filter, nat, mangle, raw, security).</summary>
    public string? Type { get; set; }
    public int Priority { get; set; }
    /// <summary>Position and text of the policy (or of the chain header when the policy is the default accept).</summary>
    public ConfigPos PolicyPos { get; set; }
    public string PolicyText { get; set; } = "policy accept (default)";
    public bool PolicyDrop { get; set; }
    public List<NfRule> Rules { get; } = [];
    public bool IsBase => Hook is not null;
    public string QualifiedName => $"{Table}/{Name}";
    public override string ToString() => QualifiedName;
}

/// <summary>One rule (a verdict map is several rules at the same position, one per key).</summary>
public sealed class NfRule
{
    public required ConfigPos Pos { get; init; }
    public required string Text { get; init; }
    public MatchExpr Match { get; set; } = MatchExpr.True;
    public NfVerdict Verdict { get; set; } = NfVerdict.Continue;
    /// <summary>Chain jumped or gone to, in the same table.</summary>
    public string? Target { get; set; }
    /// <summary>The translation of a <see cref="NfVerdict.Dnat"/> rule.</summary>
    public NatTranslation? Nat { get; set; }
}
