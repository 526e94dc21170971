namespace SegVerify.Firewall.Model;

/// <summary>
/// What an ACL line matches: a boolean expression over header fields and interfaces (Batfish's AclLineMatchExpr).
/// Leaves are <see cref="MatchField"/>, <see cref="MatchInterface"/> and <see cref="MatchUnknown"/>; inner nodes
/// <see cref="MatchAnd"/>, <see cref="MatchOr"/>, <see cref="MatchNot"/>. Build them with the static helpers, which
/// flatten nested conjunctions and disjunctions.
/// </summary>
public abstract record MatchExpr
{
    /// <summary>Matches every packet (an empty conjunction).</summary>
    public static readonly MatchExpr True = new MatchAnd([]);
    /// <summary>Matches no packet (an empty disjunction).</summary>
    public static readonly MatchExpr False = new MatchOr([]);

    public static MatchExpr And(IEnumerable<MatchExpr> terms)
    {
        var list = new List<MatchExpr>();
        foreach (var t in terms)
        {
            if (t is MatchAnd a) list.AddRange(a.Terms);
            else list.Add(t);
        }
        return list.Count == 1 ? list[0] : new MatchAnd(list);
    }

    public static MatchExpr And(params MatchExpr[] terms) => And((IEnumerable<MatchExpr>)terms);

    public static MatchExpr Or(IEnumerable<MatchExpr> terms)
    {
        var list = new List<MatchExpr>();
        foreach (var t in terms)
        {
            if (t is MatchOr o) list.AddRange(o.Terms);
            else list.Add(t);
        }
        return list.Count == 1 ? list[0] : new MatchOr(list);
    }

    public static MatchExpr Or(params MatchExpr[] terms) => Or((IEnumerable<MatchExpr>)terms);

    public static MatchExpr Not(MatchExpr t) => t is MatchNot n ? n.Term : new MatchNot(t);

    /// <summary>True when the expression (or a part of it) is not understood.</summary>
    public bool HasUnknown => this switch
    {
        MatchUnknown => true,
        MatchAnd a => a.Terms.Any(x => x.HasUnknown),
        MatchOr o => o.Terms.Any(x => x.HasUnknown),
        MatchNot n => n.Term.HasUnknown,
        _ => false,
    };

    /// <summary>Every leaf of the expression, depth first.</summary>
    public IEnumerable<MatchExpr> Leaves()
    {
        switch (this)
        {
            case MatchAnd a: foreach (var t in a.Terms) foreach (var l in t.Leaves()) yield return l; break;
            case MatchOr o: foreach (var t in o.Terms) foreach (var l in t.Leaves()) yield return l; break;
            case MatchNot n: foreach (var l in n.Term.Leaves()) yield return l; break;
            default: yield return this; break;
        }
    }
}

/// <summary>The field takes one of these values.</summary>
public sealed record MatchField(HeaderField Field, IntervalSet Values) : MatchExpr;

/// <summary>
/// The packet enters (<paramref name="Ingress"/>) or leaves through an interface named by one of the patterns; a
/// trailing '*' is a prefix wildcard ("eth*"). Negate with <see cref="MatchExpr.Not"/>.
/// </summary>
public sealed record MatchInterface(bool Ingress, IReadOnlyList<string> Patterns) : MatchExpr
{
    public bool Matches(string name)
    {
        foreach (var p in Patterns) if (PatternMatches(p, name)) return true;
        return false;
    }

    public static bool PatternMatches(string pattern, string name)
    {
        if (pattern.Length > 0 && pattern[^1] == '*')
            return name.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal);
        return pattern == name;
    }
}

/// <summary>Every term holds.</summary>
public sealed record MatchAnd(IReadOnlyList<MatchExpr> Terms) : MatchExpr;

/// <summary>At least one term holds.</summary>
public sealed record MatchOr(IReadOnlyList<MatchExpr> Terms) : MatchExpr;

/// <summary>The term does not hold.</summary>
public sealed record MatchNot(MatchExpr Term) : MatchExpr;

/// <summary>
/// A construct the dialect does not model: it may or may not match. The analysis over-approximates accepts and
/// under-approximates drops around it. The dialect also reports it as a <see cref="ParseWarning"/>.
/// </summary>
public sealed record MatchUnknown(ConfigPos Pos, string Text) : MatchExpr;
