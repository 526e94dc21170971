using SegVerify.Firewall.Analysis;

namespace SegVerify.Firewall.Model;

/// <summary>Where something is written in a firewall configuration (1-based line and column).</summary>
public readonly record struct ConfigPos(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}";
    public string Full => $"{File}:{Line}:{Column}";
}

/// <summary>What a rule does to the packets it matches.</summary>
public enum RuleAction : byte { Accept, Drop, Reject, Jump, Goto, Return, Continue }

/// <summary>Address families a table (and so its chains) sees.</summary>
public enum Family : byte { V4, V6, Inet }

/// <summary>The set of values a packet's dimension must take (negation already applied).</summary>
public sealed record FieldConstraint(Dim Dim, IntervalSet Values);

/// <summary>
/// An interface match: names where a trailing '*' is a prefix wildcard (nftables' "eth*"; the iptables parser turns
/// iptables' "eth+" into "eth*"; in nftables a '+' is an ordinary character).
/// </summary>
public sealed record IfaceConstraint(bool In, IReadOnlyList<string> Patterns, bool Negated)
{
    public bool Matches(string name)
    {
        bool any = false;
        foreach (var p in Patterns)
            if (PatternMatches(p, name)) { any = true; break; }
        return any != Negated;
    }

    public static bool PatternMatches(string pattern, string name)
    {
        if (pattern.Length > 0 && pattern[^1] == '*')
            return name.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal);
        return pattern == name;
    }
}

/// <summary>A piece of a rule the parser does not understand; the rule is then taken to possibly match.</summary>
public sealed record UnknownMatch(ConfigPos Pos, string Text);

/// <summary>
/// One rule of the vendor-neutral model: a conjunction of field constraints (plus, for constructs like
/// <c>-m multiport --ports</c>, groups of alternatives of which one must hold) and an action.
/// </summary>
public sealed class FwRule
{
    public required ConfigPos Pos { get; init; }
    /// <summary>The rule as written (one line).</summary>
    public required string Text { get; init; }
    public required FwChain Chain { get; init; }
    public List<FieldConstraint> Fields { get; } = [];
    public List<IfaceConstraint> Ifaces { get; } = [];
    /// <summary>Each group: a list of alternatives, each a conjunction; one alternative of every group must hold.</summary>
    public List<FieldConstraint[][]> AnyOf { get; } = [];
    public List<UnknownMatch> Unknown { get; } = [];
    public RuleAction Action { get; set; } = RuleAction.Continue;
    /// <summary>Chain name for jump/goto.</summary>
    public string? Target { get; set; }
    public FwChain? TargetChain { get; set; }
    /// <summary>True for the pseudo-rule standing for a base chain's policy.</summary>
    public bool IsPolicy { get; init; }
    /// <summary>Index in its chain (0-based); -1 for a policy.</summary>
    public int Index { get; set; } = -1;
    /// <summary>The rule can never match (set by the parser for constructs known to be impossible).</summary>
    public bool Never { get; set; }

    public bool HasUnknown => Unknown.Count > 0;

    // Compiled forms (set by RuleCompiler for one interface table).
    internal List<PacketBox> Over = [];
    internal List<PacketBox> Under = [];
    internal bool Hit;

    public override string ToString() => $"{Pos} {Text}";
}

/// <summary>A chain: a base chain (hooked, with a policy) or a regular (user) chain.</summary>
public sealed class FwChain
{
    public required string Table { get; init; }
    public required string Name { get; init; }
    public required Family Family { get; init; }
    public required ConfigPos Pos { get; init; }
    /// <summary>Hook name (prerouting, input, forward, output, postrouting) for a base chain; null for a regular chain.</summary>
    public string? Hook { get; set; }
    /// <summary>nftables chain type (filter, nat, route); "filter" for iptables filter-table chains.</summary>
    public string? Type { get; set; }
    public int Priority { get; set; }
    /// <summary>The policy pseudo-rule of a base chain (accept unless the config says drop).</summary>
    public FwRule? Policy { get; set; }
    public List<FwRule> Rules { get; } = [];
    internal bool Reached;
    public bool IsBase => Hook is not null;
    public override string ToString() => $"{Table}/{Name}";
}

/// <summary>A warning found while reading a ruleset (rule unsupported-syntax, with its position).</summary>
public sealed record ParseWarning(ConfigPos Pos, string Message, string Text);

/// <summary>A parsed ruleset in the vendor-neutral model.</summary>
public sealed class FwRuleset
{
    public required string File { get; init; }
    /// <summary>"iptables" or "nft".</summary>
    public required string Dialect { get; init; }
    public List<FwChain> Chains { get; } = [];
    public List<ParseWarning> Warnings { get; } = [];

    public IEnumerable<FwRule> AllRules => Chains.SelectMany(c => c.Rules);

    /// <summary>The base chains of the forward hook that filter packets, in the order a packet meets them.</summary>
    public List<FwChain> ForwardChains() =>
        Chains.Where(c => c.Hook == "forward" && c.Type is "filter").OrderBy(c => c.Priority).ToList();

    /// <summary>Resolves jump/goto targets within each table; an unknown target becomes a warning and a no-op.</summary>
    public void Link()
    {
        var byKey = new Dictionary<(string, string), FwChain>();
        foreach (var c in Chains) byKey[(c.Table, c.Name)] = c;
        foreach (var c in Chains)
            for (int i = 0; i < c.Rules.Count; i++)
            {
                var r = c.Rules[i];
                r.Index = i;
                if (r.Action is RuleAction.Jump or RuleAction.Goto)
                {
                    if (r.Target is not null && byKey.TryGetValue((c.Table, r.Target), out var t)) r.TargetChain = t;
                    else
                    {
                        Warnings.Add(new ParseWarning(r.Pos, $"jump/goto to unknown chain '{r.Target}' (treated as no-op)", r.Text));
                        r.Action = RuleAction.Continue;
                    }
                }
            }
    }
}
